import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import {
  bindTransceiverBody, COMMAND, DELIVER_SM_RESP_BODY, encodePdu, isResponse, messageIdOf, parseDeliverSm, PduReader, STATUS,
  submitSmBody, type BindTransceiver, type DeliverSm, type Pdu, type SubmitSm,
} from './smpp-pdu.ts';

/** Where the SMSC is and who Tolem is to it (SMPP_URL, docs/sms.md). */
export interface SmppEndpoint extends BindTransceiver {
  host: string;
  port: number;
  tls: boolean;
}

export interface SmppClientOptions {
  /** How long connecting, binding and each request may wait for the SMSC. */
  requestTimeoutMs: number;
  /** After this long with nothing heard, an enquire_link asks whether the SMSC is still there. */
  enquireLinkIdleMs: number;
  /** Handles a deliver_sm (a receipt, mostly) and returns the command_status to answer it with. */
  onDeliver(deliver: DeliverSm): Promise<number>;
}

export type SubmitOutcome = { ok: true; messageId: string } | { ok: false; status: number | null; error: string };

interface Waiting { resolve(pdu: Pdu): void; reject(error: Error): void; timer: NodeJS.Timeout }

const SEQUENCE_MAX = 0x7fffffff;

/**
 * An ESME's session with an SMSC over TCP (or TLS), bound as a transceiver: it submits SMS and
 * takes receipts on the same connection. Requests are answered by sequence number, so several
 * may be in flight at once; each waits at most requestTimeoutMs. The SMSC's enquire_link and
 * unbind are answered, and an idle link is probed with our own enquire_link. Once the
 * connection is gone every waiting request fails and `bound` is false for good: the owner binds a
 * new client (sms-link.ts).
 */
export class SmppClient {
  private readonly reader = new PduReader();
  private readonly waiting = new Map<number, Waiting>();
  private sequence = 0;
  private closed = false;
  private isBound = false;
  private readonly idleTimer: NodeJS.Timeout;
  private readonly closedPromise: Promise<void>;

