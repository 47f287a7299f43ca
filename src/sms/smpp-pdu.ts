/**
 * SMPP v3.4 PDUs (docs/sms.md, "The SMPP PDUs used"): a 16-octet header (command_length,
 * command_id, command_status, sequence_number, all 32-bit big-endian) and the bodies of the
 * commands Tolem sends or answers. Only what an ESME needs to send SMS and take receipts is here.
 */
export const COMMAND = {
  generic_nack: 0x80000000,
  submit_sm: 0x00000004, submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005, deliver_sm_resp: 0x80000005,
  unbind: 0x00000006, unbind_resp: 0x80000006,
  bind_transceiver: 0x00000009, bind_transceiver_resp: 0x80000009,
  enquire_link: 0x00000015, enquire_link_resp: 0x80000015,
  /** Sent by an SMSC when a phone it could not reach is back; SMPP 3.4 §4.12.1: it has no response. */
  alert_notification: 0x00000102,
} as const;

/** The command_status values Tolem tells apart; any other non-zero one is an error of the SMSC's. */
export const STATUS = {
  ok: 0x00, invalidMessageLength: 0x01, invalidCommandLength: 0x02, invalidCommandId: 0x03, invalidBindStatus: 0x04, systemError: 0x08,
  invalidSourceAddress: 0x0a, invalidDestinationAddress: 0x0b, messageQueueFull: 0x14, invalidEsmClass: 0x43, throttled: 0x58, receiverTemporaryError: 0x64,
} as const;

/** Optional parameters of deliver_sm that a receipt may carry instead of (or beside) its text. */
export const TAG = { receiptedMessageId: 0x001e, messagePayload: 0x0424, messageState: 0x0427 } as const;

export const HEADER_LENGTH = 16;
/** Larger than any PDU an SMSC sends an ESME (a deliver_sm is at most some 300 octets plus TLVs). */
export const PDU_LENGTH_MAX = 64 * 1024;
export const INTERFACE_VERSION = 0x34;

export interface Pdu {
  commandId: number;
  status: number;
  sequence: number;
  body: Buffer;
}

export function isResponse(commandId: number): boolean {
  return (commandId & 0x80000000) !== 0;
}

export function encodePdu(pdu: Pdu): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt32BE(HEADER_LENGTH + pdu.body.length, 0);
  header.writeUInt32BE(pdu.commandId >>> 0, 4);
  header.writeUInt32BE(pdu.status >>> 0, 8);
  header.writeUInt32BE(pdu.sequence >>> 0, 12);
  return Buffer.concat([header, pdu.body]);
}

/**
 * Cuts a TCP stream into PDUs: a chunk may end inside a PDU or hold several. Throws on a length
 * below the header or over PDU_LENGTH_MAX: the stream can no longer be framed and must be closed.
 */
export class PduReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Pdu[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const pdus: Pdu[] = [];
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32BE(0);
      if (length < HEADER_LENGTH || length > PDU_LENGTH_MAX) throw new Error(`SMPP command_length ${length} is out of bounds`);
      if (this.pending.length < length) break;
      pdus.push({
        commandId: this.pending.readUInt32BE(4), status: this.pending.readUInt32BE(8), sequence: this.pending.readUInt32BE(12),
        body: Buffer.from(this.pending.subarray(HEADER_LENGTH, length)),
      });
      this.pending = this.pending.subarray(length);
    }
    return pdus;
  }
}

/** A C-Octet String: ASCII and a NUL, at most `lengthMax` octets with the NUL (the spec's field sizes). */
function cString(value: string, lengthMax: number): Buffer {
  if (!/^[\x20-\x7e]*$/.test(value) || value.length + 1 > lengthMax) throw new Error(`SMPP field "${value}" is not printable ASCII within ${lengthMax - 1} characters`);
  return Buffer.from(`${value}\0`, 'latin1');
}

export interface BindTransceiver { systemId: string; password: string; systemType: string }

