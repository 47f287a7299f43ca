// Prepared statements by SQL text, for a better-sqlite3 connection: preparing costs more than
// running a short statement. Plain JavaScript so that the writer's worker loads it without the
// TypeScript loader; types in statement-cache.d.ts.
export function statementCache(database, sizeMax) {
  const statements = new Map();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= sizeMax) statements.clear();
      statement = database.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}
