import type { AccountState, Unit } from '../domain/ledger.ts';
import type { BatchOpen, BatchRead, BatchRows, BatchWrite, SqlValue } from '../store/batch-statements.ts';
import type { Database } from '../store/schema.ts';
import type { BatchState, LineState } from './batch-state.ts';

/** What the batching writer reads and writes: described here, turned into SQL by each dialect (store/*-batch.ts). */

export interface LockSet {
  lines: string[];
  accounts: string[];
  counters: string[];
  /**
   * Counters of a row this command creates under a fresh id (a new package's period count and
   * end): no one else can know the key yet, so they start at 0 unread and unlocked, and are
   * written once, at commit, instead of being created at open and updated at commit.
   */
  freshCounters: string[];
  pending: string[];
  idempotencyKeys: string[];
}

/** A batch's reads, and how their rows fill the batch's state. */
export interface PlannedOpen {
  open: BatchOpen;
  load(rows: BatchRows, batch: BatchState): void;
}

/**
 * Everything a batch names, read (and on PostgreSQL locked) in one round trip. Lines, then
 * accounts, then counters: every writer locks in this order, and the hottest rows (the receipt
 * counter, a channel's clearing account) come last, so they are held for as short a time as can be.
 */
export function planOpen(lock: LockSet): PlannedOpen {
  const reads: BatchRead[] = [];
  const loaders: ((rows: any[], batch: BatchState) => void)[] = [];
  const read = (query: BatchRead, loader: (rows: any[], batch: BatchState) => void) => { reads.push(query); loaders.push(loader); };
  if (lock.idempotencyKeys.length > 0) {
    read({ kind: 'rows', table: 'idempotency_keys', columns: ['key', 'fingerprint', 'status_code', 'response'], key: 'key', keys: lock.idempotencyKeys, lock: false }, (rows, batch) => {
      for (const row of rows) batch.idempotency.set(row.key, { fingerprint: row.fingerprint, statusCode: Number(row.status_code), response: row.response });
    });
  }
  if (lock.lines.length > 0) {
    read({ kind: 'rows', table: 'lines', columns: LINE_COLUMNS, key: 'id', keys: lock.lines, lock: true }, (rows, batch) => {
      for (const row of rows) {
        const line = toLineState(row);
        batch.lines.set(row.id, line);
        batch.linesAsRead.set(row.id, line);
      }
    });
  }
  if (lock.pending.length > 0) {
    const pendingRows: Database['ledger_transfers'][] = [];
    read({ kind: 'rows', table: 'ledger_transfers', columns: '*', key: 'id', keys: lock.pending, also: { column: 'kind', value: 'pending' }, lock: false }, (rows) => {
      pendingRows.push(...rows);
    });
    read({ kind: 'rows', table: 'ledger_transfers', columns: ['pending_id'], key: 'pending_id', keys: lock.pending, lock: false }, (rows, batch) => {
      const resolvedIds = new Set(rows.map((r: { pending_id: string }) => r.pending_id));
      for (const row of pendingRows) {
        batch.pending.set(row.id, {
          id: row.id, debitAccountId: row.debit_account_id, creditAccountId: row.credit_account_id,
          amount: BigInt(row.amount), unit: row.unit as Unit, resolved: resolvedIds.has(row.id),
        });
      }
    });
  }
  if (lock.accounts.length > 0) {
    read({ kind: 'rows', table: 'ledger_accounts', columns: ACCOUNT_STATE_COLUMNS, key: 'id', keys: lock.accounts, lock: true }, (rows, batch) => {
      for (const row of rows) batch.accounts.set(row.id, toAccountState(row));
    });
  }
  if (lock.counters.length > 0) {
    read({ kind: 'counters', keys: lock.counters }, (rows, batch) => {
      for (const row of rows) batch.counters.set(row.key, BigInt(row.value));
    });
  }
  const lockKeys = [...lock.idempotencyKeys, ...lock.pending.map((id) => `pending:${id}`)];
  return {
    open: { lockKeys, reads },
    load(rows, batch) {
      loaders.forEach((loader, index) => loader(rows[index]!, batch));
      for (const key of lock.freshCounters) if (!batch.counters.has(key)) batch.counters.set(key, 0n);
    },
  };
}

/** The line columns a batch may change, with their LineState fields. */
const LINE_FIELDS = [
  ['status', 'status'], ['validUntil', 'valid_until'], ['indexedValidUntil', 'indexed_valid_until'], ['language', 'language'], ['dailyTopupDate', 'daily_topup_date'],
  ['dailyTopupAmount', 'daily_topup_amount'], ['firstTopupAt', 'first_topup_at'], ['lastTopupAt', 'last_topup_at'], ['statusChangedAt', 'status_changed_at'], ['barredAt', 'barred_at'],
] as const satisfies readonly (readonly [keyof LineState, string])[];
const LINE_COLUMNS = ['id', 'msisdn', ...LINE_FIELDS.map(([, column]) => column)];
/** What toAccountState reads: a usage batch reads ~4,000 accounts, each value made, sent and decoded. */
const ACCOUNT_STATE_COLUMNS = ['id', 'unit', 'kind', 'owner_id', 'flags', 'debits_posted', 'credits_posted', 'debits_pending', 'credits_pending', 'expires_at', 'last_transfer_id'];
const ACCOUNT_COLUMNS = [...ACCOUNT_STATE_COLUMNS, 'metadata', 'created_at'];
const TRANSFER_COLUMNS = ['id', 'debit_account_id', 'credit_account_id', 'amount', 'unit', 'code', 'kind', 'pending_id', 'link_group', 'metadata', 'created_at', 'debit_previous_id', 'credit_previous_id'];
const IDEMPOTENCY_COLUMNS = ['key', 'fingerprint', 'status_code', 'response', 'created_at', 'expires_at'];

