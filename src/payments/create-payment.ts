import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { countAttempt } from '../auth/auth-repository.ts';
import { addressKeyOf } from '../auth/address-key.ts';
import { findOffering } from '../catalog/catalog-repository.ts';
import { isCurrency, parseMinorUnits, remainingToday } from '../domain/money.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { dailyTopUpUse } from '../topups/apply-top-up.ts';
import { clearingAccountId, lineMainAccountId } from '../ledger/accounts.ts';
import { fingerprintOf, type LedgerCommand } from '../ledger/ledger-writer.ts';
import { findLineByMsisdn, type LineRow } from '../lines/lines-repository.ts';
import { terminatedBySchedule } from '../lifecycle/lifecycle-rules.ts';
import { serializeByKeys } from '../ledger/serialize-by-keys.ts';
import { storedAnswer } from '../ledger/stored-answer.ts';
import { priceOffering } from '../promotions/quote-price.ts';
import { clientSecretOf, paymentView, type PaymentView } from './payment-view.ts';
import { findPayment, setProviderDetails, type PaymentRow } from './payments-repository.ts';
import { paymentProviders } from './provider-registry.ts';
import { transitionPayment } from './transition-payment.ts';

export interface CreatePaymentInput {
  msisdn: string;
  amount: number;
  currency: string;
  purpose: 'topup' | 'purchase';
  offering?: string;
  provider?: string;
  language?: 'en' | 'ru' | 'kk' | 'zh';
}

export interface CreatedPayment {
  payment: PaymentView & { clientSecret: string };
  replayed: boolean;
}

/**
 * Starts an online payment: anyone may (a traveller without an account), limited per IP and per
 * line. Reserves the top-up as a pending transfer from the provider's clearing account in the
 * same command that records the payment, then asks the provider for its checkout.
 */
export async function createPayment(ctx: AppContext, actor: Actor | null, input: CreatePaymentInput, idempotencyKey: string, ip: string): Promise<Result<CreatedPayment>> {
  const checked = await checkInput(ctx, input);
  if (!checked.ok) return checked;
  const { line, amount, provider } = checked.value;
  const key = `payment:create:${actor?.id ?? 'anonymous'}:${idempotencyKey}`;
  const fingerprint = fingerprintOf({ ...input, msisdn: line.msisdn, provider });
  // A repeat sent while the first is still running (a payer's retry after a dropped connection)
  // waits for it here, and then replays its answer, checkout address included: read meanwhile,
  // the payment was still `created` with no redirectUrl (nextAction wait), and the payer never
  // reached the checkout. (Across processes a repeat still reads the payment as it stands.)
  return serializeByKeys(ctx, [key], () => createOnce(ctx, actor, input, { line, amount, provider }, key, fingerprint, ip));
}

async function createOnce(ctx: AppContext, actor: Actor | null, input: CreatePaymentInput, checked: { line: LineRow; amount: bigint; provider: string }, key: string, fingerprint: string, ip: string): Promise<Result<CreatedPayment>> {
  const { line, amount, provider } = checked;
  // A retry of a payment already made replays it (the client lost the answer: a timeout, a crash)
  // before the limits are counted: the first payment itself used up the day's limit or the attempts.
  const stored = await storedAnswer<{ paymentId: string }>(ctx, key, fingerprint);
  // A key used for another payment is counted against the address like a new payment: in the
  // anonymous scope, keys cannot be probed without limit.
  if (stored && !stored.ok) return (await checkIpVelocity(ctx, ip)) ?? stored;
  if (!stored) {
    const limited = await checkLimits(ctx, input, line, amount);
    if (limited) return limited;
    const velocity = await checkVelocity(ctx, ip, line.id);
    if (velocity) return velocity;
  }
  const now = ctx.clock.now();
  const row: PaymentRow = {
    id: ctx.ids.next('pay'), provider, provider_reference: null, purpose: input.purpose, offering_code: input.offering ?? null,
    line_id: line.id, msisdn: line.msisdn, amount, currency: input.currency, status: 'created', pending_transfer_id: '',
    topup_id: null, package_id: null, purchase_error: null, receipt_number: null, failure_reason: null, redirect_url: null, qr_content: null,
    language: input.language ?? (line.language as CreatePaymentInput['language']) ?? 'en', payer_ip: ip, payer_fingerprint: null, card_last4: null,
    refunded_amount: 0n, provider_amount: null, provider_currency: null, created_by: actor?.id ?? null, expires_at: new Date(now.getTime() + ctx.settings.payments.expiryMinutes * 60_000).toISOString(),
    created_at: now.toISOString(), updated_at: now.toISOString(), settled_at: null,
  };
  const expiresAt = new Date(now.getTime() + ctx.settings.idempotency.retentionHours * 3_600_000).toISOString();
  const created = await ctx.writer.submit(reserveCommand(row, { key, fingerprint, expiresAt }));
  if (!created.ok) return created;
  const payment = await findPayment(ctx, created.value.value.paymentId);
  if (!payment) return fail('internal_error');
  const current = !created.value.replayed || abandonedBeforeInitiate(ctx, payment) ? await initiate(ctx, payment) : payment;
  return ok({ payment: { ...paymentView(current), clientSecret: clientSecretOf(ctx.settings.secretKey, current.id) }, replayed: created.value.replayed });
}

