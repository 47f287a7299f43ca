import type { AppContext } from '../app-context.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { createApiKey } from '../auth/create-api-key.ts';
import { createUser } from '../auth/create-user.ts';
import { withLuhnDigit } from '../domain/iccid.ts';
import { tenge } from '../domain/money.ts';
import { clearingAccountId } from '../ledger/accounts.ts';
import { createLine } from '../lines/create-line.ts';
import type { Language } from '../lines/line-view.ts';
import { createTopUp } from '../topups/create-top-up.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';

export interface DemoCredentials {
  adminLogin: string;
  adminPassword: string;
  adminApiKey: string;
  subscriberLogin: string;
  subscriberPassword: string;
  msisdns: string[];
}

const DEMO_LINES: { msisdn: string; language: Language; topUpKzt: number; owner: string }[] = [
  { msisdn: '+77011234567', language: 'en', topUpKzt: 5_000, owner: 'Anna Schmidt' },
  { msisdn: '+77051234568', language: 'ru', topUpKzt: 2_000, owner: 'Иван Петров' },
  { msisdn: '+77071234569', language: 'kk', topUpKzt: 1_000, owner: 'Айгүл Сәрсенова' },
  { msisdn: '+77471234570', language: 'zh', topUpKzt: 10_000, owner: '王伟' },
  { msisdn: '+77771234571', language: 'en', topUpKzt: 0, owner: 'Demo Traveller' },
];

/**
 * Demo data for a first start: an admin, an API key, a subscriber and a few lines with money.
 * Null when another process, started on the same empty database at the same time, made it: the
 * demo admin is created first, and only one process can create it.
 */
export async function seedDemo(ctx: AppContext): Promise<DemoCredentials | null> {
  const adminPassword = ctx.random(9).toString('base64url');
  const subscriberPassword = 'traveller-' + ctx.random(3).toString('hex');
  const admin = await createUser(ctx, SYSTEM_ACTOR, { login: 'admin', password: adminPassword, role: 'admin', displayName: 'Demo admin' });
  if (!admin.ok && admin.error.code === 'user_exists') return null;
  if (!admin.ok) throw new Error(`demo admin: ${admin.error.code}`);
  const key = await createApiKey(ctx, SYSTEM_ACTOR, { name: 'demo admin key', role: 'admin' });
  if (!key.ok) throw new Error(`demo key: ${key.error.code}`);
  for (const [index, line] of DEMO_LINES.entries()) {
    const iccid = withLuhnDigit(`897700000000000${String(index + 1).padStart(3, '0')}`);
    const created = await createLine(ctx, SYSTEM_ACTOR, { msisdn: line.msisdn, iccid, language: line.language, ownerName: line.owner });
    if (!created.ok) throw new Error(`demo line: ${created.error.code}`);
    if (line.topUpKzt > 0) {
      const topUp = await createTopUp(ctx, SYSTEM_ACTOR, { msisdn: line.msisdn, amount: Number(tenge(line.topUpKzt)), currency: 'KZT', source: clearingAccountId('manual') }, `demo-seed-${index}`);
      if (!topUp.ok) throw new Error(`demo top-up: ${topUp.error.code}`);
    }
  }
  await seedCatalog(ctx);
  const subscriber = await createUser(ctx, SYSTEM_ACTOR, { login: DEMO_LINES[0]!.msisdn, password: subscriberPassword, role: 'subscriber', displayName: DEMO_LINES[0]!.owner });
  if (!subscriber.ok) throw new Error(`demo subscriber: ${subscriber.error.code}`);
  return {
    adminLogin: 'admin', adminPassword, adminApiKey: key.value.key, subscriberLogin: DEMO_LINES[0]!.msisdn, subscriberPassword,
    msisdns: DEMO_LINES.map((l) => l.msisdn),
  };
}

export async function isEmpty(ctx: AppContext): Promise<boolean> {
  const row = await ctx.db.selectFrom('users').select((eb) => eb.fn.countAll<bigint>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n) === 0;
}
