export type CodecValue = string | number | bigint | null;

/** A step as the SQLite worker runs it: a statement, run once per parameter list. */
export interface CodecStep {
  sql: string;
  each: CodecValue[][];
}

/** A reading step's rows: the column names once, each row as an array. */
export interface CodecRows {
  columns: string[];
  rows: CodecValue[][];
}

interface EncodedTables {
  counts: number[];
  widths: number[];
  kinds: Uint8Array;
  numbers: Float64Array;
  /** Values of no other kind (undefined, buffers, objects), as themselves. */
  others: unknown[];
}

export interface EncodedSteps extends EncodedTables {
  sqls: string[];
  /** Every text joined. */
  text: string;
}

export interface EncodedResults extends EncodedTables {
  columns: (string[] | null)[];
  /** Every text, in order. */
  text: string[];
}

export function encodeSteps(steps: readonly CodecStep[]): EncodedSteps;
export function decodeSteps(encoded: EncodedSteps): CodecStep[];
export function encodeResults(results: readonly (CodecRows | null)[]): EncodedResults;
export function decodeResults(encoded: EncodedResults): (CodecRows | null)[];
