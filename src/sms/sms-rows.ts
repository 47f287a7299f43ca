import type { AppContext } from '../app-context.ts';
import { findOffering } from '../catalog/catalog-repository.ts';
import { displayLanguageOf } from '../domain/local-time.ts';
import type { OutboxEvent } from '../jobs/read-outbox.ts';
import { subscriberMessage } from '../lifecycle/subscriber-messages.ts';
import { afterQuietHours, QUIET_TOPICS } from './quiet-hours.ts';
import { encodeSms, SEGMENTS_MAX } from './sms-encoding.ts';
import { linesByIdOrNumber, type SmsMessageRow } from './sms-repository.ts';
import { offeringCodesOfPackages } from '../packages/packages-repository.ts';

/**
 * The outbox topics that tell a subscriber something: those subscriberMessage has a text for
 * (src/lifecycle/subscriber-messages.ts). Only these are read.
 */
export const SMS_TOPICS = [
  'topup.succeeded', 'topup.reversed', 'payment.refunded', 'payment.refund_reversed', 'package.purchased', 'package.renewed', 'package.renewal_failed',
  'package.expiring', 'line.validity_expiring', 'line.status_changed', 'balance.low', 'bucket.usage_threshold',
  'credit.granted', 'credit.repaid', 'transfer.completed', 'transfer.confirmation_requested', 'bonus.granted', 'bonus.expired',
] as const;

const PACKAGE_TOPICS: readonly string[] = ['package.purchased', 'package.renewed', 'package.renewal_failed', 'package.expiring'];

/**
 * One queued SMS per event that tells a line something, in the line's language: to the line the
 * event names (a transfer's receiver by its toLineId; by number only for an event of no line id), with its text from subscriberMessage. Events of
 * no line, of a line whose number has since gone to another line, or with no text, send nothing.
 */
export async function messageRowsFor(ctx: AppContext, events: readonly OutboxEvent[]): Promise<SmsMessageRow[]> {
  if (events.length === 0) return [];
  const parsed = events.map((event) => ({ event, payload: JSON.parse(event.payload) as Record<string, unknown> }));
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : null);
  const receiverNumber = (event: OutboxEvent, payload: Record<string, unknown>) => text(event.topic === 'transfer.completed' ? payload.to : payload.msisdn);
  // A transfer's receiver is the line it credited (toLineId), not whichever line holds its number
  // when the event is read: that number may have gone to a new subscriber meanwhile.
  const lineIdOf = (event: OutboxEvent, payload: Record<string, unknown>) => text(event.topic === 'transfer.completed' ? payload.toLineId : payload.lineId);
  const ids = [...new Set(parsed.map(({ event, payload }) => lineIdOf(event, payload)).filter((id) => id !== null))];
  const numbers = [...new Set(parsed.filter(({ event, payload }) => !lineIdOf(event, payload)).map(({ event, payload }) => receiverNumber(event, payload)).filter((n) => n !== null))];
  const lines = await linesByIdOrNumber(ctx, ids, numbers);
  const byId = new Map(lines.map((line) => [line.id, line]));
  const byNumber = new Map(lines.map((line) => [line.msisdn, line]));
  const now = ctx.clock.now();
  const { quietFromHour, quietToHour } = ctx.settings.sms;
  const rows: SmsMessageRow[] = [];
  // A usage threshold names its bucket, `<package>.<period>.<unit>` (package-keys.ts): the pack it belongs to is named in the text.
  const thresholdPackages = [...new Set(parsed.filter(({ event }) => event.topic === 'bucket.usage_threshold').map(({ payload }) => packageOfBucket(payload.accountId)).filter((id) => id !== null))];
  const packageOfferings = await offeringCodesOfPackages(ctx, thresholdPackages);
  // A page of events names few offerings: each is looked up once.
  const offerings = new Map<unknown, Promise<Record<string, string | undefined> | undefined>>();
  for (const { event, payload } of parsed) {
    const lineId = lineIdOf(event, payload);
    const number = receiverNumber(event, payload);
    const line = lineId ? byId.get(lineId) : number ? byNumber.get(number) : undefined;
    // A released number reads `+7…#ln_…`: it belongs to another subscriber now.
    if (!line || line.msisdn.includes('#')) continue;
    const language = displayLanguageOf(payload.language ?? payload.receiverLanguage ?? line.language);
    const offering = event.topic === 'bucket.usage_threshold' ? packageOfferings.get(packageOfBucket(payload.accountId) ?? '') : PACKAGE_TOPICS.includes(event.topic) ? payload.offering : undefined;
    if (offering !== undefined && !offerings.has(offering)) offerings.set(offering, offeringNamesOf(ctx, offering));
    const names = offering !== undefined ? await offerings.get(offering) : undefined;
    const offeringName = names ? names[language] || names.en || undefined : undefined;
    const body = subscriberMessage(event.topic, { ...payload, language }, { suspendedDays: ctx.settings.lifecycle.suspendedDays, offeringName, now: now.toISOString() });
    if (!body) continue;
    const segments = encodeSms(body).segments.length;
    const tooLong = segments > SEGMENTS_MAX;
    rows.push({
      id: ctx.ids.next('sms'), event_id: event.id, line_id: line.id, msisdn: line.msisdn, topic: event.topic, language, text: body,
      status: tooLong ? 'failed' : 'queued', segments: BigInt(segments), attempts: 0n,
      next_attempt_at: (QUIET_TOPICS.includes(event.topic) ? afterQuietHours(now, quietFromHour, quietToHour) : now).toISOString(),
      lease_until: null, last_error: tooLong ? `text of ${segments} segments, over ${SEGMENTS_MAX}` : null, created_at: now.toISOString(), sent_at: null, delivered_at: null,
    });
  }
  return rows;
}

/** The package a bucket account belongs to (`pkg_….<period>.<unit>`), or null for another account. */
function packageOfBucket(accountId: unknown): string | null {
  if (typeof accountId !== 'string' || !accountId.startsWith('pkg_')) return null;
  const dot = accountId.indexOf('.');
  return dot > 0 ? accountId.slice(0, dot) : null;
}

/** The offering's names by language, from the catalog (the payload names its code; the code is shown when it is gone). */
async function offeringNamesOf(ctx: AppContext, code: unknown): Promise<Record<string, string | undefined> | undefined> {
  if (typeof code !== 'string') return undefined;
  const record = await findOffering(ctx, code);
  return record ? JSON.parse(record.offering.names) as Record<string, string | undefined> : undefined;
}
