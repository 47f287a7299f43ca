/** Keys per `in (…)` list: far under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
export const KEYS_PER_QUERY_MAX = 500;

/**
 * Runs `work` on `keys` a slice of at most `size` at a time, one after another, and returns what
 * each slice gave, in order: a list of keys that grows with the data never becomes one statement.
 */
export async function inChunks<K, R>(keys: readonly K[], work: (chunk: K[]) => Promise<readonly R[] | void>, size = KEYS_PER_QUERY_MAX): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < keys.length; start += size) {
    const rows = await work(keys.slice(start, start + size));
    if (rows) results.push(...rows);
  }
  return results;
}
