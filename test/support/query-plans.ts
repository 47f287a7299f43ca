import { CompiledQuery, sql, type Compilable } from 'kysely';
import type { AppContext } from '../../src/app-context.ts';

/**
 * Test support: the plan the database picks for a query, as one text. SQLite: `explain query plan`
 * (an index reads as "USING INDEX <name>", a sort as "USE TEMP B-TREE"). PostgreSQL: `explain`
 * with sequential scans priced out, since on a test's few rows a scan is always cheapest; what is
 * checked is that the index can serve the query (a "Sort" node says it cannot give the order).
 */
export async function explainPlan(ctx: AppContext, query: Compilable): Promise<string> {
  const compiled = query.compile();
  if (ctx.store.dialect.name === 'sqlite') {
    const rows = await ctx.db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]));
    return rows.rows.map((row) => row.detail).join('\n');
  }
  return ctx.db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    const rows = await trx.executeQuery<Record<string, string>>(CompiledQuery.raw(`explain ${compiled.sql}`, [...compiled.parameters]));
    return rows.rows.map((row) => row['QUERY PLAN']).join('\n');
  });
}
