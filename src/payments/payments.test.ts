import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import {
  addLine, answerChallenge, checkoutPath, createPayment, expire, getPayment, mainAccount, processWebhooks, providerReferenceOf,
  reconcile, resolveSandbox, sendWebhook, startPaymentsApp, submitCard,
} from './payments-test-support.ts';
import { processInboxEvent } from './process-webhook-event.ts';
import { paymentProviders } from './provider-registry.ts';
import { insertInboxEvent } from './payments-repository.ts';
import { SANDBOX_LABELS, SANDBOX_LANGUAGES } from './providers/sandbox/sandbox-labels.ts';
import { SANDBOX_SIGNATURE_HEADER, signPayload } from './providers/sandbox/sandbox-signature.ts';

for (const dialect of DIALECTS) {
  describe(`payments: sandbox flow, webhooks, expiry, reconciliation [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let n = 0;
    const msisdn = () => `+7701${2_000_000 + ++n}`;
    before(async () => {
      t = await startPaymentsApp(dialect.name);
    });
    after(async () => t?.close());

    /** A fresh line and a payment on it, waiting at the sandbox checkout. */
    async function started(amount = 100_000) {
      const number = msisdn();
      await addLine(t, number);
      const created = await createPayment(t, { msisdn: number, amount }, `key-${number}`);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return { number, payment: created.body };
    }

    it('end to end over HTTP: create, checkout with 4242…, signed webhooks, credited once', async () => {
      const { number, payment } = await started();
      assert.equal(payment.status, 'requires_action');
      assert.equal(payment.nextAction, 'redirect');
      assert.match(payment.clientSecret, /^pay_.+_secret_/);
      assert.equal(payment.msisdn, '+7701***' + number.slice(-4));
      assert.equal((await mainAccount(t, number)).creditsPending, 100_000, 'the top-up is reserved');
      const page = await t.request('GET', checkoutPath(payment.redirectUrl), { token: null });
      assert.equal(page.status, 200);
      assert.match(page.text, /<form method="post"/);
      for (const lang of ['en', 'ru', 'kk', 'zh']) {
        const localized = await t.request('GET', `/sandbox/checkout/${await providerReferenceOf(t, payment.id)}?lang=${lang}`, { token: null });
        assert.match(localized.text, new RegExp(`<html lang="${lang}"`));
        // The test cards' descriptions too, not English on a Chinese page.
        assert.ok(localized.text.includes({ en: 'approves at once', ru: 'одобряется сразу', kk: 'бірден мақұлданады', zh: '立即成功' }[lang]!), lang);
      }
      // No receipt before it is paid, and none for a wrong secret.
      const receiptPath = `/v1/payments/${payment.id}/receipt.pdf`;
      assert.equal((await t.request('GET', receiptPath, { token: null, headers: { 'x-payment-client-secret': payment.clientSecret } })).body.error.code, 'receipt_not_found');
      const paid = await submitCard(t, payment.redirectUrl, '4242 4242 4242 4242');
      assert.equal(paid.status, 200);
      assert.match(paid.text, /data-result="succeeded"/);
      assert.equal((await getPayment(t, payment.id)).status, 'requires_action', 'nothing moves until the inbox is processed');
      assert.equal((await processWebhooks(t))['payments.webhook-inbox'], 2);
      const done = await getPayment(t, payment.id);
      assert.equal(done.status, 'succeeded');
      assert.match(done.receiptNumber, /^R-\d{4}-\d{8}$/);
      assert.ok(done.topUpId);
      assert.equal(done.cardLast4, '4242');
      assert.deepEqual(done.events.map((e: { from: string | null; to: string }) => `${e.from}>${e.to}`), ['null>created', 'created>requires_action', 'requires_action>processing', 'processing>succeeded']);
      const account = await mainAccount(t, number);
      assert.equal(account.available, 100_000);
      assert.equal(account.creditsPending, 0);
      const line = await t.request('GET', `/v1/lines/${number}`);
      assert.equal(line.body.status, 'active');
      // The creator reads it with the client secret; without it, it does not exist.
      const mine = await t.request('GET', `/v1/payments/${payment.id}`, { token: null, headers: { 'x-payment-client-secret': payment.clientSecret } });
      assert.equal(mine.status, 200);
      assert.equal(mine.body.status, 'succeeded');
      assert.equal(mine.body.events, undefined);
      const stranger = await t.request('GET', `/v1/payments/${payment.id}`, { token: null, headers: { 'x-payment-client-secret': `${payment.id}_secret_nope` } });
      assert.equal(stranger.status, 404);
      assert.equal(stranger.body.error.code, 'payment_not_found');
      // The payer, with no account, downloads the receipt with the same secret.
      const receipt = await t.request('GET', `${receiptPath}?lang=kk`, { token: null, headers: { 'x-payment-client-secret': payment.clientSecret } });
      assert.equal(receipt.status, 200);
      assert.equal(receipt.headers['content-type'], 'application/pdf');
      assert.match(String(receipt.headers['content-disposition']), new RegExp(`${done.receiptNumber}\\.pdf`));
      for (const headers of [{ 'x-payment-client-secret': `${payment.id}_secret_nope` }, {}] as Record<string, string>[]) {
        const refused = await t.request('GET', receiptPath, { token: null, headers });
        assert.deepEqual([refused.status, refused.body.error.code], [404, 'payment_not_found']);
      }
      const stored = await t.app.ctx.db.selectFrom('webhook_inbox').select('raw_body').execute();
      assert.ok(stored.every((row) => !row.raw_body.includes('4242424242424242')), 'card numbers are never stored');
      await t.verify();
    });

    it('duplicate and reordered webhooks credit once', async () => {
      const sandbox = t.app.ctx.settings.payments.sandbox;
      sandbox.duplicatePercent = 100;
      sandbox.reorderPercent = 100;
      try {
        const { number, payment } = await started(70_000);
        await submitCard(t, payment.redirectUrl, '4242424242424242');
        // Delivered: succeeded, processing, processing again (the duplicate is stored once).
        const inbox = await t.app.ctx.db.selectFrom('webhook_inbox').selectAll().where('payment_id', '=', payment.id).orderBy('received_at').orderBy('id').execute();
        assert.deepEqual(inbox.map((r) => r.event_status), ['succeeded', 'processing']);
        await processWebhooks(t);
        const statuses = await t.app.ctx.db.selectFrom('webhook_inbox').select(['event_status', 'status']).where('payment_id', '=', payment.id).orderBy('id').execute();
        assert.deepEqual(statuses.map((r) => `${r.event_status}:${r.status}`).sort(), ['processing:ignored', 'succeeded:processed']);
        // The provider re-sends the success a day later, and someone replays it by hand: nothing more.
        const reference = await providerReferenceOf(t, payment.id);
        assert.equal((await sendWebhook(t, { id: 'evt_late_resend', reference, status: 'succeeded', amount: 70_000 })).status, 200);
        await processWebhooks(t);
        assert.equal((await mainAccount(t, number)).available, 70_000);
        assert.equal((await getPayment(t, payment.id)).status, 'succeeded');
        const topups = await t.app.ctx.db.selectFrom('topups').select('id').where('actor_id', '=', `payment:${payment.id}`).execute();
        assert.equal(topups.length, 1);
      } finally {
        sandbox.duplicatePercent = 0;
        sandbox.reorderPercent = 0;
      }
    });

    it('"processing" and "succeeded" processed at the same moment end succeeded, credited once', async () => {
      for (let round = 0; round < 3; round++) {
        const { number, payment } = await started(60_000);
        await submitCard(t, payment.redirectUrl, '4242424242424242');
        const rows = await t.app.ctx.db.selectFrom('webhook_inbox').selectAll().where('payment_id', '=', payment.id).execute();
        assert.equal(rows.length, 2);
        await Promise.all([...rows, ...rows].map((row) => processInboxEvent(t.app.ctx, row)));
        assert.equal((await getPayment(t, payment.id)).status, 'succeeded');
        assert.equal((await mainAccount(t, number)).available, 60_000);
      }
      await t.verify();
    });

    it('declines void the reservation and tell the client to try another method', async () => {
      for (const [card, reason] of [['4000000000000002', 'card_declined'], ['4000 0000 0000 9995', 'insufficient_funds']] as const) {
        const { number, payment } = await started();
        const page = await submitCard(t, payment.redirectUrl, card);
        assert.match(page.text, /data-result="declined"/);
        await processWebhooks(t);
        const failed = await getPayment(t, payment.id);
        assert.equal(failed.status, 'failed');
        assert.equal(failed.failureReason, reason);
        assert.equal(failed.nextAction, 'retry_with_another_method');
        assert.deepEqual(await mainAccount(t, number), { ...(await mainAccount(t, number)), available: 0, creditsPending: 0 });
      }
    });

    it('an invalid card number is refused on the page and charges nothing', async () => {
      const { payment } = await started();
      const page = await submitCard(t, payment.redirectUrl, '4242 4242 4242 4241');
      assert.equal(page.status, 422);
      assert.match(page.text, /id="error"/);
      assert.equal((await getPayment(t, payment.id)).status, 'requires_action');
    });

    it('an expiry that is no month or is past, and a CVC of the wrong length, are refused on the page in its language', async () => {
      const { number, payment } = await started();
      const cases: [string, string, string, 'invalidExpiry' | 'expiredCard' | 'invalidCvc'][] = [
        ['4242 4242 4242 4242', '13/99', '1', 'invalidExpiry'], ['4242424242424242', '00/30', '123', 'invalidExpiry'], ['4242424242424242', '', '123', 'invalidExpiry'],
        ['4242424242424242', '12/25', '123', 'expiredCard'], ['4242424242424242', '12/34', '1', 'invalidCvc'], ['4242424242424242', '12/34', '1234', 'invalidCvc'],
        ['4242424242424242', '12/34', '', 'invalidCvc'], ['378282246310005', '12/34', '123', 'invalidCvc'],
      ];
      for (const lang of SANDBOX_LANGUAGES) {
        for (const [card, expiry, cvc, problem] of cases) {
          const page = await submitCard(t, payment.redirectUrl.replace(/lang=\w+/, `lang=${lang}`), card, 'pay', { expiry, cvc });
          assert.equal(page.status, 422, `${lang} ${expiry} ${cvc}`);
          assert.match(page.text, new RegExp(`<html lang="${lang}"`));
          assert.ok(page.text.includes(`<p class="error" role="alert" id="error">${SANDBOX_LABELS[lang][problem]}</p>`), `${lang} ${card} ${expiry} ${cvc}: ${problem}`);
        }
      }
      assert.equal((await getPayment(t, payment.id)).status, 'requires_action');
      assert.equal(await t.app.ctx.db.selectFrom('webhook_inbox').select('id').where('payment_id', '=', payment.id).executeTakeFirst(), undefined, 'nothing was charged');
      // This month's expiry is still valid, and an Amex takes a 4-digit CVC.
      const now = t.clock.now();
      const thisMonth = `${String(now.getUTCMonth() + 1).padStart(2, '0')}/${String(now.getUTCFullYear() % 100).padStart(2, '0')}`;
      const paid = await submitCard(t, payment.redirectUrl, '3782 822463 10005', 'pay', { expiry: thisMonth, cvc: '1234' });
      assert.match(paid.text, /data-result="succeeded"/);
      await processWebhooks(t);
      assert.equal((await mainAccount(t, number)).available, 100_000);
    });

    it('a 3-D Secure-like challenge approves or fails', async () => {
      const approved = await started();
      const challenge = await submitCard(t, approved.payment.redirectUrl, '4000000000003220');
      assert.match(challenge.text, /data-result="challenge"/);
      assert.match((await answerChallenge(t, approved.payment.redirectUrl, 'approve')).text, /data-result="succeeded"/);
      const failed = await started();
      await submitCard(t, failed.payment.redirectUrl, '4000000000003220');
      assert.match((await answerChallenge(t, failed.payment.redirectUrl, 'fail')).text, /data-result="declined"/);
      await processWebhooks(t);
      assert.equal((await getPayment(t, approved.payment.id)).status, 'succeeded');
      assert.equal((await mainAccount(t, approved.number)).available, 100_000);
      const refused = await getPayment(t, failed.payment.id);
      assert.equal(refused.status, 'failed');
      assert.equal(refused.failureReason, 'authentication_failed');
    });

    it('a processing payment succeeds later, when the sandbox says so', async () => {
      const { number, payment } = await started();
      assert.match((await submitCard(t, payment.redirectUrl, '4000000000000259')).text, /data-result="processing"/);
      await processWebhooks(t);
      assert.equal((await getPayment(t, payment.id)).status, 'processing');
      assert.equal((await resolveSandbox(t))['payments.sandbox-resolve'], 0, 'not yet');
      t.clock.advance(t.app.ctx.settings.payments.sandbox.processingSeconds * 1000);
      assert.equal((await resolveSandbox(t))['payments.sandbox-resolve'], 1);
      await processWebhooks(t);
      assert.equal((await getPayment(t, payment.id)).status, 'succeeded');
      assert.equal((await mainAccount(t, number)).available, 100_000);
    });

    it('a timeout leaves the payment unknown until reconciliation asks the provider and credits it', async () => {
      const { number, payment } = await started();
      assert.match((await submitCard(t, payment.redirectUrl, '4000000000000119')).text, /data-result="unknown"/);
      await processWebhooks(t);
      assert.equal((await getPayment(t, payment.id)).status, 'unknown');
      assert.equal((await mainAccount(t, number)).creditsPending, 100_000);
      assert.equal((await reconcile(t))['payments.reconciliation'], 0, 'too recent to ask about');
      t.clock.advance((t.app.ctx.settings.payments.reconcileAfterMinutes + 1) * 60_000);
      assert.equal((await reconcile(t))['payments.reconciliation'], 1);
      const settled = await getPayment(t, payment.id);
      assert.equal(settled.status, 'succeeded');
      assert.equal(settled.events.at(-1).source, 'reconciliation');
      assert.equal((await mainAccount(t, number)).available, 100_000);
      await t.verify();
    });

    it('reconciliation closing an open checkout credits a payer who paid at that moment, not expires it', async () => {
      const { number, payment } = await started();
      const provider = paymentProviders(t.app.ctx).get('sandbox')!;
      const cancel = provider.cancel;
      // Expiry cannot reach the provider to close the checkout: the payment is left unknown.
      provider.cancel = async () => ({ ok: false, code: 'provider_unreachable' });
      try {
        t.clock.advance(31 * 60_000);
        await expire(t);
      } finally {
        provider.cancel = cancel;
      }
      assert.equal((await getPayment(t, payment.id)).status, 'unknown');
      // Reconciliation finds the checkout still open and closes it, but the payer pays just before.
      const reference = await providerReferenceOf(t, payment.id);
      provider.cancel = async (asked) => {
        if (asked === reference) await submitCard(t, payment.redirectUrl, '4242424242424242');
        return cancel.call(provider, asked);
      };
      try {
        t.clock.advance((t.app.ctx.settings.payments.reconcileAfterMinutes + 1) * 60_000);
        await reconcile(t);
      } finally {
        provider.cancel = cancel;
      }
      await processWebhooks(t);
      assert.equal((await getPayment(t, payment.id)).status, 'succeeded');
      assert.equal((await mainAccount(t, number)).available, 100_000);
      await t.verify();
    });

    it('a provider answering expiry or reconciliation with a success of another amount credits nothing: left for review', async () => {
      const { number, payment } = await started();
      const provider = paymentProviders(t.app.ctx).get('sandbox')!;
      const { cancel, getStatus } = provider;
      const reported: unknown[] = [];
      const reportError = t.app.ctx.reportError;
      const paidOther = async (reference: string) => ({ ok: true as const, value: { status: 'succeeded' as const, amountCaptured: 1_000n, raw: { reference } } });
      provider.cancel = paidOther;
      provider.getStatus = paidOther;
      t.app.ctx.reportError = (error) => { reported.push(error); };
      try {
        t.clock.advance(31 * 60_000);
        await expire(t);
        assert.equal((await getPayment(t, payment.id)).status, 'unknown', 'not expired either: the payer was charged something');
        t.clock.advance((t.app.ctx.settings.payments.reconcileAfterMinutes + 1) * 60_000);
        await reconcile(t);
        assert.equal((await getPayment(t, payment.id)).status, 'unknown');
      } finally {
        provider.cancel = cancel;
        provider.getStatus = getStatus;
        t.app.ctx.reportError = reportError;
      }
      assert.equal((await mainAccount(t, number)).available, 0);
      assert.ok(reported.length >= 2, 'each answer reported');
      await t.verify();
    });

    it('a repeat sent while the first is still asking the provider replays its answer, checkout address included', async () => {
      const number = msisdn();
      await addLine(t, number);
      // The payer's retry after a dropped connection: the same key and body while the first runs.
      const [first, repeat] = await Promise.all([createPayment(t, { msisdn: number, amount: 100_000 }, `repeat-${number}`), createPayment(t, { msisdn: number, amount: 100_000 }, `repeat-${number}`)]);
      assert.deepEqual([first.status, repeat.status], [201, 201]);
      assert.deepEqual(repeat.body, first.body);
      assert.deepEqual([first.headers['idempotent-replayed'], repeat.headers['idempotent-replayed']], [undefined, 'true']);
      assert.equal(repeat.body.nextAction, 'redirect');
      assert.ok(repeat.body.redirectUrl);
      assert.equal((await mainAccount(t, number)).creditsPending, 100_000, 'one payment reserved');
    });

    it('the payer cancels: canceled, reservation voided', async () => {
      const { number, payment } = await started();
      assert.match((await submitCard(t, payment.redirectUrl, '', 'cancel')).text, /data-result="canceled"/);
      await processWebhooks(t);
      assert.equal((await getPayment(t, payment.id)).status, 'canceled');
      assert.equal((await mainAccount(t, number)).creditsPending, 0);
    });

    it('expiry voids the pending transfer and closes the checkout', async () => {
      const { number, payment } = await started();
      t.clock.advance(29 * 60_000);
      await expire(t);
      assert.equal((await getPayment(t, payment.id)).status, 'requires_action');
      t.clock.advance(2 * 60_000);
      assert.ok((await expire(t))['payments.expiry']! >= 1);
      const expired = await getPayment(t, payment.id);
      assert.equal(expired.status, 'expired');
      assert.equal(expired.nextAction, 'retry_with_another_method');
      assert.equal((await mainAccount(t, number)).creditsPending, 0);
      const transfers = await t.app.ctx.db.selectFrom('ledger_transfers').select('kind').where('credit_account_id', '=', `${(await mainAccount(t, number)).lineId}.main`).execute();
      assert.deepEqual(transfers.map((r) => r.kind).sort(), ['pending', 'void_pending']);
      // Too late: the checkout is closed and paying now charges nothing.
      assert.match((await submitCard(t, payment.redirectUrl, '4242424242424242')).text, /data-result="canceled"|data-result="closed"/);
      await processWebhooks(t);
      assert.equal((await mainAccount(t, number)).available, 0);
      // A provider that says "succeeded" after the expiry: kept for review, the line is not credited.
      const late = await sendWebhook(t, { id: `evt_late_${payment.id}`, reference: await providerReferenceOf(t, payment.id), status: 'succeeded', amount: 100_000 });
      assert.equal(late.status, 200);
      await processWebhooks(t);
      const review = await t.request('GET', '/v1/admin/webhook-events?status=late_success');
      assert.equal(review.status, 200, JSON.stringify(review.body));
      assert.ok(JSON.stringify(review.body).includes(`evt_late_${payment.id}`));
      assert.equal((await getPayment(t, payment.id)).status, 'expired');
      assert.equal((await mainAccount(t, number)).available, 0);
      await t.verify();
    });

    it('a payer who pays at the last second is credited, not expired', async () => {
      const { number, payment } = await started();
      await submitCard(t, payment.redirectUrl, '4242424242424242');
      t.clock.advance(31 * 60_000);
      await expire(t);
      assert.equal((await getPayment(t, payment.id)).status, 'succeeded');
      await processWebhooks(t);
      assert.equal((await mainAccount(t, number)).available, 100_000);
    });

    it('forged and stale webhooks are refused with a code and nothing is stored', async () => {
      const { payment } = await started();
      const reference = await providerReferenceOf(t, payment.id);
      const before = (await t.app.ctx.db.selectFrom('webhook_inbox').select('id').execute()).length;
      const forged = await sendWebhook(t, { id: 'evt_forged', reference, status: 'succeeded', amount: 100_000 }, { secret: 'not-the-sandbox-secret-at-all' });
      assert.equal(forged.status, 400);
      assert.equal(forged.body.error.code, 'webhook_signature_invalid');
      const stale = await sendWebhook(t, { id: 'evt_stale', reference, status: 'succeeded', amount: 100_000 }, { at: new Date(t.clock.now().getTime() - 6 * 60_000) });
      assert.equal(stale.status, 400);
      assert.equal(stale.body.error.code, 'webhook_timestamp_stale');
      const unsigned = await t.request('POST', '/v1/webhooks/sandbox', { token: null, rawBody: '{"id":"x"}', headers: { 'content-type': 'application/json' } });
      assert.equal(unsigned.body.error.code, 'webhook_signature_invalid');
      const unknownProvider = await t.request('POST', '/v1/webhooks/nobody', { token: null, rawBody: '{}', headers: { 'content-type': 'application/json' } });
      assert.equal(unknownProvider.body.error.code, 'payment_provider_unknown');
      // Signed, but not storable alike on both databases, or a time no Date holds (each a 500 before, found by fuzzing).
      const event = { reference, status: 'failed', amount: 100_000 };
      for (const [id, bad, options] of [
        ['evt_far', event, { created: Number.MAX_SAFE_INTEGER }], ['evt_far_back', event, { created: -8_640_000_000_001 }],
        ['evt_nul', { ...event, currency: 'K\u0000T' }, {}], ['evt_nul_ref', { ...event, reference: `${reference}\u0000` }, {}],
        ['evt_half', { ...event, reference: `${reference}\ud800` }, {}], ['evt_long', { ...event, paymentId: 'p'.repeat(5_000) }, {}],
        ['evt_\u0000', event, {}],
      ] as const) {
        const refused = await sendWebhook(t, { id, ...bad }, options);
        assert.equal(refused.status, 400, `${id}: ${refused.text}`);
        assert.equal(refused.body.error.code, 'webhook_payload_invalid');
      }
      // Signed bodies the parser cannot read at all (a 500 before, found by fuzzing).
      const secret = t.app.ctx.settings.payments.sandbox.webhookSecret;
      const created = Math.floor(t.clock.now().getTime() / 1000);
      for (const rawBody of ['null', '[]', '"x"', '5', '{"id":"evt_nodata","type":"payment.succeeded","created":1,"data":null}']) {
        const refused = await t.request('POST', '/v1/webhooks/sandbox', { token: null, rawBody, headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signPayload(secret, created, rawBody) } });
        assert.equal(refused.status, 400, `${rawBody}: ${refused.text}`);
        assert.equal(refused.body.error.code, 'webhook_payload_invalid');
      }
      assert.equal((await t.app.ctx.db.selectFrom('webhook_inbox').select('id').execute()).length, before);
      assert.equal((await getPayment(t, payment.id)).status, 'requires_action');
    });

    it('a success whose amount or currency the provider parser could not read is kept as a mismatch, never credited', async () => {
      const { number, payment } = await started();
      const reference = await providerReferenceOf(t, payment.id);
      const now = t.clock.now().toISOString();
      // As a provider's parser leaves it for an amount it cannot read (a string, a fraction, 40 digits).
      for (const [eventId, amount, currency] of [['evt_no_amount', null, 'KZT'], ['evt_no_currency', 100_000n, null]] as const) {
        await insertInboxEvent(t.app.ctx, {
          id: t.app.ctx.ids.next('whk'), provider: 'sandbox', event_id: eventId, provider_reference: reference, payment_id: payment.id, event_status: 'succeeded',
          amount, currency, failure_reason: null, status: 'received', raw_body: '{}', attempts: 0n, next_attempt_at: now, last_error: null, received_at: now, processed_at: null, provider_refund_id: null,
        });
      }
      await processWebhooks(t);
      const mismatches = await t.request('GET', '/v1/admin/webhook-events?status=mismatch');
      assert.ok(['evt_no_amount', 'evt_no_currency'].every((id) => mismatches.body.data.some((e: { eventId: string }) => e.eventId === id)));
      assert.equal((await getPayment(t, payment.id)).status, 'requires_action');
      assert.equal((await mainAccount(t, number)).available, 0);
      await t.verify();
    });

    it('an event for an unknown payment is kept as an orphan; a wrong amount is kept as a mismatch', async () => {
      assert.equal((await sendWebhook(t, { id: 'evt_orphan', reference: 'sbx_nobody', status: 'succeeded', amount: 100_000 })).status, 200);
      const { number, payment } = await started();
      const reference = await providerReferenceOf(t, payment.id);
      assert.equal((await sendWebhook(t, { id: 'evt_wrong_amount', reference, status: 'succeeded', amount: 999_999 })).status, 200);
      assert.equal((await sendWebhook(t, { id: 'evt_wrong_currency', reference, status: 'succeeded', amount: 100_000, currency: 'USD' })).status, 200);
      await processWebhooks(t);
      const orphans = await t.request('GET', '/v1/admin/webhook-events?status=orphan');
      assert.equal(orphans.status, 200);
      assert.deepEqual(orphans.body.data.map((e: { eventId: string }) => e.eventId), ['evt_orphan']);
      const mismatches = await t.request('GET', '/v1/admin/webhook-events?status=mismatch');
      assert.deepEqual(mismatches.body.data.map((e: { eventId: string }) => e.eventId).filter((id: string) => id.startsWith('evt_wrong')).sort(), ['evt_wrong_amount', 'evt_wrong_currency']);
      assert.equal((await getPayment(t, payment.id)).status, 'requires_action');
      assert.equal((await mainAccount(t, number)).available, 0);
      const anonymous = await t.request('GET', '/v1/admin/webhook-events', { token: null });
      assert.equal(anonymous.status, 401);
    });

    it('a credit the top-up rules refuse fails the payment, voids it and refunds at the provider', async () => {
      const { number, payment } = await started();
      await t.app.ctx.db.updateTable('lines').set({ status: 'terminated' }).where('msisdn', '=', number).execute();
      await submitCard(t, payment.redirectUrl, '4242424242424242');
      await processWebhooks(t);
      const failed = await getPayment(t, payment.id);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.failureReason, 'credit_refused:line_terminated');
      assert.equal((await mainAccount(t, number)).creditsPending, 0);
      const session = await t.app.ctx.db.selectFrom('sandbox_sessions').selectAll().where('payment_id', '=', payment.id).executeTakeFirstOrThrow();
      assert.equal(Number(session.refunded_amount), 100_000);
      await t.verify();
    });

    it('a refused credit whose refund the provider answers failed or not paid back yet is reported, not taken for done', async () => {
      const provider = paymentProviders(t.app.ctx).get('sandbox')!;
      const original = provider.refund;
      const reportError = t.app.ctx.reportError;
      for (const status of ['failed', 'pending'] as const) {
        const { number, payment } = await started();
        await t.app.ctx.db.updateTable('lines').set({ status: 'terminated' }).where('msisdn', '=', number).execute();
        await submitCard(t, payment.redirectUrl, '4242424242424242');
        const reported: { message: string; context?: Record<string, unknown> }[] = [];
        provider.refund = async () => ({ ok: true, value: { providerRefundId: `re_${status}`, status, raw: {} } });
        t.app.ctx.reportError = (error, context) => reported.push({ message: (error as Error).message, context });
        try {
          await processWebhooks(t);
        } finally {
          provider.refund = original;
          t.app.ctx.reportError = reportError;
        }
        const failed = await getPayment(t, payment.id);
        assert.deepEqual([failed.status, failed.failureReason], ['failed', 'credit_refused:line_terminated']);
        assert.equal(reported.length, 1, `${status}: ${JSON.stringify(reported)}`);
        assert.match(reported[0]!.message, new RegExp(status === 'failed' ? 'failed' : 'not paid back yet'));
        assert.deepEqual([reported[0]!.context?.paymentId, reported[0]!.context?.providerRefundId], [payment.id, `re_${status}`]);
      }
      await t.verify();
    });

    it('a refused credit whose refund call fails is refunded and failed on the next attempt, not left charged', async () => {
      const { number, payment } = await started();
      await t.app.ctx.db.updateTable('lines').set({ status: 'terminated' }).where('msisdn', '=', number).execute();
      await submitCard(t, payment.redirectUrl, '4242424242424242');
      const provider = paymentProviders(t.app.ctx).get('sandbox')!;
      const original = provider.refund;
      provider.refund = async () => { throw new Error('connect ETIMEDOUT'); };
      try {
        await processWebhooks(t);
      } finally {
        provider.refund = original;
      }
      // The reservation is voided, the card not yet paid back: the next attempts must finish the job.
      assert.equal((await mainAccount(t, number)).creditsPending, 0);
      for (let round = 0; round < 3; round++) {
        t.clock.advance(60 * 60_000);
        await processWebhooks(t);
        await reconcile(t);
      }
      const failed = await getPayment(t, payment.id);
      assert.equal(failed.status, 'failed');
      assert.match(failed.failureReason, /^credit_refused:/);
      const session = await t.app.ctx.db.selectFrom('sandbox_sessions').selectAll().where('payment_id', '=', payment.id).executeTakeFirstOrThrow();
      assert.equal(Number(session.refunded_amount), 100_000);
      assert.equal((await mainAccount(t, number)).available, 0);
      await t.verify();
    });
  });
}
