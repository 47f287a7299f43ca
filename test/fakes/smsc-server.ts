import type { AddressInfo } from 'node:net';
import smpp, { type Pdu, type Server, type Session } from 'smpp';

/** A submit_sm as the independent SMSC (the smpp npm package) decoded it. */
export interface ReceivedSm {
  sourceTon: number;
  sourceNpi: number;
  source: string;
  destinationTon: number;
  destinationNpi: number;
  destination: string;
  esmClass: number;
  dataCoding: number;
  registeredDelivery: number;
  /** The text of this segment, decoded by the package by data_coding (GSM 03.38 or UCS-2). */
  message: string;
  /** The concatenation header's reference, count and number, when the segment has one. */
  concatenation: { reference: number; total: number; number: number } | null;
  messageId: string;
}

export interface FakeSmsc {
  port: number;
  /** smpp://tolem:secret@127.0.0.1:<port> */
  url: string;
  binds: { systemId: string; password: string; systemType: string; interfaceVersion: number }[];
  submits: ReceivedSm[];
  /** The command_status each submit_sm is answered with (0 accepts it), by its number from 0 and its destination. */
  answer: (index: number, destination: string) => number;
  /** The texts received, segments joined by their headers, in the order their first segment came. */
  texts(): { destination: string; dataCoding: number; text: string }[];
  /** Sends a delivery receipt for a message id on the bound session; resolves with the ESME's command_status. */
  sendReceipt(messageId: string, stat: string, options?: { tlvs?: boolean }): Promise<number>;
  /**
   * Forgets every session's bind but keeps its connection (an SMSC restarted behind a proxy that
   * holds the TCP session): their submits are answered ESME_RINVBNDSTS (0x04) until they bind again.
   */
  forgetBinds(): void;
  /** Drops every session's connection at once (the SMSC restarted), still listening. */
  drop(): void;
  /** Closes every session and stops listening (the SMSC is down), and listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const CONCATENATION_8BIT = 0x00;
/** ESME_RINVBNDSTS: the command is not allowed in the session's bind state (not bound). */
const STATUS_INVALID_BIND_STATUS = 0x04;

/** An SMSC on 127.0.0.1 and a random port: binds anyone as a transceiver, answers submit_sm with `answer`, keeps what it got. */
export async function startFakeSmsc(): Promise<FakeSmsc> {
  let server: Server;
  let bound: Session | null = null;
  /** Sessions bound now (forgetBinds empties it). */
  const binds = new Set<Session>();
  let port = 0;
  const listen = async () => {
    server = smpp.createServer({}, (session) => {
      session.on('error', () => session.destroy());
      session.on('bind_transceiver', (pdu: Pdu) => {
        smsc.binds.push({ systemId: pdu.system_id, password: pdu.password, systemType: pdu.system_type, interfaceVersion: pdu.interface_version });
        bound = session;
        binds.add(session);
        session.send(pdu.response({ system_id: 'fake-smsc' }));
      });
      session.on('enquire_link', (pdu: Pdu) => session.send(pdu.response()));
      session.on('unbind', (pdu: Pdu) => {
        session.send(pdu.response());
        session.close();
      });
      session.on('submit_sm', (pdu: Pdu) => {
        if (!binds.has(session)) return session.send(pdu.response({ command_status: STATUS_INVALID_BIND_STATUS }));
        const index = smsc.submits.length;
        const status = smsc.answer(index, pdu.destination_addr);
        const messageId = `m${index + 1}`;
        const header = (pdu.short_message.udh ?? []).find((element: Buffer) => element[0] === CONCATENATION_8BIT) as Buffer | undefined;
        smsc.submits.push({
          sourceTon: pdu.source_addr_ton, sourceNpi: pdu.source_addr_npi, source: pdu.source_addr,
          destinationTon: pdu.dest_addr_ton, destinationNpi: pdu.dest_addr_npi, destination: pdu.destination_addr,
          esmClass: pdu.esm_class, dataCoding: pdu.data_coding, registeredDelivery: pdu.registered_delivery, message: pdu.short_message.message,
          concatenation: header ? { reference: header[2]!, total: header[3]!, number: header[4]! } : null, messageId: status === 0 ? messageId : '',
        });
        session.send(status === 0 ? pdu.response({ message_id: messageId }) : pdu.response({ command_status: status }));
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  };
  await listen();
  const smsc: FakeSmsc = {
    port, url: `smpp://tolem:secret@127.0.0.1:${port}`, binds: [], submits: [], answer: () => 0,
    texts() {
      const texts: { destination: string; dataCoding: number; text: string }[] = [];
      const seen = new Set<string>();
      for (const sm of smsc.submits.filter((s) => s.messageId !== '')) {
        if (!sm.concatenation) {
          texts.push({ destination: sm.destination, dataCoding: sm.dataCoding, text: sm.message });
          continue;
        }
        const key = `${sm.destination}/${sm.concatenation.reference}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const parts = smsc.submits.filter((s) => s.messageId !== '' && s.destination === sm.destination && s.concatenation?.reference === sm.concatenation!.reference);
        parts.sort((a, b) => a.concatenation!.number - b.concatenation!.number);
        texts.push({ destination: sm.destination, dataCoding: sm.dataCoding, text: parts.map((part) => part.message).join('') });
      }
      return texts;
    },
    sendReceipt(messageId, stat, options = {}) {
      const session = bound;
      if (!session) return Promise.reject(new Error('no session is bound'));
      return new Promise((resolve) => session.deliver_sm({
        source_addr: '77010000000', destination_addr: 'Tolem', esm_class: 0x04, data_coding: 0,
        short_message: `id:${messageId} sub:001 dlvrd:001 submit date:2601151100 done date:2601151101 stat:${stat} err:000 text:`,
        ...(options.tlvs ? { receipted_message_id: messageId, message_state: stat === 'DELIVRD' ? 2 : 5 } : {}),
      }, (response: Pdu) => resolve(response.command_status)));
    },
    drop() {
      for (const session of [...server.sessions]) session.destroy();
      bound = null;
    },
    forgetBinds() {
      binds.clear();
      bound = null;
    },
    async stop() {
      for (const session of [...server.sessions]) session.destroy();
      bound = null;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    start: listen,
    close: () => smsc.stop(),
  };
  return smsc;
}