async function checkInput(ctx: AppContext, input: CreatePaymentInput) {
  if (!isCurrency(input.currency)) return fail('currency_unsupported', { currency: input.currency });
  const amount = parseMinorUnits(input.amount);
  if (amount === null) return fail('amount_invalid');
  const { amountMin, amountMax } = ctx.settings.topup;
  if (amount < amountMin) return fail('amount_below_minimum', { minimum: Number(amountMin) });
  if (amount > amountMax) return fail('amount_above_maximum', { maximum: Number(amountMax) });
  if (input.purpose === 'purchase' ? !input.offering : input.offering !== undefined) return fail('payment_purpose_invalid');
  const providers = paymentProviders(ctx);
  const provider = input.provider ?? providers.ids[0];
  if (!provider || !providers.get(provider)) return fail('payment_provider_unknown', { enabled: providers.ids });
  const msisdn = parseMsisdn(input.msisdn);
  if (!msisdn.ok) return msisdn;
  const line = await findLineByMsisdn(ctx, msisdn.value);
  if (!line) return fail('line_not_found');
  if (line.status === 'terminated') return fail('line_terminated');
  return ok({ line, amount, provider });
}

/** What a new payment must not break: checked for a first request, not for a retry of one made. */
async function checkLimits(ctx: AppContext, input: CreatePaymentInput, line: LineRow, amount: bigint): Promise<Result<never> | null> {
  const { lineDailyMax } = ctx.settings.topup;
  // Refuse before charging what the top-up rules would refuse after (checked again when settling).
  // Terminated by its schedule, the lifecycle job behind (after downtime): the credit would be refused once the payer had paid.
  if (terminatedBySchedule(line.status, line.valid_until, ctx.clock.now().getTime(), ctx.settings.lifecycle)) return fail('line_terminated');
  const { usedToday } = dailyTopUpUse(line.daily_topup_date, BigInt(line.daily_topup_amount), ctx.clock.now());
  if (usedToday + amount > lineDailyMax) return fail('daily_limit_exceeded', { limit: Number(lineDailyMax), remaining: Number(remainingToday(usedToday, lineDailyMax)) });
  if (input.purpose === 'purchase') {
    // A purchase pays its price, as quoted for this line now: what is unknown, off sale or priced
    // otherwise is refused before the payer is charged (the purchase checks the price again).
    const priced = await priceOffering(ctx, input.offering!, line.id);
    if (!priced.ok) return priced;
    if (priced.value.quote.price !== amount) return fail('price_changed', { price: Number(priced.value.quote.price) });
  }
  return null;
}

const LINE_OVERALL_FACTOR = 5;

async function checkIpVelocity(ctx: AppContext, ip: string) {
  const { velocityWindowMinutes, perIpMax } = ctx.settings.payments;
  if (await countAttempt(ctx, `payment:ip:${addressKeyOf(ip)}`, velocityWindowMinutes) > perIpMax) {
    return fail('payment_velocity_exceeded', { scope: 'ip', retryAfterSeconds: velocityWindowMinutes * 60 });
  }
  return null;
}

async function checkVelocity(ctx: AppContext, ip: string, lineId: string) {
  const { velocityWindowMinutes, perLineMax } = ctx.settings.payments;
  const perIp = await checkIpVelocity(ctx, ip);
  if (perIp) return perIp;
  // Per line from one address, and only five times as many over all addresses: one stranger's
  // abandoned payments cannot use up the owner's own card top-ups.
  const fromHere = await countAttempt(ctx, `payment:line-ip:${lineId}:${addressKeyOf(ip)}`, velocityWindowMinutes);
  const overall = await countAttempt(ctx, `payment:line:${lineId}`, velocityWindowMinutes);
  if (fromHere > perLineMax || overall > perLineMax * LINE_OVERALL_FACTOR) {
    return fail('payment_velocity_exceeded', { scope: 'line', retryAfterSeconds: velocityWindowMinutes * 60 });
  }
  return null;
}

function reserveCommand(row: PaymentRow, idempotency: NonNullable<LedgerCommand<unknown>['idempotency']>): LedgerCommand<{ paymentId: string }> {
  const source = clearingAccountId(row.provider);
  const target = lineMainAccountId(row.line_id);
  return {
    name: 'payment_reserve', idempotency, lock: { accounts: [source, target] },
    execute(tx) {
      const reserved = tx.transfer({ debitAccountId: source, creditAccountId: target, amount: row.amount, unit: 'KZT', code: 'topup', pending: true, metadata: { paymentId: row.id } });
      if (!reserved.ok) return { ok: false, error: { code: reserved.code } };
      tx.insert('payments', { ...row, pending_transfer_id: reserved.id, created_at: tx.nowIso, updated_at: tx.nowIso });
      tx.insert('payment_events', { id: tx.newId('pev'), payment_id: row.id, from_status: null, to_status: 'created', source: 'api', raw: null, created_at: tx.nowIso });
      return ok({ paymentId: row.id });
    },
  };
}

