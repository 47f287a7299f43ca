import type { AppContext } from '../app-context.ts';
import type { Job } from '../jobs/job.ts';
import { priceOffering } from '../promotions/quote-price.ts';
import { balancesOf } from '../lines/lines-repository.ts';
import { deletePastReminders, linesEndingBetween, periodsEndingBetween, sendReminders, type After, type Reminder } from './reminders-repository.ts';
import { statusAt } from '../lifecycle/lifecycle-rules.ts';

/** Rows read a query: keyset pages of this many, up to `perRunMax` reminders a run. */
const PAGE_ROWS = 500;
/** A reminder is kept this long after the end it announced, then deleted (it can no longer repeat). */
const KEPT_AFTER_END_DAYS = 7;

/**
 * Tells a subscriber ahead of time (docs/lifecycle-and-usage.md, "Reminders"): an active line's
 * validity ends within `validityDays` (`line.validity_expiring`, with the balance), a package's
 * last period within `packageHours` (`package.expiring`, saying whether it renews). Each once per
 * end, whatever the runs and processes (the reminders table's key); a later end (after a top-up or
 * a renewal) gets its own. Catches up after downtime for ends still ahead; ends already passed are
 * the lifecycle's and the renewal's.
 */
export const remindersJob: Job = {
  name: 'reminders',
  intervalMs: 5 * 60_000,
  async run(ctx: AppContext): Promise<number> {
    const now = ctx.clock.now();
    const { validityDays, packageHours, perRunMax } = ctx.settings.reminders;
    let sent = 0;
    if (validityDays > 0) sent += await remindValidity(ctx, now, new Date(now.getTime() + validityDays * 86_400_000), perRunMax);
    if (packageHours > 0) sent += await remindPackages(ctx, now, new Date(now.getTime() + packageHours * 3_600_000), perRunMax - sent);
    await deletePastReminders(ctx, new Date(now.getTime() - KEPT_AFTER_END_DAYS * 86_400_000).toISOString(), 1_000);
    // Once every 5 minutes, however many were due: reminders go out hours or days ahead, and a
    // run reads its ends from the start (those already sent included), so runs back to back would
    // read a backlog over and over.
    return sent;
  },
};

async function remindValidity(ctx: AppContext, now: Date, horizon: Date, max: number): Promise<number> {
  return remindInPages(ctx, max, (after) => linesEndingBetween(ctx, now.toISOString(), horizon.toISOString(), after, PAGE_ROWS), async (lines) => {
    const balances = await balancesOf(ctx, lines.map((line) => line.id), ctx.db);
    return lines.map((line) => ({
      key: `validity:${line.id}:${line.valid_until}`, lineId: line.id, topic: 'line.validity_expiring', remindFor: line.valid_until,
      payload: { lineId: line.id, msisdn: line.msisdn, validUntil: line.valid_until, balance: Number(balances.get(line.id)!.main), language: line.language },
    }));
  }, (line) => ({ at: line.indexed_valid_until, id: line.id }));
}

async function remindPackages(ctx: AppContext, now: Date, horizon: Date, max: number): Promise<number> {
  return remindInPages(ctx, max, (after) => periodsEndingBetween(ctx, now.toISOString(), horizon.toISOString(), after, PAGE_ROWS), async (periods) => {
    // What renewing will cost, as priced for the line at the period's end, when the renewal charges
    // it (its automatic promotions of then included: one that ends before does not lower it): the
    // subscriber keeps that much on the balance, not a guess. An offering off sale by then is not
    // renewed, and a line in grace or suspended is refused a renewal, as is one whose validity ends
    // by the pack's end (in grace then, unless a top-up moves it on): its pack reads as ending.
    const prices = await Promise.all(periods.map(async (period) => {
      // The line's status at the pack's end, as the renewal will read it.
      const atEnd = statusAt(period.status, period.valid_until, period.expires_at);
      if (Number(period.auto_renew) !== 1 || (atEnd !== 'active' && atEnd !== 'preactive')) return null;
      const priced = await priceOffering(ctx, period.offering_code, period.line_id, undefined, new Date(period.expires_at));
      return priced.ok ? Number(priced.value.quote.price) : null;
    }));
    return periods.map((period, index) => ({
      key: `package:${period.package_id}:${period.period}`, lineId: period.line_id, topic: 'package.expiring', remindFor: period.expires_at,
      payload: {
        packageId: period.package_id, lineId: period.line_id, msisdn: period.msisdn, offering: period.offering_code, period: Number(period.period),
        expiresAt: period.expires_at, autoRenew: Number(period.auto_renew) === 1 && prices[index] !== null, renewalPrice: prices[index], language: period.language,
      },
    }));
  }, (period) => ({ at: period.expires_at, id: period.id }));
}

/** Reads keyset pages of what ends soon and sends a reminder for each row, until a page comes back short or `max` went out. */
async function remindInPages<R>(ctx: AppContext, max: number, page: (after: After | null) => Promise<R[]>, remindersOf: (rows: R[]) => Promise<Reminder[]>, positionOf: (row: R) => After): Promise<number> {
  let sent = 0;
  let after: After | null = null;
  while (sent < max) {
    const rows = await page(after);
    if (rows.length === 0) break;
    sent += await sendReminders(ctx, await remindersOf(rows), max - sent);
    after = positionOf(rows.at(-1)!);
    if (rows.length < PAGE_ROWS) break;
  }
  return sent;
}
