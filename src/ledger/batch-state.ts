import type { AccountState, TransferKind, Unit } from '../domain/ledger.ts';

/** A line as the writer holds it while it is locked inside a batch. */
export interface LineState {
  id: string;
  msisdn: string;
  status: string;
  validUntil: string | null;
  language: string;
  dailyTopupDate: string | null;
  dailyTopupAmount: bigint;
  firstTopupAt: string | null;
  lastTopupAt: string | null;
  statusChangedAt: string;
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
