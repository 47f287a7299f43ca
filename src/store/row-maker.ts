const makers = new Map<string, (row: unknown[]) => Record<string, unknown>>();

/**
 * Makes rows read as arrays (better-sqlite3's `raw` mode) into objects, one literal per column
 * list, compiled once: cheaper than better-sqlite3 or a structured clone setting each row's
 * properties by name. Column names come from our own statements' SQL (identifiers, a pragma),
 * never from input.
 */
export function rowMaker(columns: readonly string[]): (row: unknown[]) => Record<string, unknown> {
  const signature = columns.join(',');
  let make = makers.get(signature);
  if (!make) {
    make = new Function('row', `return { ${columns.map((column, index) => `${JSON.stringify(column)}: row[${index}]`).join(', ')} };`) as (row: unknown[]) => Record<string, unknown>;
    makers.set(signature, make);
  }
  return make;
}
