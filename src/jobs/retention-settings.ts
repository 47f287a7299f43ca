/**
 * How long rows that are no record are kept (docs/architecture.md, "Retention"), read from the
 * environment. Kept in this file so that config.ts only names the group.
 */
import { integer, SettingError, type Env } from '../platform/env.ts';

export interface RetentionSettings {
  /** Days an outbox event, and a finished partner webhook delivery, is kept (OUTBOX_RETENTION_DAYS). */
  outboxDays: number;
  /** Days a processed or ignored payment webhook is kept for dedupe (WEBHOOK_INBOX_RETENTION_DAYS). */
  webhookInboxDays: number;
  /** Days an SMS sent, delivered or given up is kept, its text and receipts (SMS_RETENTION_DAYS). */
  smsDays: number;
}

/** A day: a partner reading its deliveries still sees yesterday's. */
export const OUTBOX_RETENTION_DAYS_MIN = 1;
/**
 * A stored payment webhook is what recognises the same event sent again. Stripe retries a
 * delivery for up to 3 days, and Stripe and PayPal keep events for 30 days, in which people can
 * have one sent again by hand: kept less long, such a resend would be stored as a new event.
 */
export const WEBHOOK_INBOX_RETENTION_DAYS_MIN = 30;

export function loadRetentionSettings(env: Env): RetentionSettings {
  const settings = {
    outboxDays: integer(env, 'OUTBOX_RETENTION_DAYS', 30),
    webhookInboxDays: integer(env, 'WEBHOOK_INBOX_RETENTION_DAYS', 90),
    smsDays: integer(env, 'SMS_RETENTION_DAYS', 90),
  };
  if (settings.outboxDays < OUTBOX_RETENTION_DAYS_MIN) throw new SettingError(`setting OUTBOX_RETENTION_DAYS must be at least ${OUTBOX_RETENTION_DAYS_MIN}, got ${settings.outboxDays}`);
  if (settings.smsDays < 1) throw new SettingError(`setting SMS_RETENTION_DAYS must be at least 1, got ${settings.smsDays}`);
  if (settings.webhookInboxDays < WEBHOOK_INBOX_RETENTION_DAYS_MIN) {
    throw new SettingError(`setting WEBHOOK_INBOX_RETENTION_DAYS must be at least ${WEBHOOK_INBOX_RETENTION_DAYS_MIN}, got ${settings.webhookInboxDays}`);
  }
  return settings;
}
