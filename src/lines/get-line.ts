import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { ok, type Result } from '../domain/result.ts';
import { findReadableLine } from './line-access.ts';
import { toLineView, type LineView } from './line-view.ts';
import { spendableBalancesOf } from './spendable-balances.ts';

export async function getLine(ctx: AppContext, actor: Actor, msisdnInput: string): Promise<Result<LineView>> {
  const line = await findReadableLine(ctx, actor, msisdnInput);
  if (!line.ok) return line;
  const balances = await spendableBalancesOf(ctx, [line.value.id]);
  return ok(toLineView(line.value, balances.get(line.value.id)!));
}