export function bindTransceiverBody(bind: BindTransceiver): Buffer {
  // addr_ton, addr_npi 0 and an empty address_range: the SMSC routes by system_id.
  return Buffer.concat([cString(bind.systemId, 16), cString(bind.password, 9), cString(bind.systemType, 13), Buffer.from([INTERFACE_VERSION, 0, 0]), cString('', 41)]);
}

export interface Address { ton: number; npi: number; address: string }

export interface SubmitSm {
  source: Address;
  destination: Address;
  esmClass: number;
  registeredDelivery: number;
  dataCoding: number;
  /** At most 254 octets (sm_length is one octet; 255 is reserved for message_payload). */
  shortMessage: Buffer;
}

export function submitSmBody(sm: SubmitSm): Buffer {
  if (sm.shortMessage.length > 254) throw new Error(`short_message of ${sm.shortMessage.length} octets`);
  return Buffer.concat([
    cString('', 6), // service_type: the SMSC's default
    Buffer.from([sm.source.ton, sm.source.npi]), cString(sm.source.address, 21),
    Buffer.from([sm.destination.ton, sm.destination.npi]), cString(sm.destination.address, 21),
    // esm_class, protocol_id, priority_flag, then schedule_delivery_time and validity_period empty (now, the SMSC's default)
    Buffer.from([sm.esmClass, 0, 0, 0, 0]),
    // registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id, sm_length
    Buffer.from([sm.registeredDelivery, 0, sm.dataCoding, 0, sm.shortMessage.length]), sm.shortMessage,
  ]);
}

/** Reads the fields of a body in order; a body cut short throws (the PDU is answered generic_nack). */
class BodyReader {
  offset = 0;
  constructor(private readonly body: Buffer) {}

  octet(): number {
    if (this.offset >= this.body.length) throw new Error('SMPP body ends early');
    return this.body[this.offset++]!;
  }

  cString(): string {
    const end = this.body.indexOf(0, this.offset);
    if (end < 0) throw new Error('SMPP C-Octet String without its NUL');
    const value = this.body.toString('latin1', this.offset, end);
    this.offset = end + 1;
    return value;
  }

  octets(length: number): Buffer {
    if (this.offset + length > this.body.length) throw new Error('SMPP body ends early');
    const value = Buffer.from(this.body.subarray(this.offset, this.offset + length));
    this.offset += length;
    return value;
  }

  tlvs(): Map<number, Buffer> {
    const found = new Map<number, Buffer>();
    while (this.offset + 4 <= this.body.length) {
      const tag = this.body.readUInt16BE(this.offset);
      const length = this.body.readUInt16BE(this.offset + 2);
      this.offset += 4;
      found.set(tag, this.octets(length));
    }
    return found;
  }
}

/** The message_id of a submit_sm_resp; an error answer may have no body at all. */
export function messageIdOf(body: Buffer): string {
  return body.length === 0 ? '' : new BodyReader(body).cString();
}

/** A deliver_sm's fields: a submit_sm's (the same layout; the development SMSC reads those with it) and its optional parameters. */
export interface DeliverSm extends SubmitSm {
  tlvs: Map<number, Buffer>;
}

export function parseDeliverSm(body: Buffer): DeliverSm {
  const reader = new BodyReader(body);
  reader.cString(); // service_type
  const source = { ton: reader.octet(), npi: reader.octet(), address: reader.cString() };
  const destination = { ton: reader.octet(), npi: reader.octet(), address: reader.cString() };
  const esmClass = reader.octet();
  reader.octet(); // protocol_id
  reader.octet(); // priority_flag
  reader.cString(); // schedule_delivery_time
  reader.cString(); // validity_period
  const registeredDelivery = reader.octet();
  reader.octet(); // replace_if_present_flag
  const dataCoding = reader.octet();
  reader.octet(); // sm_default_msg_id
  const shortMessage = reader.octets(reader.octet());
  return { source, destination, esmClass, registeredDelivery, dataCoding, shortMessage, tlvs: reader.tlvs() };
}

/** The body of deliver_sm_resp: message_id, unused, empty. */
export const DELIVER_SM_RESP_BODY = Buffer.from([0]);
