import { createServer, type Server, type Socket } from 'node:net';
import { COMMAND, encodePdu, parseDeliverSm, PduReader, STATUS, submitSmBody, type Pdu } from './smpp-pdu.ts';
import { decodeShortMessage } from './sms-encoding.ts';

/** An SMS as the development SMSC received it: segments joined, decoded by their data_coding. */
export interface ReceivedSms {
  messageIds: string[];
  from: string;
  to: string;
  dataCoding: number;
  text: string;
}

export interface DevSmscOptions {
  host: string;
  port: number;
  /** The credentials a bind must carry (SMPP_URL's user and password). */
  systemId: string;
  password: string;
  /** Called for each whole SMS (all its segments arrived). */
  onSms(sms: ReceivedSms): void;
  /** How long after a submit its delivery receipt is sent (when one was asked for). */
  receiptDelayMs?: number;
}

export interface DevSmsc {
  port: number;
  close(): Promise<void>;
}

const ESM_CLASS_UDH = 0x40;
const ESM_CLASS_RECEIPT = 0x04;
const BIND_COMMANDS = new Set([0x00000001, 0x00000002, COMMAND.bind_transceiver]);

/**
 * A development SMSC (`tolem smsc`): it takes binds with the configured credentials, answers
 * submit_sm with message ids, joins concatenated segments, prints each SMS, and sends a DELIVRD
 * receipt for each segment that asked for one, so that `SMPP_URL=smpp://…@127.0.0.1:2775 npm start`
 * shows the SMS the product sends, receipts included. Not an SMSC for phones: nothing leaves it.
 * submit_sm and deliver_sm share one body layout (SMPP 3.4 §4.4.1 and §4.6.1), so the client's
 * codec reads and writes both.
 */
export function startDevSmsc(options: DevSmscOptions): Promise<DevSmsc> {
  let nextId = 1;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const reader = new PduReader();
    const parts = new Map<string, { total: number; segments: Map<number, Buffer>; ids: string[] }>();
    let bound = false;
    let sequence = 0;
    const send = (pdu: Pdu) => { if (!socket.destroyed) socket.write(encodePdu(pdu)); };
    socket.on('data', (chunk: Buffer) => {
      let pdus: Pdu[];
      try {
        pdus = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const pdu of pdus) {
        if (BIND_COMMANDS.has(pdu.commandId)) {
          const [systemId, password] = pdu.body.toString('latin1').split('\0');
          bound = systemId === options.systemId && password === options.password;
          // bind_*_resp: the bind's command id with the response bit, and our system_id.
          send({ commandId: (pdu.commandId | 0x80000000) >>> 0, status: bound ? STATUS.ok : 0x0e, sequence: pdu.sequence, body: Buffer.from('tolem-dev-smsc\0', 'latin1') });
        } else if (pdu.commandId === COMMAND.enquire_link) {
          send({ commandId: COMMAND.enquire_link_resp, status: STATUS.ok, sequence: pdu.sequence, body: Buffer.alloc(0) });
        } else if (pdu.commandId === COMMAND.unbind) {
          send({ commandId: COMMAND.unbind_resp, status: STATUS.ok, sequence: pdu.sequence, body: Buffer.alloc(0) });
          socket.end();
        } else if (pdu.commandId === COMMAND.submit_sm) {
          if (!bound) {
            send({ commandId: COMMAND.submit_sm_resp, status: 0x04, sequence: pdu.sequence, body: Buffer.alloc(0) }); // ESME_RINVBNDSTS
            continue;
          }
          let sm;
          try {
            sm = parseDeliverSm(pdu.body);
          } catch {
            send({ commandId: COMMAND.generic_nack, status: STATUS.invalidCommandLength, sequence: pdu.sequence, body: Buffer.alloc(0) });
            continue;
          }
          const messageId = (nextId++).toString(16).padStart(8, '0');
          send({ commandId: COMMAND.submit_sm_resp, status: STATUS.ok, sequence: pdu.sequence, body: Buffer.from(`${messageId}\0`, 'latin1') });
          let whole: { ids: string[]; payload: Buffer } | null = { ids: [messageId], payload: sm.shortMessage };
          if (sm.esmClass & ESM_CLASS_UDH) {
            // 05 00 03 <reference> <total> <number>: joined once every number is in.
            const header = sm.shortMessage.subarray(0, sm.shortMessage[0]! + 1);
            const key = `${sm.source.address}/${sm.destination.address}/${header[3]}`;
            const entry = parts.get(key) ?? { total: header[4]!, segments: new Map<number, Buffer>(), ids: [] };
            entry.segments.set(header[5]!, sm.shortMessage.subarray(header.length));
            entry.ids.push(messageId);
            parts.set(key, entry);
            whole = null;
            if (entry.segments.size === entry.total) {
              parts.delete(key);
              whole = { ids: entry.ids, payload: Buffer.concat([...entry.segments.keys()].sort((a, b) => a - b).map((n) => entry.segments.get(n)!)) };
            }
          }
          if (whole) options.onSms({ messageIds: whole.ids, from: sm.source.address, to: sm.destination.address, dataCoding: sm.dataCoding, text: decodeShortMessage(sm.dataCoding, whole.payload) });
          if ((sm.registeredDelivery & 0x01) === 0x01) {
            setTimeout(() => {
              const stamp = new Date().toISOString().replace(/\D/g, '').slice(2, 12);
              const receipt = `id:${messageId} sub:001 dlvrd:001 submit date:${stamp} done date:${stamp} stat:DELIVRD err:000 text:`;
              sequence = sequence >= 0x7fffffff ? 1 : sequence + 1;
              send({
                commandId: COMMAND.deliver_sm, status: 0, sequence,
                body: submitSmBody({ source: sm.destination, destination: sm.source, esmClass: ESM_CLASS_RECEIPT, registeredDelivery: 0, dataCoding: 0, shortMessage: Buffer.from(receipt, 'latin1') }),
              });
            }, options.receiptDelayMs ?? 500).unref();
          }
        } else if (pdu.commandId !== COMMAND.deliver_sm_resp && pdu.commandId !== COMMAND.enquire_link_resp) {
          send({ commandId: COMMAND.generic_nack, status: STATUS.invalidCommandId, sequence: pdu.sequence, body: Buffer.alloc(0) });
        }
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : options.port,
        close: () => new Promise<void>((done) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}
