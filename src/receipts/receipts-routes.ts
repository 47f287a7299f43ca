import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Result } from '../domain/result.ts';
import { sendError } from '../http/http-errors.ts';
import { actorOf } from '../http/request-auth.ts';
import { bearer, commonErrors } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { getPaymentReceipt, getReceipt, type ReadableReceipt } from './get-receipt.ts';
import { receiptFontsProblem } from './receipt-fonts.ts';
import { chooseLanguage, RECEIPT_LANGUAGES } from './receipt-labels.ts';
import { renderReceiptPdf } from './render-receipt-pdf.ts';
import { renderReceiptSlip } from './render-receipt-slip.ts';
import { renderVerificationPage } from './render-verification-page.ts';
import { verifyReceipt } from './verify-receipt.ts';

const NumberParams = Type.Object({ number: Type.String({ pattern: '^R-\\d{4}-\\d{8,19}$', examples: ['R-2026-00000123'] }) });
const ReceiptLanguage = Type.Union(RECEIPT_LANGUAGES.map((l) => Type.Literal(l)));
/**
 * `language`, as POS receipts and offerings name it; `lang` is the same, kept for the links already
 * printed and sent. When both are given, `language` is the one read.
 */
const LanguageQuery = Type.Object({
  language: Type.Optional(ReceiptLanguage),
  lang: Type.Optional(Type.Union(ReceiptLanguage.anyOf, { description: 'the same as language (older links); language wins when both are given' })),
});
const languageOf = (query: unknown) => {
  const { language, lang } = query as { language?: string; lang?: string };
  return language ?? lang;
};

/** Rendered PDFs kept, least recently asked for dropped first (a few MB at most). */
const RENDERED_PDFS_MAX = 200;

export async function receiptRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const renderedPdfs = new Map<string, Buffer>();
  const fontsProblem = receiptFontsProblem();
  if (fontsProblem) app.log.warn(`receipt PDFs are unavailable until fonts are installed: ${fontsProblem}`);
  app.get('/v1/receipts/:number.pdf', {
    schema: {
      tags: ['receipts'], summary: 'A receipt as PDF, in the subscriber\'s language or ?language=en|ru|kk|zh', security: bearer,
      params: NumberParams, querystring: LanguageQuery,
      response: { 200: Type.String({ format: 'binary', description: 'application/pdf' }), ...commonErrors },
    },
  }, async (request, reply) => {
    const { number } = request.params as { number: string };
    return sendPdf(reply, await getReceipt(ctx, actorOf(request), number, languageOf(request.query)));
  });

  app.get('/v1/payments/:id/receipt.pdf', {
    schema: {
      tags: ['receipts'], summary: 'The receipt of a paid card payment as PDF, for its payer (X-Payment-Client-Secret, no login), in ?language=en|ru|kk|zh',
      params: Type.Object({ id: Type.String({ maxLength: 64 }) }), querystring: LanguageQuery,
      headers: Type.Object({ 'x-payment-client-secret': Type.Optional(Type.String({ maxLength: 128 })) }),
      response: { 200: Type.String({ format: 'binary', description: 'application/pdf' }), ...commonErrors },
    },
  }, async (request, reply) => {
    const secret = request.headers['x-payment-client-secret'] as string | undefined;
    return sendPdf(reply, await getPaymentReceipt(ctx, (request.params as { id: string }).id, secret, languageOf(request.query)));
  });

  async function sendPdf(reply: FastifyReply, result: Result<ReadableReceipt>): Promise<FastifyReply> {
    if (!result.ok) return sendError(reply, result.error);
    const problem = receiptFontsProblem();
    if (problem) return sendError(reply, { code: 'receipt_fonts_missing', message: problem });
    // A receipt never changes once issued, but for the reversal that may undo it later: each (number,
    // language, reversal) is rendered once (~0.1–0.2 s of the main thread), not at every download,
    // so that asking again and again stalls no one.
    const { number, reversedBy } = result.value.receipt;
    const cacheKey = `${number}:${result.value.document.language}:${reversedBy ?? ''}`;
    let pdf = renderedPdfs.get(cacheKey);
    if (pdf) renderedPdfs.delete(cacheKey);
    else pdf = await renderReceiptPdf(result.value.document, new Date(result.value.receipt.createdAt));
    renderedPdfs.set(cacheKey, pdf);
    if (renderedPdfs.size > RENDERED_PDFS_MAX) renderedPdfs.delete(renderedPdfs.keys().next().value!);
    return reply.type('application/pdf').header('content-disposition', `inline; filename="${number}.pdf"`).send(pdf);
  }

  app.get('/v1/receipts/:number/slip', {
    schema: {
      tags: ['receipts'], summary: 'A receipt as an 80 mm printable HTML slip (POS, counter)', security: bearer,
      params: NumberParams, querystring: LanguageQuery,
      response: { 200: Type.String({ description: 'text/html' }), ...commonErrors },
    },
  }, async (request, reply) => {
    const { number } = request.params as { number: string };
    const result = await getReceipt(ctx, actorOf(request), number, languageOf(request.query));
    if (!result.ok) return sendError(reply, result.error);
    return reply.type('text/html; charset=utf-8').send(await renderReceiptSlip(result.value.document));
  });

  app.get('/receipts/verify/:token', {
    schema: {
      tags: ['receipts'], summary: 'Checks a receipt\'s QR link: an HTML page, or JSON with Accept: application/json',
      params: Type.Object({ token: Type.String({ maxLength: 100 }) }), querystring: LanguageQuery,
    },
  }, async (request, reply) => {
    const { token } = request.params as { token: string };
    // In ?language=, else the scanning phone's language, else English: the page, and the JSON's amountText and displayDate.
    const language = chooseLanguage(languageOf(request.query), request.headers['accept-language']);
    const verification = await verifyReceipt(ctx, token, language);
    reply.header('cache-control', 'no-store');
    if ((request.headers.accept ?? '').includes('application/json')) return reply.send(verification);
    return reply.type('text/html; charset=utf-8').send(renderVerificationPage(verification, language));
  });
}
