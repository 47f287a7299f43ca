import type { AppContext } from '../app-context.ts';
import { deliveryReceiptOf } from './delivery-receipt.ts';
import { SmppClient, type SmppEndpoint } from './smpp-client.ts';
import { STATUS, type DeliverSm } from './smpp-pdu.ts';
import { recordReceipt } from './sms-repository.ts';

/** How long connecting, binding and each submit may wait for the SMSC. */
const REQUEST_TIMEOUT_MS = 10_000;
/** An SMSC drops a session it has not heard from for a while (commonly a minute or more): probed well before. */
const ENQUIRE_LINK_IDLE_MS = 30_000;

/**
 * The one SMPP session of a process (per app context): bound on first use, bound again on the
 * next use after it dropped, unbound when the app closes (app.ts). Receipts arriving on it are
 * recorded into sms_messages. A receipt can overtake the recording of the segment it is about
 * (the SMSC answers submit_sm and sends the receipt at once): it waits for the sends in flight in
 * this process first, and one about a segment still unknown (sent by another process that has
 * not recorded it yet) is answered with a temporary error, so that the SMSC sends it again.
 */
export class SmsLink {
  private client: SmppClient | null = null;
  private connecting: Promise<SmppClient> | null = null;
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly ctx: AppContext, private readonly endpoint: SmppEndpoint) {}

  /** A bound session: the current one, or a new one when there is none or it dropped. Throws when the SMSC cannot be reached or refuses. */
  session(): Promise<SmppClient> {
    if (this.closed) return Promise.reject(new Error('SMS link is closed'));
    if (this.client?.bound) return Promise.resolve(this.client);
    this.connecting ??= SmppClient.connect(this.endpoint, {
      requestTimeoutMs: REQUEST_TIMEOUT_MS, enquireLinkIdleMs: ENQUIRE_LINK_IDLE_MS, onDeliver: (deliver) => this.receive(deliver),
    }).then((client) => {
      this.client = client;
      if (this.closed) void client.close();
      return client;
    }).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** Runs a send (a submit and the recording of its answer) so that receipts arriving meanwhile wait for it. */
  track<T>(send: () => Promise<T>): Promise<T> {
    const running = send();
    this.inFlight.add(running);
    const done = () => this.inFlight.delete(running);
    running.then(done, done);
    return running;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    await this.client?.close();
  }

  private async receive(deliver: DeliverSm): Promise<number> {
    const receipt = deliveryReceiptOf(deliver);
    // A message from a phone is acknowledged and not taken (docs/sms.md); an intermediate state changes nothing.
    if (!receipt?.outcome) return STATUS.ok;
    await Promise.allSettled([...this.inFlight]);
    const found = await recordReceipt(this.ctx, receipt.smscMessageId, receipt.outcome, this.ctx.clock.now().toISOString());
    return found ? STATUS.ok : STATUS.receiverTemporaryError;
  }
}

const links = new WeakMap<AppContext, SmsLink>();

export function smsLinkOf(ctx: AppContext, endpoint: SmppEndpoint): SmsLink {
  let link = links.get(ctx);
  if (!link) links.set(ctx, link = new SmsLink(ctx, endpoint));
  return link;
}

/** Unbinds this app's SMPP session, if it has one (the app's close). */
export async function closeSmsLink(ctx: AppContext): Promise<void> {
  const link = links.get(ctx);
  links.delete(ctx);
  await link?.close();
}
