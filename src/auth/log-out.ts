import type { AppContext } from '../app-context.ts';
import { deleteSession } from './auth-repository.ts';
import { hashToken } from './secrets.ts';

export async function logOut(ctx: AppContext, token: string): Promise<void> {
  await deleteSession(ctx, hashToken(token));
}
