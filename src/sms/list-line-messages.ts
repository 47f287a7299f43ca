import type { AppContext } from '../app-context.ts';
import { CONFIRMATION_TOPIC } from '../transfers/confirm-transfer.ts';
import { requireRole, type Actor, type Role } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findReadableLine } from '../lines/line-access.ts';
import { cutPage, type Page } from '../domain/page.ts';
import { messagesOfLine } from './sms-repository.ts';

export interface LineMessage {
  id: string;
  topic: string;
  text: string;
  language: string;
  /** queued, sent, delivered, failed, undeliverable or canceled. */
  status: string;
  segments: number;
  attempts: number;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
}

/** SMS texts hold balances and receipts: staff at the counter and the line's own subscriber read them, not agents or partners. */
const MESSAGE_READER_ROLES: readonly Role[] = ['admin', 'clerk', 'subscriber'];
/** A cursor is a message id (`sms_` and a ULID), the last of the page before. */
const MESSAGE_ID = /^sms_[0-9A-HJKMNP-TV-Z]{26}$/;

/** The SMS sent (or waiting) to a line, newest first, with cursor pagination. */
export async function listLineMessages(ctx: AppContext, actor: Actor, msisdnInput: string, query: { limit: number; cursor?: string }): Promise<Result<Page<LineMessage>>> {
  const denied = requireRole(actor, MESSAGE_READER_ROLES);
  if (denied) return denied as Result<never>;
  if (query.cursor !== undefined && !MESSAGE_ID.test(query.cursor)) return fail('validation_failed', { field: 'cursor' });
  const line = await findReadableLine(ctx, actor, msisdnInput);
  if (!line.ok) return line;
  const rows = await messagesOfLine(ctx, line.value.id, query.cursor ?? null, query.limit + 1);
  if (rows === undefined) return fail('validation_failed', { field: 'cursor' });
  const page = cutPage(rows, query.limit);
  const data = page.rows.map((row): LineMessage => ({
    id: row.id, topic: row.topic, text: row.topic === CONFIRMATION_TOPIC ? row.text.replace(/\d{6}/, '••••••') : row.text, language: row.language, status: row.status, segments: Number(row.segments), attempts: Number(row.attempts),
    createdAt: row.created_at, sentAt: row.sent_at, deliveredAt: row.delivered_at,
  }));
  return ok({ data, nextCursor: page.nextCursor });
}
