import { sql, type CompiledQuery, type Kysely } from 'kysely';
import type { AccountState, Unit } from '../domain/ledger.ts';
import type { StoreDialect } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import type { BatchState, LineState } from './batch-state.ts';

/** All SQL of the batching writer: load and lock what a batch touches, then write it at once. */
const CHUNK_ROWS_MAX = 500;

export interface LockSet {
  lines: string[];
  accounts: string[];
  counters: string[];
  pending: string[];
  idempotencyKeys: string[];
}

/**
 * Opens the batch's transaction and loads (and on PostgreSQL locks, in id order) everything the
 * batch names, in one call to the dialect: one round trip on SQLite.
 */
export async function openBatch(conn: Kysely<Database>, dialect: StoreDialect, lock: LockSet, batch: BatchState): Promise<void> {
  const forUpdate = <T extends { forUpdate(): T }>(query: T) => (dialect.lockRowsOnRead ? query.forUpdate() : query);
  const loads: { query: CompiledQuery; read(rows: any[]): void }[] = [];
  if (lock.idempotencyKeys.length > 0) {
    loads.push({
      query: conn.selectFrom('idempotency_keys').select(['key', 'fingerprint', 'status_code', 'response']).where('key', 'in', lock.idempotencyKeys).compile(),
      read: (rows) => { for (const row of rows) batch.idempotency.set(row.key, { fingerprint: row.fingerprint, statusCode: Number(row.status_code), response: row.response }); },
    });
  }
  if (lock.counters.length > 0) {
    // One upsert creates missing counters and locks them all (ON CONFLICT DO UPDATE takes the row
    // lock), so numbering stays gapless across processes; keys come sorted, so locks are ordered.
    loads.push({
      query: conn.insertInto('counters').values(lock.counters.map((key) => ({ key, value: 0n })))
        .onConflict((c) => c.column('key').doUpdateSet({ value: (eb) => eb.ref('counters.value') }))
        .returning(['key', 'value']).compile(),
      read: (rows) => { for (const row of rows) batch.counters.set(row.key, BigInt(row.value)); },
    });
  }
  if (lock.lines.length > 0) {
    loads.push({
      query: forUpdate(conn.selectFrom('lines').selectAll().where('id', 'in', lock.lines).orderBy('id')).compile(),
      read: (rows) => { for (const row of rows) batch.lines.set(row.id, toLineState(row)); },
    });
  }
  if (lock.pending.length > 0) {
    const pendingRows: Database['ledger_transfers'][] = [];
    loads.push({
      query: conn.selectFrom('ledger_transfers').selectAll().where('id', 'in', lock.pending).where('kind', '=', 'pending').compile(),
      read: (rows) => { pendingRows.push(...rows); },
    });
    loads.push({
      query: conn.selectFrom('ledger_transfers').select('pending_id').where('pending_id', 'in', lock.pending).compile(),
      read: (rows) => {
        const resolvedIds = new Set(rows.map((r: { pending_id: string }) => r.pending_id));
        for (const row of pendingRows) {
          batch.pending.set(row.id, {
            id: row.id, debitAccountId: row.debit_account_id, creditAccountId: row.credit_account_id,
            amount: BigInt(row.amount), unit: row.unit as Unit, resolved: resolvedIds.has(row.id),
          });
        }
      },
    });
  }
  if (lock.accounts.length > 0) {
    loads.push({
      query: forUpdate(conn.selectFrom('ledger_accounts').selectAll().where('id', 'in', lock.accounts).orderBy('id')).compile(),
      read: (rows) => { for (const row of rows) batch.accounts.set(row.id, toAccountState(row)); },
    });
  }
  const keys = [...lock.idempotencyKeys, ...lock.pending.map((id) => `pending:${id}`)];
  const results = await dialect.openBatch(conn, keys, loads.map((load) => load.query));
  loads.forEach((load, index) => load.read(results[index]!.rows));
}

