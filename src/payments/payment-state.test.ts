import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canTransition, isFinal, PAYMENT_STATUSES, settlementOf } from './payment-state.ts';

describe('payment state machine', () => {
  it('allows the forward path and every ending from a live state', () => {
    assert.ok(canTransition('created', 'requires_action'));
    assert.ok(canTransition('requires_action', 'processing'));
    assert.ok(canTransition('processing', 'succeeded'));
    assert.ok(canTransition('processing', 'failed'));
    assert.ok(canTransition('requires_action', 'canceled'));
    assert.ok(canTransition('requires_action', 'expired'));
    assert.ok(canTransition('processing', 'unknown'));
    assert.ok(canTransition('unknown', 'succeeded'));
    assert.ok(canTransition('unknown', 'failed'));
    assert.ok(canTransition('unknown', 'expired'));
  });

  it('refuses every transition out of a final state and backwards ones', () => {
    for (const from of PAYMENT_STATUSES.filter(isFinal)) {
      for (const to of PAYMENT_STATUSES) assert.equal(canTransition(from, to), false, `${from} → ${to}`);
    }
    assert.equal(canTransition('processing', 'requires_action'), false);
    assert.equal(canTransition('processing', 'created'), false);
    assert.equal(canTransition('processing', 'expired'), false, 'money may be on its way: ask the provider, do not expire');
    for (const status of PAYMENT_STATUSES) assert.equal(canTransition(status, status), false);
  });

  it('maps endings to what happens to the pending transfer', () => {
    assert.equal(settlementOf('succeeded'), 'post');
    for (const s of ['failed', 'canceled', 'expired'] as const) assert.equal(settlementOf(s), 'void');
    for (const s of ['created', 'requires_action', 'processing', 'unknown'] as const) assert.equal(settlementOf(s), null);
  });
});