/** A retry may finish what a first request that died between reserving and initiating left undone. */
const INITIATE_GRACE_MS = 10_000;

function abandonedBeforeInitiate(ctx: AppContext, payment: PaymentRow): boolean {
  return payment.status === 'created' && payment.provider_reference === null
    && ctx.clock.now().getTime() - new Date(payment.created_at).getTime() > INITIATE_GRACE_MS;
}

/**
 * What the payer's wallet or bank shows as the item (Alipay and WeChat Pay show it as the order's
 * name), in the payment's language: a package by its catalog name in that language (the offering's
 * code only when the catalog has no name for it), as every other text a subscriber reads names it.
 */
const DESCRIPTIONS = {
  topup: { en: 'Top-up {msisdn}', ru: 'Пополнение {msisdn}', kk: '{msisdn} нөмірінің балансын толықтыру', zh: '话费充值 {msisdn}' },
  purchase: { en: '{offering}, {msisdn}', ru: '{offering}, {msisdn}', kk: '{offering}, {msisdn}', zh: '{offering}，{msisdn}' },
  purchaseByCode: { en: 'Package {offering}, {msisdn}', ru: 'Пакет {offering}, {msisdn}', kk: '{offering} пакеті, {msisdn}', zh: '套餐 {offering}，{msisdn}' },
} as const;

/** WeChat Pay takes at most 127 bytes of description (UTF-8); the others take more. */
export const PAYMENT_DESCRIPTION_BYTES_MAX = 127;

export function paymentDescription(payment: Pick<PaymentRow, 'purpose' | 'msisdn' | 'offering_code' | 'language'>, offeringName?: string): string {
  const purchase = payment.purpose === 'purchase';
  const texts = DESCRIPTIONS[!purchase ? 'topup' : offeringName ? 'purchase' : 'purchaseByCode'];
  const template = texts[payment.language as keyof typeof texts] ?? texts.en;
  const fill = (offering: string) => template.replace('{msisdn}', payment.msisdn).replace('{offering}', offering);
  const offering = (purchase ? offeringName || payment.offering_code : null) ?? '';
  // A long name is cut (at a character, with "…") so that the number paid for always fits.
  const room = PAYMENT_DESCRIPTION_BYTES_MAX - Buffer.byteLength(fill(''));
  if (Buffer.byteLength(offering) <= room) return fill(offering);
  let cut = '';
  for (const character of offering) {
    if (Buffer.byteLength(cut + character + '…') > room) break;
    cut += character;
  }
  return fill(cut.trimEnd() + '…');
}

/** The offering's name in the payment's language, or undefined when the catalog has none. */
async function offeringNameOf(ctx: AppContext, payment: Pick<PaymentRow, 'purpose' | 'offering_code' | 'language'>): Promise<string | undefined> {
  if (payment.purpose !== 'purchase' || !payment.offering_code) return undefined;
  const record = await findOffering(ctx, payment.offering_code);
  if (!record) return undefined;
  const names = JSON.parse(record.offering.names) as Record<string, string | undefined>;
  return names[payment.language] || names.en || undefined;
}

/** Asks the provider for its checkout; a refusal fails the payment (and voids the reservation). */
async function initiate(ctx: AppContext, payment: PaymentRow): Promise<PaymentRow> {
  const provider = paymentProviders(ctx).get(payment.provider)!;
  const initiated = await provider.initiate({
    paymentId: payment.id, amount: BigInt(payment.amount), currency: payment.currency, description: paymentDescription(payment, await offeringNameOf(ctx, payment)),
    // The page the payer comes back to reads the payment with its client secret: in the URL too,
    // as Stripe's return_url carries payment_intent_client_secret, since a bank's app often opens
    // it in another browser than the one that started the payment; with the payment's language,
    // which that browser has not stored either.
    returnUrl: `${ctx.settings.publicUrl}/?payment=${payment.id}&secret=${clientSecretOf(ctx.settings.secretKey, payment.id)}&lang=${payment.language}`, idempotencyKey: `payment:${payment.id}:initiate`,
    language: payment.language as 'en', ...(payment.payer_ip ? { payerIp: payment.payer_ip } : {}), expiresAt: payment.expires_at,
  }).catch((error: unknown) => ({ ok: false as const, code: 'provider_unreachable', message: String(error) }));
  if (!initiated.ok) {
    const failed = await transitionPayment(ctx, payment, { to: 'failed', source: 'api', raw: { code: initiated.code }, failureReason: initiated.code });
    return failed.ok ? failed.value : payment;
  }
  const { providerReference, redirectUrl, qrContent, status, raw, charged } = initiated.value;
  await setProviderDetails(ctx, payment.id, {
    provider_reference: providerReference, redirect_url: redirectUrl ?? null, qr_content: qrContent ?? null,
    provider_amount: charged?.amount ?? null, provider_currency: charged?.currency ?? null,
  });
  const withDetails = (await findPayment(ctx, payment.id))!;
  const moved = await transitionPayment(ctx, withDetails, { to: status, source: 'api', raw });
  return moved.ok ? moved.value : withDetails;
}
