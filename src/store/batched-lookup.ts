import { KEYS_PER_QUERY_MAX } from './in-chunks.ts';

/**
 * Coalesces the point lookups asked for in one turn of the event loop into one query (after
 * DataLoader): under load, dozens of requests each need one row, and on PostgreSQL a query costs
 * a round trip and more client work than the rows do. At most `keysMax` keys per query.
 */
export function batchedLookup<V>(load: (keys: string[]) => Promise<Map<string, V>>, keysMax: number): (key: string) => Promise<V | undefined> {
  let waiting = new Map<string, ((value: V | undefined, error?: unknown) => void)[]>();
  const flush = () => {
    const batch = waiting;
    waiting = new Map();
    const keys = [...batch.keys()];
    for (let start = 0; start < keys.length; start += keysMax) {
      const chunk = keys.slice(start, start + keysMax);
      load(chunk).then(
        (found) => { for (const key of chunk) for (const settle of batch.get(key)!) settle(found.get(key)); },
        (error) => { for (const key of chunk) for (const settle of batch.get(key)!) settle(undefined, error); },
      );
    }
  };
  return (key) => new Promise((resolve, reject) => {
    if (waiting.size === 0) setImmediate(flush);
    const settles = waiting.get(key) ?? [];
    settles.push((value, error) => (error === undefined ? resolve(value) : reject(error)));
    waiting.set(key, settles);
  });
}

const lookupsByStore = new WeakMap<object, Map<string, (key: string) => Promise<unknown>>>();

/** The store's batched lookup called `name`, made on first use (lookups of one store share their queries). */
export function sharedLookup<V>(store: object, name: string, load: (keys: string[]) => Promise<Map<string, V>>, keysMax = KEYS_PER_QUERY_MAX): (key: string) => Promise<V | undefined> {
  let lookups = lookupsByStore.get(store);
  if (!lookups) lookupsByStore.set(store, lookups = new Map());
  let lookup = lookups.get(name);
  if (!lookup) lookups.set(name, lookup = batchedLookup(load, keysMax));
  return lookup as (key: string) => Promise<V | undefined>;
}

