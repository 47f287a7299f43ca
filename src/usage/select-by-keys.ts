import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import { assert } from '../domain/assert.ts';

/**
 * The usage pre-reads look up to 1,000 keys each with `… in (…)`, and the number of distinct keys
 * differs a little from request to request (993 lines, then 998). Each new list length was a new
 * statement: compiled again by Kysely and prepared again by SQLite (about 0.5 ms a query at
 * 1,000 keys, and the reader's statement cache filled with one-off statements). Lists are padded
 * to a power of two by repeating their last key, which changes no `in` result, so a few
 * statements serve every request: compiled once per size, then run with new parameters.
 */
const LIST_SIZE_MIN = 8;

interface Shape {
  sql: string;
  /** The parameters before the list (the list must be the query's last parameters). */
  leading: readonly unknown[];
}

const shapes = new WeakMap<Kysely<any>, Map<string, Shape>>();

/** Runs `build(keys)` for a non-empty list of keys, reusing the compiled statement of its size class. */
export async function selectByKeys<R>(db: Kysely<any>, name: string, keys: readonly string[], build: (keys: readonly string[]) => Compilable<R>): Promise<R[]> {
  if (keys.length === 0) return [];
  let size = LIST_SIZE_MIN;
  while (size < keys.length) size *= 2;
  const padded = keys.length === size ? keys : keys.concat(new Array<string>(size - keys.length).fill(keys[keys.length - 1]!));
  let byName = shapes.get(db);
  if (!byName) {
    byName = new Map();
    shapes.set(db, byName);
  }
  const key = `${name}/${size}`;
  const shape = byName.get(key);
  if (shape) return (await db.executeQuery<R>(CompiledQuery.raw(shape.sql, [...shape.leading, ...padded]))).rows;
  const query = build(padded).compile();
  const leading = query.parameters.slice(0, query.parameters.length - size);
  assert(query.parameters.slice(leading.length).every((value, index) => value === padded[index]), `${name}: the key list must be the query's last parameters`);
  byName.set(key, { sql: query.sql, leading });
  return (await db.executeQuery(query)).rows;
}
