import type { AccountState, TransferKind, Unit } from '../domain/ledger.ts';

/** A line as the writer holds it while it is locked inside a batch. */
export interface LineState {
  id: string;
  msisdn: string;
  status: string;
  validUntil: string | null;
  /** The lifecycle index's copy of validUntil: never later than it (see indexedValidUntilAfter). */
  indexedValidUntil: string | null;
  language: string;
  dailyTopupDate: string | null;
  dailyTopupAmount: bigint;
  firstTopupAt: string | null;
  lastTopupAt: string | null;
  statusChangedAt: string;
  /** Set while an admin's suspension (a bar) holds: a top-up reactivates the line only without one. */
  barredAt: string | null;
}

/**
 * The lifecycle job finds due lines through a (status, indexed_valid_until, id) index. The indexed
 * validity may lag behind the real one, never run ahead of it: a line is then found early, and the
 * job, seeing it not due, raises the copy (src/lifecycle/advance-line-lifecycle.ts). So a change that
 * only moves validity later, as nearly every top-up does, leaves the index entry where it is. A
 * change of status moves the entry anyway and takes the real validity along; so does an earlier one.
 */
export function indexedValidUntilAfter(before: LineState, after: LineState): string | null {
  if (after.validUntil === null) return null;
  const lagging = before.indexedValidUntil !== null && before.indexedValidUntil <= after.validUntil;
  return lagging && after.status === before.status ? before.indexedValidUntil : after.validUntil;
}

export interface PendingState {
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  unit: Unit;
  resolved: boolean;
}

export interface TransferRow {
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  unit: Unit;
  code: string;
  kind: TransferKind;
  pendingId: string | null;
  linkGroup: string;
  metadata: string | null;
  createdAt: string;
  /** Each account's transfer before this one: its history is a chain (migration 021). */
  debitPreviousId: string | null;
  creditPreviousId: string | null;
}

export interface StoredResponse {
  fingerprint: string;
  statusCode: number;
  response: string;
}

/** Everything one batch has loaded and locked, and what its accepted commands changed. */
export class BatchState {
  readonly accounts = new Map<string, AccountState>();
  readonly lines = new Map<string, LineState>();
  /** Each line as it was read, to write back only the columns that changed. */
  readonly linesAsRead = new Map<string, LineState>();
  readonly counters = new Map<string, bigint>();
  readonly pending = new Map<string, PendingState>();
  readonly idempotency = new Map<string, StoredResponse>();

  readonly newAccountIds = new Set<string>();
  readonly dirtyAccountIds = new Set<string>();
  readonly dirtyLineIds = new Set<string>();
  readonly dirtyCounterKeys = new Set<string>();
  readonly transfers: TransferRow[] = [];
  readonly inserts = new Map<string, Record<string, unknown>[]>();
  readonly newIdempotencyKeys = new Set<string>();
  readonly expiringKeys = new Map<string, string | null>();
  readonly createdAt: string;

  constructor(readonly now: Date) {
    this.createdAt = now.toISOString();
  }
}
