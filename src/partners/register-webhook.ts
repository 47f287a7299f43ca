import type { AppContext } from '../app-context.ts';
import { isPrivateHost } from './public-address.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { insertEndpointWithin } from './partners-repository.ts';

export const WEBHOOK_TOPICS = ['topup.succeeded', 'package.purchased', 'package.renewed'] as const;
/**
 * Active endpoints per partner key (Stripe allows 16 per account). Every event of the key becomes
 * one delivery per endpoint, so this bounds what one event costs to send.
 */
export const WEBHOOK_ENDPOINTS_PER_KEY_MAX = 16;

export interface WebhookEndpointView {
  id: string;
  url: string;
  topics: string[];
  createdAt: string;
  /** The signing secret: shown when the endpoint is created. */
  secret?: string;
}

/**
 * A partner (an API key with role partner) registers where to receive signed webhooks of the
 * results of its own requests: top-ups and package purchases it made.
 */
export async function registerWebhook(ctx: AppContext, actor: Actor, input: { url: string; topics?: string[] }): Promise<Result<WebhookEndpointView>> {
  const denied = requireRole(actor, ['partner']);
  if (denied) return denied as Result<never>;
  if (actor.kind !== 'api_key') return fail('forbidden', { reason: 'webhooks belong to an API key' });
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    return fail('webhook_url_invalid');
  }
  const httpAllowed = ctx.settings.partnerWebhooks.allowHttp && url.protocol === 'http:';
  if ((url.protocol !== 'https:' && !httpAllowed) || url.username || url.password) return fail('webhook_url_invalid');
  if (!ctx.settings.partnerWebhooks.allowPrivate && isPrivateHost(url.hostname)) return fail('webhook_url_invalid', { reason: 'private_address' });
  const topics = input.topics ?? [...WEBHOOK_TOPICS];
  const unknown = topics.filter((topic) => !(WEBHOOK_TOPICS as readonly string[]).includes(topic));
  if (unknown.length > 0 || topics.length === 0) return fail('validation_failed', { field: 'topics', unknown, allowed: WEBHOOK_TOPICS });
  const row = {
    id: ctx.ids.next('whe'), api_key_id: actor.id, url: url.toString(), secret: `whsec_${ctx.random(24).toString('base64url')}`,
    topics: JSON.stringify([...new Set(topics)]), created_at: ctx.clock.now().toISOString(), disabled_at: null,
  };
  if (!(await insertEndpointWithin(ctx, row, WEBHOOK_ENDPOINTS_PER_KEY_MAX))) return fail('webhook_endpoint_limit_reached', { max: WEBHOOK_ENDPOINTS_PER_KEY_MAX });
  return ok({ id: row.id, url: row.url, topics: JSON.parse(row.topics) as string[], createdAt: row.created_at, secret: row.secret });
}
