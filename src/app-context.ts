import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Settings } from './config.ts';
import { LedgerWriter, type WriterObserver } from './ledger/ledger-writer.ts';
import { systemClock, type Clock } from './platform/clock.ts';
import { createIdGenerator, type IdGenerator } from './platform/ids.ts';
import type { Database } from './store/schema.ts';
import type { Store } from './store/open-store.ts';

/**
 * What every use case receives: settings, the store, the one ledger writer of this process, and
 * the side effects (clock, ids, randomness) that tests replace to make runs deterministic.
 */
export interface AppContext {
  settings: Settings;
  store: Store;
  db: Kysely<Database>;
  writer: LedgerWriter;
  clock: Clock;
  ids: IdGenerator;
  random(size: number): Buffer;
  /** Logs unexpected errors; never throws. */
  reportError(error: unknown, context?: Record<string, unknown>): void;
}

export interface ContextOptions {
  clock?: Clock;
  random?: (size: number) => Buffer;
  observer?: WriterObserver;
  reportError?: (error: unknown, context?: Record<string, unknown>) => void;
}

export function createContext(settings: Settings, store: Store, options: ContextOptions = {}): AppContext {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? randomBytes;
  const ids = createIdGenerator(clock, random);
  const ctx: AppContext = {
    settings, store, db: store.db, clock, ids, random,
    reportError: options.reportError ?? ((error: unknown) => console.error(error)),
    writer: undefined as unknown as LedgerWriter,
  };
  ctx.writer = new LedgerWriter(store, clock, ids, {
    batchSizeMax: settings.ledger.batchSizeMax,
    batchWeightMax: settings.ledger.batchWeightMax,
    queueLengthMax: settings.ledger.queueLengthMax,
    observer: options.observer,
    onError: (error) => ctx.reportError(error, { component: 'ledger-writer' }),
  });
  return ctx;
}
