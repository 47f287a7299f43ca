import { createHash } from 'node:crypto';
import { assert } from '../domain/assert.ts';
import { fail, ok, type DomainError, type Result } from '../domain/result.ts';
import type { Clock } from '../platform/clock.ts';
import type { IdGenerator } from '../platform/ids.ts';
import type { Store } from '../store/open-store.ts';
import { BatchState } from './batch-state.ts';
import { BatchTx } from './batch-tx.ts';
import { commitBatch, openBatch, type LockSet } from './ledger-repository.ts';

/**
 * A command for the batching writer. `lock` names every row it may read or change; `execute`
 * runs synchronously against the locked rows (no I/O) and either stages changes or returns an
 * error. A command with `idempotency` runs at most once per key: a repeat gets the stored answer.
 */
export interface LedgerCommand<T> {
  name: string;
  /** What to lock; a function when it depends on the batch's time (a per-year receipt counter). */
  lock: Partial<LockSet> | ((now: Date) => Partial<LockSet>);
  idempotency?: { key: string; fingerprint: string; statusCode?: number; expiresAt?: string | null };
  execute(tx: BatchTx): Result<T>;
}

export interface CommandOutcome<T> {
  value: T;
  /** True when the answer is a stored one from an earlier run with the same idempotency key. */
  replayed: boolean;
}

interface Queued {
  command: LedgerCommand<unknown>;
  resolve(result: Result<CommandOutcome<unknown>>): void;
}

export interface WriterObserver {
  batchCommitted(size: number, durationMs: number): void;
}

export interface LedgerWriterOptions {
  batchSizeMax: number;
  queueLengthMax: number;
  observer?: WriterObserver;
  onError?(error: unknown): void;
}

/**
 * Group commit (DESIGN.md section 4): one writer per process takes everything queued, locks what
 * it touches, runs each command in order against running balances in memory, writes all accepted
 * changes with multi-row statements, commits once and only then answers every caller. A refused
 * command fails alone; while one batch commits, the next one fills.
 */
export class LedgerWriter {
  private queue: Queued[] = [];
  private running = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};

  constructor(private readonly store: Store, private readonly clock: Clock, private readonly ids: IdGenerator, private readonly options: LedgerWriterOptions) {
    assert(options.batchSizeMax > 0 && options.queueLengthMax >= options.batchSizeMax, 'writer limits are positive');
  }

  submit<T>(command: LedgerCommand<T>): Promise<Result<CommandOutcome<T>>> {
    if (this.closed) return Promise.resolve(fail('unavailable', { reason: 'shutting_down' }));
    if (this.queue.length >= this.options.queueLengthMax) return Promise.resolve(fail('unavailable', { reason: 'ledger_queue_full' }));
    return new Promise((resolve) => {
      this.queue.push({ command, resolve } as Queued);
      if (!this.running) this.startLoop();
    });
  }

  /** Resolves once everything submitted so far has been answered. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle;
  }

  private startLoop(): void {
    this.running = true;
    this.idle = new Promise((resolve) => { this.markIdle = resolve; });
    // Yield once so that requests arriving in the same tick join the first batch.
    setImmediate(() => void this.loop());
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.batchSizeMax);
      const started = performance.now();
      try {
        await this.runBatch(batch);
      } catch (error) {
        this.options.onError?.(error);
        // The batch as a whole failed (a database error, not a refusal): retry each alone,
        // so that one bad command cannot take its neighbours down with it.
        if (batch.length === 1) batch[0]!.resolve(fail('unavailable', { reason: 'ledger_write_failed' }));
        else for (const item of batch) await this.runAlone(item);
      }
      this.options.observer?.batchCommitted(batch.length, performance.now() - started);
    }
    this.running = false;
    // After the last batch's answers (queued with setImmediate before this).
    const markIdle = this.markIdle;
    setImmediate(markIdle);
  }

  private async runAlone(item: Queued): Promise<void> {
    try {
      await this.runBatch([item]);
    } catch (error) {
      this.options.onError?.(error);
      item.resolve(fail('unavailable', { reason: 'ledger_write_failed' }));
    }
  }

  private async runBatch(items: Queued[]): Promise<void> {
    const state = new BatchState(this.clock.now());
    const answers = await this.store.db.connection().execute(async (conn) => {
      try {
        await openBatch(conn, this.store.dialect, lockSetOf(items, state.now), state);
        const answers = items.map((item) => this.executeOne(item.command, state));
        await commitBatch(conn, this.store.dialect, state);
        return answers;
      } catch (error) {
        await this.store.dialect.rollback(conn);
        throw error;
      }
    });
    // Only now, after the commit, does any caller hear back: on the next turn of the event loop,
    // so that the next batch's first round trip is already on its way while they are answered.
    setImmediate(() => items.forEach((item, index) => item.resolve(answers[index]!)));
  }

  private executeOne(command: LedgerCommand<unknown>, state: BatchState): Result<CommandOutcome<unknown>> {
    const key = command.idempotency;
    if (key) {
      const stored = state.idempotency.get(key.key);
      if (stored) {
        if (stored.fingerprint !== key.fingerprint) return fail('idempotency_key_reused');
        return ok({ value: JSON.parse(stored.response), replayed: true });
      }
    }
    const tx = new BatchTx(state, this.ids, this.ids.next('grp'));
    let result: Result<unknown>;
    try {
      result = command.execute(tx);
    } catch (error) {
      this.options.onError?.(error);
      return fail('internal_error', { command: command.name });
    }
    if (!result.ok) return result as { ok: false; error: DomainError };
    tx.mergeInto(state);
    if (key) {
      state.idempotency.set(key.key, { fingerprint: key.fingerprint, statusCode: key.statusCode ?? 201, response: JSON.stringify(result.value) });
      state.newIdempotencyKeys.add(key.key);
      state.expiringKeys.set(key.key, key.expiresAt ?? null);
    }
    return ok({ value: result.value, replayed: false });
  }
}

function lockSetOf(items: Queued[], now: Date): LockSet {
  const sets = { lines: new Set<string>(), accounts: new Set<string>(), counters: new Set<string>(), pending: new Set<string>(), idempotencyKeys: new Set<string>() };
  for (const { command } of items) {
    const lock = typeof command.lock === 'function' ? command.lock(now) : command.lock;
    for (const id of lock.lines ?? []) sets.lines.add(id);
    for (const id of lock.accounts ?? []) sets.accounts.add(id);
    for (const key of lock.counters ?? []) sets.counters.add(key);
    for (const id of lock.pending ?? []) sets.pending.add(id);
    if (command.idempotency) sets.idempotencyKeys.add(command.idempotency.key);
  }
  const sorted = (set: Set<string>) => [...set].sort();
  return { lines: sorted(sets.lines), accounts: sorted(sets.accounts), counters: sorted(sets.counters), pending: sorted(sets.pending), idempotencyKeys: sorted(sets.idempotencyKeys) };
}

/** A stable fingerprint of a request, to tell a retry from a different request under the same key. */
export function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(typeof value === 'bigint' ? value.toString() : value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