/** Every change of the batch: new accounts, transfers, account totals, lines, counters, rows, idempotency answers. */
export function batchWrites(batch: BatchState): BatchWrite[] {
  const writes: BatchWrite[] = [];
  const push = (write: BatchWrite) => { if (write.rows.length > 0) writes.push(write); };
  push({ kind: 'insert', table: 'ledger_accounts', columns: ACCOUNT_COLUMNS, rows: [...batch.newAccountIds].map((id) => {
    const a = batch.accounts.get(id)!;
    return [a.id, a.unit, a.kind, a.ownerId, a.flags, a.debitsPosted, a.creditsPosted, a.debitsPending, a.creditsPending, a.expiresAt, a.lastTransferId, null, batch.createdAt];
  }) });
  push({ kind: 'insert', table: 'ledger_transfers', columns: TRANSFER_COLUMNS, rows: batch.transfers.map((t) => [
    t.id, t.debitAccountId, t.creditAccountId, t.amount, t.unit, t.code, t.kind, t.pendingId, t.linkGroup, t.metadata, t.createdAt, t.debitPreviousId, t.creditPreviousId,
  ]) });
  push({ kind: 'update', table: 'ledger_accounts', key: 'id', columns: ['debits_posted', 'credits_posted', 'debits_pending', 'credits_pending', 'last_transfer_id'],
    rows: [...batch.dirtyAccountIds].filter((id) => !batch.newAccountIds.has(id)).map((id) => {
      const a = batch.accounts.get(id)!;
      return [a.debitsPosted, a.creditsPosted, a.debitsPending, a.creditsPending, a.lastTransferId, a.id];
    }) });
  lineUpdates(writes, batch);
  push({ kind: 'insert', table: 'counters', columns: ['key', 'value'], upsertKey: 'key', rows: [...batch.dirtyCounterKeys].map((key) => [key, batch.counters.get(key)!]) });
  for (const [table, rows] of batch.inserts) insertRows(writes, table, rows);
  push({ kind: 'insert', table: 'idempotency_keys', columns: IDEMPOTENCY_COLUMNS, rows: [...batch.newIdempotencyKeys].map((key) => {
    const stored = batch.idempotency.get(key)!;
    return [key, stored.fingerprint, BigInt(stored.statusCode), stored.response, batch.createdAt, batch.expiringKeys.get(key) ?? null];
  }) });
  return writes;
}

/**
 * Each changed line with only the columns that changed (one write per set of columns). SQLite
 * rewrites an index entry whenever its column is SET, even to the same value: writing status and
 * language back unchanged on every top-up dirtied a random page of the number index for nothing.
 */
function lineUpdates(writes: BatchWrite[], batch: BatchState): void {
  const groups = new RowGroups();
  for (const id of batch.dirtyLineIds) {
    const line = batch.lines.get(id)!;
    const before = batch.linesAsRead.get(id);
    const changed = LINE_FIELDS.filter(([field]) => !before || line[field] !== before[field]);
    if (changed.length === 0) continue;
    groups.add([...changed.map(([, column]) => column), 'updated_at'], [...changed.map(([field]) => line[field]), batch.createdAt, id]);
  }
  for (const { columns, rows } of groups) writes.push({ kind: 'update', table: 'lines', key: 'id', columns, rows });
}

/** Rows a command inserted with `tx.insert`: one write per set of columns (rows of a table nearly always share one). */
function insertRows(writes: BatchWrite[], table: string, rows: Record<string, unknown>[]): void {
  const groups = new RowGroups();
  for (const row of rows) {
    const columns = Object.keys(row).filter((column) => row[column] !== undefined);
    groups.add(columns, columns.map((column) => row[column] as SqlValue));
  }
  for (const { columns, rows: values } of groups) writes.push({ kind: 'insert', table, columns, rows: values });
}

/** Rows grouped by their list of columns, in first-seen order: one statement per list. */
class RowGroups implements Iterable<{ columns: string[]; rows: SqlValue[][] }> {
  private readonly groups = new Map<string, { columns: string[]; rows: SqlValue[][] }>();

  add(columns: string[], row: SqlValue[]): void {
    const signature = columns.join(',');
    let group = this.groups.get(signature);
    if (!group) this.groups.set(signature, group = { columns, rows: [] });
    group.rows.push(row);
  }

  [Symbol.iterator]() {
    return this.groups.values();
  }
}

export function toAccountState(row: Database['ledger_accounts']): AccountState {
  return {
    id: row.id, unit: row.unit as Unit, kind: row.kind, ownerId: row.owner_id, flags: BigInt(row.flags),
    debitsPosted: BigInt(row.debits_posted), creditsPosted: BigInt(row.credits_posted),
    debitsPending: BigInt(row.debits_pending), creditsPending: BigInt(row.credits_pending), expiresAt: row.expires_at,
    lastTransferId: row.last_transfer_id ?? null,
  };
}

function toLineState(row: Database['lines']): LineState {
  return {
    id: row.id, msisdn: row.msisdn, status: row.status, validUntil: row.valid_until, indexedValidUntil: row.indexed_valid_until, language: row.language,
    dailyTopupDate: row.daily_topup_date, dailyTopupAmount: BigInt(row.daily_topup_amount),
    firstTopupAt: row.first_topup_at, lastTopupAt: row.last_topup_at, statusChangedAt: row.status_changed_at, barredAt: row.barred_at ?? null,
  };
}
