import assert from 'node:assert/strict';
import type { AppContext } from '../app-context.ts';
import { AccountFlags, type Unit } from '../domain/ledger.ts';
import { ok } from '../domain/result.ts';
import { issuanceAccountId } from '../ledger/accounts.ts';

/**
 * Test support: gives a line an allowance bucket the way the packages capability does (units
 * from issuance:<unit> into a bucket account of kind 'bucket' owned by the line, with an expiry).
 */
export async function grantTestBucket(ctx: AppContext, lineId: string, unit: Unit, units: bigint, expiresAt: string): Promise<string> {
  const id = `${lineId}.${ctx.ids.next('bkt')}`;
  const result = await ctx.writer.submit({
    name: 'test-bucket',
    lock: { accounts: [id, issuanceAccountId(unit)] },
    execute(tx) {
      tx.createAccount({ id, unit, kind: 'bucket', ownerId: lineId, flags: AccountFlags.debitsMustNotExceedCredits, expiresAt });
      const moved = tx.transfer({ debitAccountId: issuanceAccountId(unit), creditAccountId: id, amount: units, unit, code: 'package_purchase' });
      assert.ok(moved.ok);
      return ok(id);
    },
  });
  assert.ok(result.ok);
  return id;
}

export async function accountBalance(ctx: AppContext, id: string): Promise<bigint> {
  const row = await ctx.db.selectFrom('ledger_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return BigInt(row.credits_posted) - BigInt(row.debits_posted) - BigInt(row.debits_pending);
}
