import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { ok, type Result } from '../domain/result.ts';
import { findReadableLine } from '../lines/line-access.ts';
import { listLineEvents as selectLineEvents } from './lifecycle-repository.ts';

export interface LineEventView {
  id: string;
  from: string;
  to: string;
  reason: string;
  actorId: string;
  dueAt: string | null;
  at: string;
}

/** A line's status history, oldest first (at most a handful of rows per validity period). */
export async function listLineEvents(ctx: AppContext, actor: Actor, msisdnInput: string): Promise<Result<{ data: LineEventView[] }>> {
  const line = await findReadableLine(ctx, actor, msisdnInput);
  if (!line.ok) return line;
  const rows = await selectLineEvents(ctx, line.value.id);
  return ok({
    data: rows.map((r) => ({ id: r.id, from: r.from_status, to: r.to_status, reason: r.reason, actorId: r.actor_id, dueAt: r.due_at, at: r.created_at })),
  });
}
