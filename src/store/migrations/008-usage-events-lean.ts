import type { Kysely } from 'kysely';

/**
 * Usage recording writes a usage_events row per event, 1,000 to a request. The (line_id, at)
 * index served no query (events are only ever looked up by id, for idempotency) and, keyed by
 * random line ids, it dirtied about one page per row on every commit: dropping it roughly halves
 * the cost of each insert. A per-line usage listing would bring it back with its query.
 *
 * The table stays a rowid table with the id's unique index: measured on SQLite, a WITHOUT ROWID
 * table keyed by the (random) event id is slower to insert into, its wide rows spreading each
 * batch over more pages than the narrow index does.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('usage_events_line').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('usage_events_line').ifNotExists().on('usage_events').columns(['line_id', 'at']).execute();
}
