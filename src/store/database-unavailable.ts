/**
 * Whether an error thrown by a database call means the database cannot answer now (a connection
 * dropped or refused, a server shutting down or out of connections, a read-only database; SQLite
 * busy past its timeout, its disk full, an I/O error, a read-only file), rather than a defect in the statement. A request
 * that meets one outside the ledger writer (whose own failures already answer 503) answers
 * `503 unavailable` (`details.reason: database_unavailable`), as docs/errors.md promises for a
 * passing outage, never `500 internal_error`; its work was not done, or is replayed under its
 * idempotency key.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // PostgreSQL SQLSTATE: 08 connection exception, 57P0x operator intervention (terminated,
    // shutting down, cannot connect now), 53 insufficient resources (too many connections, disk full),
    // 3D000 no such database (dropped under a running server), 25006 a write to a database that is read
    // only (a standby, the old primary after a failover, default_transaction_read_only: SQLite's
    // READONLY), and 55000 object not in prerequisite state when it says the database does not allow
    // connections now (55000 is other things too); 55P03 a lock not had within lock_timeout and 57014
    // a statement cancelled at statement_timeout (Tolem cancels none itself, nor asks NOWAIT): what
    // SQLite's BUSY past its busy timeout is.
    if (/^(08...|57P0[1-4]|53...|3D000|25006|55P03|57014)$/.test(code)) return true;
    if (code === '55000' && typeof message === 'string' && /not currently accepting connections/.test(message)) return true;
    if (/^(SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|PROTOCOL)|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND)/.test(code)) return true;
  }
  // node-postgres's own errors carry no code.
  return typeof message === 'string'
    && /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed and is not queryable|Cannot use a pool after calling end)/.test(message);
}
