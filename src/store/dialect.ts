/**
 * The seam between SQLite and PostgreSQL. Use cases and repositories never ask which database
 * they run on; the few things that differ live here (after Kysely's own Dialect seam), and the
 * ledger writer's batches in sqlite-batch.ts and postgres-batch.ts.
 */
export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Whether a read can lock the rows it takes and pass over those another transaction holds
   * (FOR UPDATE SKIP LOCKED), so that workers in several processes claim different rows. SQLite
   * has one writer and runs a statement whole: it needs none.
   */
  readonly skipsLockedRows: boolean;
  isUniqueViolation(error: unknown): boolean;
}

export const sqliteDialect: StoreDialect = {
  name: 'sqlite',
  skipsLockedRows: false,
  isUniqueViolation(error) {
    const code = String((error as { code?: unknown } | null)?.code);
    return code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  },
};

export const postgresDialect: StoreDialect = {
  name: 'postgres',
  skipsLockedRows: true,
  isUniqueViolation(error) {
    return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
  },
};
