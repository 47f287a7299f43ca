import assert from 'node:assert/strict';
import { loadSettings, type Settings } from '../config.ts';
import { ok } from '../domain/result.ts';
import { lineBonusAccountId, lineMainAccountId, revenueAccountId } from '../ledger/accounts.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import type { DialectName } from '../../test/support/databases.ts';
import { paymentExpiryJob, paymentReconciliationJob, refundRecheckJob, refundStatusJob, sandboxResolveJob, webhookInboxJob } from './payment-jobs.ts';
import { signPayload, SANDBOX_SIGNATURE_HEADER } from './providers/sandbox/sandbox-signature.ts';

/** Test helpers for payments: a test app whose webhooks are processed only when a test says so. */
export async function startPaymentsApp(dialect: DialectName, payments: Partial<Settings['payments']> = {}): Promise<TestApp> {
  const defaults = loadSettings({}).payments;
  return startTestApp(dialect, {
    payments: {
      ...defaults, processWebhooksInline: false, perIpMax: 10_000, perLineMax: 10_000, perPayerMax: 10_000, confirmLinePerIpMax: 10_000,
      sandbox: { ...defaults.sandbox, duplicatePercent: 0, reorderPercent: 0 }, ...payments,
    },
  });
}

export async function addLine(t: TestApp, msisdn: string): Promise<void> {
  const created = await t.request('POST', '/v1/lines', { body: { msisdn } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
}

export function createPayment(t: TestApp, body: Record<string, unknown>, key: string, remoteAddress?: string) {
  return t.request('POST', '/v1/payments', { token: null, body: { currency: 'KZT', purpose: 'topup', provider: 'sandbox', ...body }, headers: { 'idempotency-key': key }, ...(remoteAddress ? { remoteAddress } : {}) });
}

export function checkoutPath(redirectUrl: string): string {
  const url = new URL(redirectUrl);
  return url.pathname + url.search;
}

/** Posts the sandbox checkout form as a browser would (a valid expiry and CVC unless given), following its 303 to the page it shows. */
export async function submitCard(t: TestApp, redirectUrl: string, cardNumber: string, action = 'pay', fields: { expiry?: string; cvc?: string } = {}) {
  const form = new URLSearchParams({ cardNumber, expiry: fields.expiry ?? '12/34', cvc: fields.cvc ?? '123', action }).toString();
  return followSeeOther(t, await t.request('POST', checkoutPath(redirectUrl), { token: null, rawBody: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
}

export async function answerChallenge(t: TestApp, redirectUrl: string, decision: 'approve' | 'fail') {
  const url = new URL(redirectUrl);
  return followSeeOther(t, await t.request('POST', `${url.pathname}/challenge${url.search}`, { token: null, rawBody: `decision=${decision}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
}

/** A browser's GET of the page a 303 names; any other answer as it is. */
async function followSeeOther(t: TestApp, answer: Awaited<ReturnType<TestApp['request']>>) {
  return answer.status === 303 ? t.request('GET', String(answer.headers.location), { token: null }) : answer;
}

export const processWebhooks = (t: TestApp) => runJobsOnce(t.app.ctx, [webhookInboxJob]);
export const expire = (t: TestApp) => runJobsOnce(t.app.ctx, [paymentExpiryJob]);
export const reconcile = (t: TestApp) => runJobsOnce(t.app.ctx, [paymentReconciliationJob]);
export const resolveSandbox = (t: TestApp) => runJobsOnce(t.app.ctx, [sandboxResolveJob]);
export const checkRefunds = (t: TestApp) => runJobsOnce(t.app.ctx, [refundStatusJob]);
export const recheckRefunds = (t: TestApp) => runJobsOnce(t.app.ctx, [refundRecheckJob]);

export async function getPayment(t: TestApp, id: string) {
  const response = await t.request('GET', `/v1/payments/${id}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

export async function mainAccount(t: TestApp, msisdn: string) {
  const line = await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', msisdn).executeTakeFirstOrThrow();
  const account = await t.app.ctx.db.selectFrom('ledger_accounts').selectAll().where('id', '=', lineMainAccountId(line.id)).executeTakeFirstOrThrow();
  return { lineId: line.id, available: Number(account.credits_posted) - Number(account.debits_posted) - Number(account.debits_pending), creditsPending: Number(account.credits_pending) };
}

/** Sends a webhook signed with the sandbox secret, as the sandbox (or a forger) would. */
export function sendWebhook(t: TestApp, event: { id: string; reference: string; status: string; amount: number; currency?: string; paymentId?: string }, options: { secret?: string; at?: Date; created?: number } = {}) {
  const created = Math.floor((options.at ?? t.clock.now()).getTime() / 1000);
  const body = JSON.stringify({ id: event.id, type: `payment.${event.status}`, created: options.created ?? created, data: { reference: event.reference, status: event.status, amount: event.amount, currency: event.currency ?? 'KZT', ...(event.paymentId ? { paymentId: event.paymentId } : {}) } });
  const secret = options.secret ?? t.app.ctx.settings.payments.sandbox.webhookSecret;
  return t.request('POST', '/v1/webhooks/sandbox', { token: null, rawBody: body, headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signPayload(secret, created, body) } });
}

export async function providerReferenceOf(t: TestApp, paymentId: string): Promise<string> {
  const row = await t.app.ctx.db.selectFrom('payments').select('provider_reference').where('id', '=', paymentId).executeTakeFirstOrThrow();
  return row.provider_reference!;
}

/** Spends from a line's main balance (as a package purchase would), to leave less to refund. */
export async function spend(t: TestApp, lineId: string, amount: bigint, from: 'main' | 'bonus' = 'main'): Promise<void> {
  const source = from === 'main' ? lineMainAccountId(lineId) : lineBonusAccountId(lineId);
  const target = revenueAccountId('packages');
  const result = await t.app.ctx.writer.submit({
    name: 'test_spend', lock: { accounts: [source, target] },
    execute(tx) {
      const moved = tx.transfer({ debitAccountId: source, creditAccountId: target, amount, unit: 'KZT', code: 'package_purchase' });
      return moved.ok ? ok(moved.id) : { ok: false, error: { code: moved.code } };
    },
  });
  assert.ok(result.ok);
}

export async function bonusAvailable(t: TestApp, lineId: string): Promise<number> {
  const account = await t.app.ctx.db.selectFrom('ledger_accounts').selectAll().where('id', '=', lineBonusAccountId(lineId)).executeTakeFirstOrThrow();
  return Number(account.credits_posted) - Number(account.debits_posted) - Number(account.debits_pending);
}
