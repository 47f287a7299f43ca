import type { AppContext } from '../app-context.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { createApiKey } from '../auth/create-api-key.ts';
import { createUser } from '../auth/create-user.ts';
import { updateUserRow } from '../auth/auth-repository.ts';
import { hashPassword } from '../auth/secrets.ts';
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

/** A demo seed whose admin is older than this and whose subscriber (made last) is missing was cut short. */
const SEED_INTERRUPTED_AFTER_MS = 60_000;

/**
 * Demo data for a first start: an admin, an API key, a subscriber and a few lines with money.
 * Null when another process, started on the same empty database at the same time, made it: the
 * demo admin is created first, and only one process can create it.
 *
 * A first start killed halfway through (the admin made, its password never printed, no catalog)
 * is finished by the next one (`demoSeedDue`): the admin gets a new password and a new key, which
 * are printed, and what exists already (lines, top-ups under their keys, offerings) is kept.
 */
export async function seedDemo(ctx: AppContext): Promise<DemoCredentials | null> {
  const adminPassword = ctx.random(9).toString('base64url');
  const subscriberPassword = 'traveller-' + ctx.random(3).toString('hex');
  const admin = await createUser(ctx, SYSTEM_ACTOR, { login: 'admin', password: adminPassword, role: 'admin', displayName: 'Demo admin' });
  if (!admin.ok && admin.error.code === 'user_exists') {
    const cutShort = await interruptedDemoAdmin(ctx);
    if (!cutShort) return null;
    await updateUserRow(ctx, cutShort, { password_hash: await hashPassword(adminPassword, ctx.random(16)) });
  } else if (!admin.ok) throw new Error(`demo admin: ${admin.error.code}`);
  const key = await createApiKey(ctx, SYSTEM_ACTOR, { name: 'demo admin key', role: 'admin' });
  if (!key.ok) throw new Error(`demo key: ${key.error.code}`);
  for (const [index, line] of DEMO_LINES.entries()) {
    const iccid = withLuhnDigit(`897700000000000${String(index + 1).padStart(3, '0')}`);
    const created = await createLine(ctx, SYSTEM_ACTOR, { msisdn: line.msisdn, iccid, language: line.language, ownerName: line.owner });
    if (!created.ok && created.error.code !== 'line_exists') throw new Error(`demo line: ${created.error.code}`);
    const amount = line.topUpKzt > 0 ? demoTopUpAmount(ctx, tenge(line.topUpKzt)) : null;
    if (amount !== null) {
      const topUp = await createTopUp(ctx, SYSTEM_ACTOR, { msisdn: line.msisdn, amount: Number(amount), currency: 'KZT', source: clearingAccountId('manual') }, `demo-seed-${index}`);
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

/**
 * A demo line's top-up within the deployment's top-up limits (TOPUP_AMOUNT_MIN_KZT, …_MAX_KZT,
 * TOPUP_LINE_DAILY_MAX_KZT), so that a staging set-up with tighter limits still starts; null when the
 * limits leave no amount (a minimum above the maximum): that line starts without money.
 */
function demoTopUpAmount(ctx: AppContext, wanted: bigint): bigint | null {
  const { amountMin, amountMax, lineDailyMax } = ctx.settings.topup;
  const ceiling = amountMax < lineDailyMax ? amountMax : lineDailyMax;
  if (amountMin > ceiling) return null;
  return wanted < amountMin ? amountMin : wanted > ceiling ? ceiling : wanted;
}

export async function isEmpty(ctx: AppContext): Promise<boolean> {
  const row = await ctx.db.selectFrom('users').select((eb) => eb.fn.countAll<bigint>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n) === 0;
}

/** Whether a start should (finish making) the demo data: no users yet, or a demo seed cut short. */
export async function demoSeedDue(ctx: AppContext): Promise<boolean> {
  return (await isEmpty(ctx)) || (await interruptedDemoAdmin(ctx)) !== null;
}

/** The id of the demo admin of a seed cut short: made over a minute ago, and the demo subscriber (made last) missing. */
async function interruptedDemoAdmin(ctx: AppContext): Promise<string | null> {
  const admin = await ctx.db.selectFrom('users').select(['id', 'display_name', 'created_at']).where('login', '=', 'admin').executeTakeFirst();
  if (!admin || admin.display_name !== 'Demo admin' || Date.parse(admin.created_at) > ctx.clock.now().getTime() - SEED_INTERRUPTED_AFTER_MS) return null;
  const subscriber = await ctx.db.selectFrom('users').select('id').where('login', '=', DEMO_LINES[0]!.msisdn).executeTakeFirst();
  return subscriber ? null : admin.id;
}
