import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../../app-context.ts';
import { countAttempt } from '../../../auth/auth-repository.ts';
import { cardDetailsProblem, normaliseCardNumber } from './sandbox-cards.ts';
import { sandboxLanguageOf, SANDBOX_LABELS } from './sandbox-labels.ts';
import { challengePage, checkoutPage, resultPage } from './sandbox-pages.ts';
import type { CheckoutView, SandboxProvider } from './sandbox-provider.ts';

const Params = Type.Object({ id: Type.String({ maxLength: 64 }) });
const LangQuery = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 5 })) }, { additionalProperties: false });

/**
 * The sandbox's hosted checkout, served by Tolem but playing the provider: the card number is
 * posted here and nowhere else, used to pick the test outcome, and dropped (last four digits and
 * a keyed fingerprint at most are kept). Real providers' pages live on their own servers, and
 * card numbers never reach Tolem at all.
 */
export async function sandboxRoutes(app: FastifyInstance, { ctx, sandbox }: { ctx: AppContext; sandbox: SandboxProvider }): Promise<void> {
  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).header('cache-control', 'no-store').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
      .type('text/html; charset=utf-8').send(body);
  // Once a post moved the session (paid, declined, cancelled, a challenge to answer), the browser is
  // sent to the page's address to show it (post/redirect/get): Back from the shop then lands on that
  // page, not on a "Confirm Form Resubmission" that would post the card again.
  const shown = (reply: FastifyReply, id: string, lang: string) =>
    reply.code(303).header('cache-control', 'no-store').header('location', `/sandbox/checkout/${encodeURIComponent(id)}?lang=${lang}`).send();

  app.get('/sandbox/checkout/:id', {
    schema: { tags: ['sandbox'], summary: 'The sandbox provider\'s hosted checkout page (test mode)', params: Params, querystring: LangQuery },
  }, async (request, reply) => {
    const lang = sandboxLanguageOf((request.query as { lang?: string }).lang);
    const session = await sandbox.session((request.params as { id: string }).id);
    if (!session) return html(reply, 404, resultPage({ view: 'closed', session: session! }, lang));
    if (session.status === 'requires_action') return html(reply, 200, checkoutPage(session, lang));
    if (session.status === 'challenge') return html(reply, 200, challengePage(session, lang));
    return html(reply, 200, resultPage(viewOfStatus(session.status, session), lang));
  });

  app.post('/sandbox/checkout/:id', {
    config: { formBody: true },
    schema: {
      tags: ['sandbox'], summary: 'Submit a test card on the sandbox checkout', params: Params, querystring: LangQuery,
      body: Type.Object({
        cardNumber: Type.Optional(Type.String({ maxLength: 32 })), expiry: Type.Optional(Type.String({ maxLength: 8 })),
        cvc: Type.Optional(Type.String({ maxLength: 8 })), action: Type.Optional(Type.Union([Type.Literal('pay'), Type.Literal('cancel')])),
      }, { additionalProperties: false }),
    },
  }, async (request, reply) => {
    const lang = sandboxLanguageOf((request.query as { lang?: string }).lang);
    const id = (request.params as { id: string }).id;
    const body = request.body as { cardNumber?: string; expiry?: string; cvc?: string; action?: string };
    const session = await sandbox.session(id);
    if (!session) return html(reply, 404, resultPage({ view: 'closed', session: session! }, lang));
    if (body.action === 'cancel') {
      const canceled = await sandbox.cancelByPayer(id);
      return canceled.view === 'closed' ? html(reply, 409, resultPage(canceled, lang)) : shown(reply, id, lang);
    }
    const cardNumber = normaliseCardNumber(body.cardNumber ?? '');
    if (!cardNumber) return html(reply, 422, checkoutPage(session, lang, SANDBOX_LABELS[lang].invalidCard));
    const problem = cardDetailsProblem(cardNumber, body.expiry ?? '', body.cvc ?? '', ctx.clock.now());
    if (problem) return html(reply, 422, checkoutPage(session, lang, SANDBOX_LABELS[lang][problem]));
    const { velocityWindowMinutes, perPayerMax } = ctx.settings.payments;
    if (await countAttempt(ctx, `payment:payer:${sandbox.fingerprintOf(cardNumber)}`, velocityWindowMinutes) > perPayerMax) {
      return html(reply, 429, checkoutPage(session, lang, SANDBOX_LABELS[lang].reason_velocity));
    }
    const view = await sandbox.submitCard(id, cardNumber);
    if (view.view === 'closed') return html(reply, 409, resultPage(view, lang));
    // A lost answer is shown as this answer alone: the page's address shows the session as it is (paid).
    if (view.view === 'unknown') return html(reply, 200, resultPage(view, lang));
    return shown(reply, id, lang);
  });

  app.post('/sandbox/checkout/:id/challenge', {
    config: { formBody: true },
    schema: {
      tags: ['sandbox'], summary: 'Answer the sandbox\'s 3-D Secure-like challenge', params: Params, querystring: LangQuery,
      body: Type.Object({ decision: Type.Union([Type.Literal('approve'), Type.Literal('fail')]) }, { additionalProperties: false }),
    },
  }, async (request, reply) => {
    const lang = sandboxLanguageOf((request.query as { lang?: string }).lang);
    const id = (request.params as { id: string }).id;
    const view = await sandbox.resolveChallenge(id, (request.body as { decision: string }).decision === 'approve');
    return view.view === 'closed' ? html(reply, 409, resultPage(view, lang)) : shown(reply, id, lang);
  });
}

function viewOfStatus(status: string, session: CheckoutView['session']): CheckoutView {
  const view = ({ succeeded: 'succeeded', failed: 'declined', processing: 'processing', canceled: 'canceled' } as const)[status as 'succeeded'] ?? 'closed';
  return { view, session, reason: session.failure_reason ?? undefined };
}