  private constructor(private readonly socket: Socket, private readonly options: SmppClientOptions) {
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.failAll(new Error('SMPP connection closed')));
    this.idleTimer = setTimeout(() => this.probe(), options.enquireLinkIdleMs);
    this.idleTimer.unref();
  }

  /** Connects and binds as a transceiver; throws when the SMSC cannot be reached or refuses the bind. */
  static async connect(endpoint: SmppEndpoint, options: SmppClientOptions): Promise<SmppClient> {
    const socket = endpoint.tls
      ? connectTls({ host: endpoint.host, port: endpoint.port, servername: endpoint.host })
      : connectTcp({ host: endpoint.host, port: endpoint.port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`no connection to the SMSC within ${options.requestTimeoutMs} ms`)), options.requestTimeoutMs);
      const fail = (error: Error) => { clearTimeout(timer); socket.destroy(); reject(error); };
      socket.once('error', fail);
      socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => { clearTimeout(timer); socket.off('error', fail); resolve(); });
    });
    const client = new SmppClient(socket, options);
    const answer = await client.request(COMMAND.bind_transceiver, bindTransceiverBody(endpoint)).catch((error: Error) => error);
    if (answer instanceof Error || answer.status !== STATUS.ok) {
      socket.destroy();
      throw answer instanceof Error ? answer : new Error(`SMSC refused bind_transceiver: status 0x${answer.status.toString(16)}`);
    }
    client.isBound = true;
    return client;
  }

  get bound(): boolean {
    return this.isBound && !this.closed;
  }

  /** Submits one short message; the SMSC's message_id, or why not (status null when no answer came). */
  async submit(sm: SubmitSm): Promise<SubmitOutcome> {
    if (!this.bound) return { ok: false, status: null, error: 'SMPP session is not bound' };
    try {
      const answer = await this.request(COMMAND.submit_sm, submitSmBody(sm));
      // ESME_RINVBNDSTS: the SMSC no longer holds this session's bind (it restarted behind a proxy
      // that kept the connection), though it still answers enquire_link: every submit would be
      // refused so. The connection is closed, so that the next use binds again.
      if (answer.status === STATUS.invalidBindStatus) this.dropBind();
      if (answer.commandId === COMMAND.generic_nack) return { ok: false, status: answer.status, error: `generic_nack 0x${answer.status.toString(16)}` };
      if (answer.status !== STATUS.ok) return { ok: false, status: answer.status, error: `submit_sm_resp status 0x${answer.status.toString(16)}` };
      return { ok: true, messageId: messageIdOf(answer.body) };
    } catch (error) {
      return { ok: false, status: null, error: (error as Error).message };
    }
  }

  /** Unbinds (waiting at most requestTimeoutMs for the answer) and closes the connection. */
  async close(): Promise<void> {
    if (this.bound) {
      this.isBound = false;
      await this.request(COMMAND.unbind, Buffer.alloc(0)).catch(() => undefined);
    }
    this.socket.end();
    const forced = setTimeout(() => this.socket.destroy(), this.options.requestTimeoutMs);
    await this.closedPromise;
    clearTimeout(forced);
  }

  /** The session can no longer submit: not bound from now on, and its connection closed (answers already on their way still come). */
  private dropBind(): void {
    this.isBound = false;
    this.socket.end();
  }

  private request(commandId: number, body: Buffer): Promise<Pdu> {
    if (this.closed) return Promise.reject(new Error('SMPP connection closed'));
    this.sequence = this.sequence >= SEQUENCE_MAX ? 1 : this.sequence + 1;
    const sequence = this.sequence;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(sequence);
        reject(new Error(`no answer from the SMSC within ${this.options.requestTimeoutMs} ms`));
      }, this.options.requestTimeoutMs);
      this.waiting.set(sequence, { resolve, reject, timer });
      this.socket.write(encodePdu({ commandId, status: 0, sequence, body }));
    });
  }

  private send(commandId: number, status: number, sequence: number, body: Buffer = Buffer.alloc(0)): void {
    if (!this.closed) this.socket.write(encodePdu({ commandId, status, sequence, body }));
  }

  private receive(chunk: Buffer): void {
    this.idleTimer.refresh();
    let pdus: Pdu[];
    try {
      pdus = this.reader.push(chunk);
    } catch {
      // A stream that cannot be framed any more: nothing after this can be trusted.
      this.send(COMMAND.generic_nack, STATUS.invalidCommandLength, 0);
      this.socket.destroy();
      return;
    }
    for (const pdu of pdus) this.handle(pdu);
  }

  private handle(pdu: Pdu): void {
    if (isResponse(pdu.commandId)) {
      const waiting = this.waiting.get(pdu.sequence);
      if (!waiting) return;
      this.waiting.delete(pdu.sequence);
      clearTimeout(waiting.timer);
      waiting.resolve(pdu);
      return;
    }
    switch (pdu.commandId) {
      case COMMAND.enquire_link:
        return this.send(COMMAND.enquire_link_resp, STATUS.ok, pdu.sequence);
      case COMMAND.deliver_sm:
        return void this.deliver(pdu);
      case COMMAND.alert_notification:
        // No response exists for it, and Tolem retries nothing on it: dropped.
        return;
      case COMMAND.unbind:
        this.isBound = false;
        this.send(COMMAND.unbind_resp, STATUS.ok, pdu.sequence);
        this.socket.end();
        return;
      default:
        return this.send(COMMAND.generic_nack, STATUS.invalidCommandId, pdu.sequence);
    }
  }

  private async deliver(pdu: Pdu): Promise<void> {
    let status: number;
    try {
      status = await this.options.onDeliver(parseDeliverSm(pdu.body));
    } catch {
      // A malformed deliver_sm, or the receipt could not be recorded: the SMSC sends it again later.
      status = STATUS.receiverTemporaryError;
    }
    this.send(COMMAND.deliver_sm_resp, status, pdu.sequence, DELIVER_SM_RESP_BODY);
  }

  /** Nothing heard for a while: an enquire_link, and a link that does not answer it is closed. */
  private probe(): void {
    if (this.closed) return;
    this.request(COMMAND.enquire_link, Buffer.alloc(0)).then(() => this.idleTimer.refresh(), () => this.socket.destroy());
  }

  private failAll(error: Error): void {
    this.closed = true;
    this.isBound = false;
    clearTimeout(this.idleTimer);
    for (const waiting of this.waiting.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
    this.waiting.clear();
  }
}
