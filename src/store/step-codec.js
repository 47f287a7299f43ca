// The SQLite worker's batch messages as a few flat parts instead of a tree of small arrays: the
// statements' parameters one way, the rows they read the other. Plain JavaScript so that the
// worker loads it without the TypeScript loader; types in step-codec.d.ts.
//
// Why: the structured clone of one batch of ~25 top-ups as arrays of rows (~400 small arrays,
// ~1,800 strings, ~400 bigints) took ~0.35 ms to write on the main thread and ~0.55 ms to read in
// the worker (measured alone, 2026-12-06). As parts (every value's kind in one byte array, every
// number in one float array, every text joined into one string) the whole trip took ~0.25–0.39 ms.

const NULL = 0;
const NUMBER = 1;
const TEXT = 2;
const BIGINT = 3;
const BIG_TEXT = 4;
/**
 * Anything else (undefined, a buffer, an object) travels as itself in `others`, copied by the
 * structured clone as before: better-sqlite3 binds undefined as NULL and a buffer as a blob, and
 * refuses an object at its step; a blob read comes back as the clone of its buffer.
 */
const OTHER = 5;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = -SAFE_MAX;

/**
 * Tables (each a list of rows of values: text, numbers, bigints, null) as parts: each table's row
 * count and width, each value's kind, each number's value (a bigint within 2^53 as a number), and
 * the texts in order (bigints beyond 2^53 as decimal text). `join`: the texts as one string, each
 * text's number where it ends there; the cheapest to copy, but each text read back is a slice
 * that keeps the whole string alive, so only for values that are bound and dropped (the worker's
 * parameters). Otherwise an array of the texts.
 */
function encodeTables(tables, join) {
  let values = 0;
  for (const rows of tables) for (const row of rows) values += row.length;
  const kinds = new Uint8Array(values);
  const numbers = new Float64Array(values);
  const texts = [];
  const others = [];
  const counts = new Array(tables.length);
  const widths = new Array(tables.length);
  let at = 0;
  let end = 0;
  for (let index = 0; index < tables.length; index++) {
    const rows = tables[index];
    counts[index] = rows.length;
    widths[index] = rows.length === 0 ? 0 : rows[0].length;
    for (const row of rows) {
      for (let column = 0; column < row.length; column++, at++) {
        const value = row[column];
        switch (typeof value) {
          case 'string':
            kinds[at] = TEXT;
            texts.push(value);
            end += value.length;
            numbers[at] = end;
            break;
          case 'number':
            kinds[at] = NUMBER;
            numbers[at] = value;
            break;
          case 'bigint':
            if (value >= SAFE_MIN && value <= SAFE_MAX) {
              kinds[at] = BIGINT;
              numbers[at] = Number(value);
            } else {
              const digits = value.toString();
              kinds[at] = BIG_TEXT;
              texts.push(digits);
              end += digits.length;
              numbers[at] = end;
            }
            break;
          default:
            if (value === null) kinds[at] = NULL;
            else {
              kinds[at] = OTHER;
              others.push(value);
            }
        }
      }
    }
  }
  return { counts, widths, kinds, numbers, text: join ? texts.join('') : texts, others };
}

function decodeTables({ counts, widths, kinds, numbers, text, others }) {
  const tables = new Array(counts.length);
  const joined = typeof text === 'string';
  let at = 0;
  let start = 0;
  let next = 0;
  let other = 0;
  for (let index = 0; index < counts.length; index++) {
    const width = widths[index];
    const rows = new Array(counts[index]);
    for (let rowIndex = 0; rowIndex < rows.length; rowIndex++) {
      const row = new Array(width);
      for (let column = 0; column < width; column++, at++) {
        switch (kinds[at]) {
          case TEXT:
            if (joined) {
              row[column] = text.slice(start, numbers[at]);
              start = numbers[at];
            } else row[column] = text[next++];
            break;
          case NUMBER: row[column] = numbers[at]; break;
          case BIGINT: row[column] = BigInt(numbers[at]); break;
          case BIG_TEXT:
            if (joined) {
              row[column] = BigInt(text.slice(start, numbers[at]));
              start = numbers[at];
            } else row[column] = BigInt(text[next++]);
            break;
          case NULL: row[column] = null; break;
          default: row[column] = others[other++];
        }
      }
      rows[rowIndex] = row;
    }
    tables[index] = rows;
  }
  return tables;
}

/** Steps ({sql, each: parameter lists}) as parts, for the worker, the texts joined. */
export function encodeSteps(steps) {
  return { sqls: steps.map((step) => step.sql), ...encodeTables(steps.map((step) => step.each), true) };
}

export function decodeSteps(encoded) {
  return decodeTables(encoded).map((each, index) => ({ sql: encoded.sqls[index], each }));
}

/**
 * A steps message's results (null for a writing step, {columns, rows} for a reading one) as parts,
 * for the main thread; the texts as an array, since rows read may be kept (a slice of one joined
 * string would keep the whole message's text alive with it).
 */
export function encodeResults(results) {
  return { columns: results.map((result) => (result ? result.columns : null)), ...encodeTables(results.map((result) => (result ? result.rows : [])), false) };
}

export function decodeResults(encoded) {
  return decodeTables(encoded).map((rows, index) => {
    const columns = encoded.columns[index];
    return columns ? { columns, rows } : null;
  });
}
