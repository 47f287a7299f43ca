import { createServer, type Server, type Socket } from 'node:net';
import { COMMAND, encodePdu, isResponse, parseDeliverSm, PduReader, STATUS, submitSmBody, type Pdu } from './smpp-pdu.ts';
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
/** bind_receiver, bind_transmitter, bind_transceiver: what each session may do. */
const BIND_MODES = new Map<number, { submits: boolean; receipts: boolean }>([
  [0x00000001, { submits: false, receipts: true }], [0x00000002, { submits: true, receipts: false }], [COMMAND.bind_transceiver, { submits: true, receipts: true }],
]);
/** An address this SMSC can send back in a receipt: printable ASCII, at most 20 characters (SMPP 3.4 §5.2.8). */
const ADDRESS = /^[\x20-\x7e]{0,20}$/;
const STATUS_INVALID_BIND_STATUS = 0x04;

/**
 * The concatenation element of a user data header: 8-bit reference (IEI 0x00) or 16-bit (IEI
 * 0x08), walking the header's information elements; null when it has none (printed as it is).
 */
function concatenationOf(header: Buffer): { reference: number; total: number; number: number } | null {
  for (let offset = 1; offset + 1 < header.length;) {
    const [iei, length] = [header[offset]!, header[offset + 1]!];
    const data = header.subarray(offset + 2, offset + 2 + length);
    if (iei === 0x00 && data.length === 3) return { reference: data[0]!, total: data[1]!, number: data[2]! };
    if (iei === 0x08 && data.length === 4) return { reference: (data[0]! << 8) | data[1]!, total: data[2]!, number: data[3]! };
    offset += 2 + length;
  }
  return null;
}

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
    let mode: { submits: boolean; receipts: boolean } | null = null;
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
        // A response (deliver_sm_resp, enquire_link_resp, generic_nack…) gets none back.
        if (isResponse(pdu.commandId)) continue;
        const bindMode = BIND_MODES.get(pdu.commandId);
        if (bindMode) {
          const [systemId, password] = pdu.body.toString('latin1').split('\0');
          mode = systemId === options.systemId && password === options.password ? bindMode : null;
          // bind_*_resp: the bind's command id with the response bit, and our system_id.
          send({ commandId: (pdu.commandId | 0x80000000) >>> 0, status: mode ? STATUS.ok : 0x0e, sequence: pdu.sequence, body: Buffer.from('tolem-dev-smsc\0', 'latin1') });
        } else if (pdu.commandId === COMMAND.enquire_link) {
          send({ commandId: COMMAND.enquire_link_resp, status: STATUS.ok, sequence: pdu.sequence, body: Buffer.alloc(0) });
        } else if (pdu.commandId === COMMAND.unbind) {
          send({ commandId: COMMAND.unbind_resp, status: STATUS.ok, sequence: pdu.sequence, body: Buffer.alloc(0) });
          socket.end();
        } else if (pdu.commandId === COMMAND.submit_sm) {
          if (!mode?.submits) {
            send({ commandId: COMMAND.submit_sm_resp, status: STATUS_INVALID_BIND_STATUS, sequence: pdu.sequence, body: Buffer.alloc(0) });
            continue;
          }
          let sm;
          try {
            sm = parseDeliverSm(pdu.body);
          } catch {
            send({ commandId: COMMAND.generic_nack, status: STATUS.invalidCommandLength, sequence: pdu.sequence, body: Buffer.alloc(0) });
            continue;
          }
          // Addresses it could not write back into a receipt are refused, as an SMSC refuses them.
          if (!ADDRESS.test(sm.source.address) || !ADDRESS.test(sm.destination.address)) {
            const status = ADDRESS.test(sm.source.address) ? STATUS.invalidDestinationAddress : STATUS.invalidSourceAddress;
            send({ commandId: COMMAND.submit_sm_resp, status, sequence: pdu.sequence, body: Buffer.alloc(0) });
            continue;
          }
          const messageId = (nextId++).toString(16).padStart(8, '0');
          send({ commandId: COMMAND.submit_sm_resp, status: STATUS.ok, sequence: pdu.sequence, body: Buffer.from(`${messageId}\0`, 'latin1') });
          let whole: { ids: string[]; payload: Buffer } | null = { ids: [messageId], payload: sm.shortMessage };
          const header = sm.esmClass & ESM_CLASS_UDH ? sm.shortMessage.subarray(0, (sm.shortMessage[0] ?? 0) + 1) : null;
          const concatenation = header ? concatenationOf(header) : null;
          if (header) whole = { ids: [messageId], payload: sm.shortMessage.subarray(header.length) };
          if (header && concatenation) {
            // Joined once every number is in.
            const key = `${sm.source.address}/${sm.destination.address}/${concatenation.reference}/${concatenation.total}`;
            const entry = parts.get(key) ?? { total: concatenation.total, segments: new Map<number, Buffer>(), ids: [] };
            entry.segments.set(concatenation.number, sm.shortMessage.subarray(header.length));
            entry.ids.push(messageId);
            parts.set(key, entry);
            whole = null;
            if (entry.segments.size >= entry.total) {
              parts.delete(key);
              whole = { ids: entry.ids, payload: Buffer.concat([...entry.segments.keys()].sort((a, b) => a - b).map((n) => entry.segments.get(n)!)) };
            }
          }
          if (whole) options.onSms({ messageIds: whole.ids, from: sm.source.address, to: sm.destination.address, dataCoding: sm.dataCoding, text: decodeShortMessage(sm.dataCoding, whole.payload) });
          // The receipt goes back on this session if it may take receipts (a transmitter's may not).
          if ((sm.registeredDelivery & 0x01) === 0x01 && mode.receipts) {
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
        } else {
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