/** Writes every change of the batch and commits (one round trip on SQLite, two on PostgreSQL). */
export async function commitBatch(conn: Kysely<Database>, dialect: StoreDialect, batch: BatchState): Promise<void> {
  const queries: CompiledQuery[] = [];
  const insert = (table: string, rows: object[]) => {
    for (let start = 0; start < rows.length; start += CHUNK_ROWS_MAX) {
      queries.push((conn as Kysely<any>).insertInto(table).values(rows.slice(start, start + CHUNK_ROWS_MAX)).compile());
    }
  };
  insert('ledger_accounts', [...batch.newAccountIds].map((id) => fromAccountState(batch.accounts.get(id)!, batch.createdAt)));
  insert('ledger_transfers', batch.transfers.map((t) => ({
    id: t.id, debit_account_id: t.debitAccountId, credit_account_id: t.creditAccountId, amount: t.amount, unit: t.unit,
    code: t.code, kind: t.kind, pending_id: t.pendingId, link_group: t.linkGroup, metadata: t.metadata, created_at: t.createdAt,
  })));
  const changed = [...batch.dirtyAccountIds].filter((id) => !batch.newAccountIds.has(id)).map((id) => batch.accounts.get(id)!);
  for (let start = 0; start < changed.length; start += CHUNK_ROWS_MAX) {
    const rows = changed.slice(start, start + CHUNK_ROWS_MAX).map((a) =>
      sql`(${a.id}, cast(${a.debitsPosted} as bigint), cast(${a.creditsPosted} as bigint), cast(${a.debitsPending} as bigint), cast(${a.creditsPending} as bigint))`);
    // One statement for every touched account; column1… are VALUES' column names on both dialects.
    queries.push(sql`update ledger_accounts set debits_posted = v.column2, credits_posted = v.column3,
      debits_pending = v.column4, credits_pending = v.column5
      from (values ${sql.join(rows)}) as v where ledger_accounts.id = v.column1`.compile(conn));
  }
  const lines = [...batch.dirtyLineIds].map((id) => batch.lines.get(id)!);
  for (let start = 0; start < lines.length; start += CHUNK_ROWS_MAX) {
    const rows = lines.slice(start, start + CHUNK_ROWS_MAX).map((l) =>
      sql`(${l.id}, ${l.status}, cast(${l.validUntil} as text), cast(${l.dailyTopupDate} as text), cast(${l.dailyTopupAmount} as bigint), ${l.statusChangedAt}, ${l.language})`);
    queries.push(sql`update lines set status = v.column2, valid_until = v.column3, daily_topup_date = v.column4,
      daily_topup_amount = v.column5, status_changed_at = v.column6, language = v.column7, updated_at = ${batch.createdAt}
      from (values ${sql.join(rows)}) as v where lines.id = v.column1`.compile(conn));
  }
  const counters = [...batch.dirtyCounterKeys].map((key) => ({ key, value: batch.counters.get(key)! }));
  if (counters.length > 0) {
    queries.push(conn.insertInto('counters').values(counters)
      .onConflict((c) => c.column('key').doUpdateSet({ value: (eb) => eb.ref('excluded.value') })).compile());
  }
  for (const [table, rows] of batch.inserts) insert(table, rows);
  insert('idempotency_keys', [...batch.newIdempotencyKeys].map((key) => {
    const stored = batch.idempotency.get(key)!;
    return {
      key, fingerprint: stored.fingerprint, status_code: BigInt(stored.statusCode), response: stored.response,
      created_at: batch.createdAt, expires_at: batch.expiringKeys.get(key) ?? null,
    };
  }));
  await dialect.commitBatch(conn, queries);
}

export function toAccountState(row: Database['ledger_accounts']): AccountState {
  return {
    id: row.id, unit: row.unit as Unit, kind: row.kind, ownerId: row.owner_id, flags: BigInt(row.flags),
    debitsPosted: BigInt(row.debits_posted), creditsPosted: BigInt(row.credits_posted),
    debitsPending: BigInt(row.debits_pending), creditsPending: BigInt(row.credits_pending), expiresAt: row.expires_at,
  };
}

function fromAccountState(a: AccountState, createdAt: string): Database['ledger_accounts'] {
  return {
    id: a.id, unit: a.unit, kind: a.kind, owner_id: a.ownerId, flags: a.flags, debits_posted: a.debitsPosted,
    credits_posted: a.creditsPosted, debits_pending: a.debitsPending, credits_pending: a.creditsPending,
    expires_at: a.expiresAt, metadata: null, created_at: createdAt,
  };
}

function toLineState(row: Database['lines']): LineState {
  return {
    id: row.id, msisdn: row.msisdn, status: row.status, validUntil: row.valid_until, language: row.language,
    dailyTopupDate: row.daily_topup_date, dailyTopupAmount: BigInt(row.daily_topup_amount), statusChangedAt: row.status_changed_at,
  };
}
