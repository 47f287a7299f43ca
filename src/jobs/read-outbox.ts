import type { AppContext } from '../app-context.ts';
import { cursorOf, outboxEventsSince, saveCursor } from '../partners/partners-repository.ts';

export type OutboxEvent = Awaited<ReturnType<typeof outboxEventsSince>>[number];

/**
 * Readers that never read an event older than this (their OutboxReading.ageMaxMs), by cursor
 * name: the retention job keeps events behind such a cursor only as long as this, so that a
 * reader that stops moving (its job failing, a release rolled back) does not keep the whole outbox.
 */
export const READER_AGE_MAX_MS: Readonly<Record<string, number>> = {
  sms: 24 * 3_600_000,
  'packages.renewal_wake': 24 * 3_600_000,
};

export interface OutboxReading {
  /** The reader's name in webhook_cursors (the retention job deletes only events every reader has passed). */
  cursor: string;
  /**
   * Only events of these topics are kept (filtered while the (created_at, id) index is walked: no
   * topic index, which every top-up would write); none: nothing is read, the cursor still moves.
   */
  topics: readonly string[];
  /**
   * Events are read only once they are this old: a ledger batch commits within milliseconds of the
   * time it stamps on its rows, so by then every event up to that time is committed and the cursor
   * can move strictly forward without missing one written by another process. A hard bound: an
   * event committed more than this after its stamped time is passed over (docs/partners.md).
   */
  settleMs: number;
  eventsPerPage: number;
  pagesMax: number;
  budgetMs: number;
  /** Events older than this are not read: where a reader starts when it has no cursor, or one further back. */
  ageMaxMs?: number;
}

/**
 * Reads the outbox from a reader's cursor, page by page, each page handed to `handle` before the
 * cursor moves past it (a page read twice must be harmless: handlers insert with a unique key).
 * Stops once a page comes back short (caught up: the cursor moves to the settled time), after
 * `pagesMax` pages, or once `budgetMs` is spent. Answers whether it caught up.
 */
export async function readOutbox(ctx: AppContext, reading: OutboxReading, handle: (events: OutboxEvent[]) => Promise<void>): Promise<boolean> {
  const startedMs = ctx.clock.now().getTime();
  const settled = new Date(startedMs - reading.settleMs).toISOString();
  const saved = await cursorOf(ctx, reading.cursor);
  // Positions are `<created_at>|<id>` (ISO times sort as text); with no cursor and no age limit, '|' reads from the start.
  const oldest = reading.ageMaxMs === undefined ? null : `${new Date(startedMs - reading.ageMaxMs).toISOString()}|`;
  let position = oldest === null ? saved ?? '|' : saved !== null && saved > oldest ? saved : oldest;
  for (let page = 0; page < reading.pagesMax; page++) {
    const [afterTime = '', afterId = ''] = position.split('|');
    const events = reading.topics.length === 0 ? [] : await outboxEventsSince(ctx, reading.topics, { afterTime, afterId, until: settled }, reading.eventsPerPage);
    await handle(events);
    const caughtUp = events.length < reading.eventsPerPage;
    // Caught up: every event before `settled` has been read, of whatever topic, so the cursor
    // moves there (the retention job deletes only events behind it). Never backwards.
    position = caughtUp ? `${settled}|` : `${events.at(-1)!.created_at}|${events.at(-1)!.id}`;
    if (saved === null || position > saved) await saveCursor(ctx, reading.cursor, position);
    if (caughtUp) return true;
    if (ctx.clock.now().getTime() - startedMs >= reading.budgetMs) return false;
  }
  return false;
}
