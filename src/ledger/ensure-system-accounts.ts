import type { Store } from '../store/open-store.ts';
import { SYSTEM_ACCOUNTS, type AccountSpec } from './accounts.ts';

/** Creates the operator's own accounts (and any extra ones) if they are missing. Idempotent. */
export async function ensureAccounts(store: Store, specs: AccountSpec[] = SYSTEM_ACCOUNTS, now = new Date()): Promise<void> {
  if (specs.length === 0) return;
  await store.db.insertInto('ledger_accounts').values(specs.map((spec) => ({
    id: spec.id, unit: spec.unit, kind: spec.kind, owner_id: spec.ownerId ?? null, flags: spec.flags ?? 0n,
    debits_posted: 0n, credits_posted: 0n, debits_pending: 0n, credits_pending: 0n, expires_at: spec.expiresAt ?? null,
    metadata: null, created_at: now.toISOString(),
  }))).onConflict((c) => c.column('id').doNothing()).execute();
}
