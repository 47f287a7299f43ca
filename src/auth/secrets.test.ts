import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { hashPassword, verifyPassword } from './secrets.ts';

describe('secrets', () => {
  it('verifies a password composed or decomposed alike, and a hash made before normalizing of the text as it was typed', async () => {
    const decomposed = 'café й'.normalize('NFD');
    const stored = await hashPassword(decomposed, Buffer.alloc(16, 1));
    assert.equal(await verifyPassword('café й'.normalize('NFC'), stored), true);
    const salt = Buffer.alloc(16, 2);
    const before = `scrypt$16384$8$1$${salt.toString('base64url')}$${scryptSync(decomposed, salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')}`;
    assert.equal(await verifyPassword(decomposed, before), true);
    assert.equal(await verifyPassword('cafe й', before), false);
  });
});
