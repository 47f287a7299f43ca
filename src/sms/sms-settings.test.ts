import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSmsSettings } from './sms-settings.ts';

describe('SMS settings', () => {
  it('takes a URL-encoded system_id and password, and names SMPP_URL when a % is not URL-encoding', () => {
    const settings = loadSmsSettings({ SMPP_URL: 'smpp://tol%40em:p%25ss@127.0.0.1:2775' });
    assert.equal(settings.smpp?.systemId, 'tol@em');
    assert.equal(settings.smpp?.password, 'p%ss');
    for (const url of ['smpp://tolem:%zz@127.0.0.1', 'smpp://%E0%A4%A@127.0.0.1']) {
      assert.throws(() => loadSmsSettings({ SMPP_URL: url }), /SMPP_URL .*%25/, url);
    }
  });
});
