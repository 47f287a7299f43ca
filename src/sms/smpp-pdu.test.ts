import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import smpp from 'smpp';
import { deliveryReceiptOf } from './delivery-receipt.ts';
import { bindTransceiverBody, COMMAND, encodePdu, HEADER_LENGTH, messageIdOf, parseDeliverSm, PduReader, submitSmBody } from './smpp-pdu.ts';

/** Our PDU as the independent implementation (the smpp npm package) reads it. */
const asTheyReadIt = (commandId: number, body: Buffer, sequence = 7) => new smpp.PDU(encodePdu({ commandId, status: 0, sequence, body }));

describe('SMPP PDUs', () => {
  it('encodes bind_transceiver as another SMPP implementation reads it', () => {
    const pdu = asTheyReadIt(COMMAND.bind_transceiver, bindTransceiverBody({ systemId: 'tolem', password: 'secret', systemType: 'VMA' }));
    assert.deepEqual([pdu.command, pdu.system_id, pdu.password, pdu.system_type, pdu.interface_version, pdu.sequence_number], ['bind_transceiver', 'tolem', 'secret', 'VMA', 0x34, 7]);
    assert.throws(() => bindTransceiverBody({ systemId: 'a'.repeat(16), password: '', systemType: '' }));
  });

  it('encodes submit_sm with addresses, classes and the short message as another implementation reads it', () => {
    const shortMessage = Buffer.concat([Buffer.from([5, 0, 3, 9, 2, 1]), Buffer.from('Привет', 'utf16le').swap16()]);
    const pdu = asTheyReadIt(COMMAND.submit_sm, submitSmBody({
      source: { ton: 5, npi: 0, address: 'Tolem' }, destination: { ton: 1, npi: 1, address: '77011234567' },
      esmClass: 0x40, registeredDelivery: 1, dataCoding: 0x08, shortMessage,
    }));
    assert.deepEqual(
      [pdu.command, pdu.source_addr_ton, pdu.source_addr_npi, pdu.source_addr, pdu.dest_addr_ton, pdu.dest_addr_npi, pdu.destination_addr, pdu.esm_class, pdu.registered_delivery, pdu.data_coding],
      ['submit_sm', 5, 0, 'Tolem', 1, 1, '77011234567', 0x40, 1, 0x08],
    );
    assert.equal(pdu.short_message.message, 'Привет');
    assert.deepEqual([...pdu.short_message.udh[0]], [0, 3, 9, 2, 1]);
    assert.throws(() => submitSmBody({ source: { ton: 5, npi: 0, address: 'Tolem' }, destination: { ton: 1, npi: 1, address: '7' }, esmClass: 0, registeredDelivery: 1, dataCoding: 0, shortMessage: Buffer.alloc(255) }));
  });

  it('frames PDUs from a stream cut anywhere, several in a chunk, and refuses a length it cannot frame', () => {
    const first = new smpp.PDU('submit_sm_resp', { sequence_number: 3, message_id: 'abc-1' }).toBuffer();
    const second = new smpp.PDU('enquire_link', { sequence_number: 4 }).toBuffer();
    const stream = Buffer.concat([first, second]);
    const reader = new PduReader();
    const read = [...stream].flatMap((octet) => reader.push(Buffer.from([octet])));
    assert.deepEqual(read.map((pdu) => [pdu.commandId, pdu.sequence, pdu.body.length]), [[COMMAND.submit_sm_resp, 3, 6], [COMMAND.enquire_link, 4, 0]]);
    assert.equal(messageIdOf(read[0]!.body), 'abc-1');
    assert.equal(new PduReader().push(stream).length, 2);
    const tooShort = Buffer.alloc(HEADER_LENGTH);
    tooShort.writeUInt32BE(8, 0);
    assert.throws(() => new PduReader().push(tooShort), /out of bounds/);
    assert.equal(messageIdOf(Buffer.alloc(0)), '');
  });

  it('reads a delivery receipt from its text, or from its optional parameters when given', () => {
    const receipt = (options: Record<string, unknown>) => {
      const buffer = new smpp.PDU('deliver_sm', { sequence_number: 1, source_addr: '77011234567', destination_addr: 'Tolem', data_coding: 0, ...options }).toBuffer();
      return deliveryReceiptOf(parseDeliverSm(buffer.subarray(HEADER_LENGTH)));
    };
    const text = (id: string, stat: string) => `id:${id} sub:001 dlvrd:001 submit date:2601151100 done date:2601151101 stat:${stat} err:000 text:Your balance`;
    assert.deepEqual(receipt({ esm_class: 0x04, short_message: text('4F2A', 'DELIVRD') }), { smscMessageId: '4F2A', outcome: 'delivered' });
    for (const stat of ['UNDELIV', 'EXPIRED', 'REJECTD', 'DELETED']) assert.equal(receipt({ esm_class: 0x04, short_message: text('x1', stat) })?.outcome, 'undeliverable', stat);
    assert.deepEqual(receipt({ esm_class: 0x04, short_message: text('x2', 'ENROUTE') }), { smscMessageId: 'x2', outcome: null });
    assert.deepEqual(receipt({ esm_class: 0x04, short_message: 'stat:DELIVRD', receipted_message_id: 'tlv-9', message_state: 5 }), { smscMessageId: 'tlv-9', outcome: 'undeliverable' });
    assert.equal(receipt({ esm_class: 0x00, short_message: 'Hello from a phone' }), null, 'a message from a phone is no receipt');
    // In message_payload (SMPP 3.4 §5.3.2.32) when short_message is empty.
    assert.deepEqual(receipt({ esm_class: 0x04, short_message: '', message_payload: text('77AB', 'DELIVRD') }), { smscMessageId: '77AB', outcome: 'delivered' });
    // The fields are ASCII, not GSM 03.38 (where _ and @ are other letters): the id as submit_sm_resp gave it.
    assert.deepEqual(receipt({ esm_class: 0x04, short_message: Buffer.from(text('msg_2@x$', 'DELIVRD'), 'latin1') }), { smscMessageId: 'msg_2@x$', outcome: 'delivered' });
    assert.throws(() => parseDeliverSm(Buffer.from([0x41, 0x42])), /NUL|early/);
  });
});
