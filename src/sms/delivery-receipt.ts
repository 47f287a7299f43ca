import { DATA_CODING, decodeShortMessage } from './sms-encoding.ts';
import { TAG, type DeliverSm } from './smpp-pdu.ts';

/**
 * A delivery receipt (SMPP v3.4 appendix B): a deliver_sm whose esm_class message type is
 * "SMSC delivery receipt" (0x04), its text `id:<message id> sub:… dlvrd:… submit date:… done
 * date:… stat:<state> err:… text:…`. The optional parameters receipted_message_id and
 * message_state, when the SMSC sends them, say the same and win over the text.
 */
export type ReceiptOutcome = 'delivered' | 'undeliverable';

export interface DeliveryReceipt {
  smscMessageId: string;
  /** null for an intermediate state (ENROUTE, ACCEPTD, UNKNOWN): nothing changes yet. */
  outcome: ReceiptOutcome | null;
}

const MESSAGE_TYPE_MASK = 0x3c;
const MESSAGE_TYPE_DELIVERY_RECEIPT = 0x04;

const OUTCOME_OF_STAT: Record<string, ReceiptOutcome> = {
  DELIVRD: 'delivered', UNDELIV: 'undeliverable', EXPIRED: 'undeliverable', REJECTD: 'undeliverable', DELETED: 'undeliverable',
};
/** message_state: 2 DELIVERED, 3 EXPIRED, 4 DELETED, 5 UNDELIVERABLE, 8 REJECTED. */
const OUTCOME_OF_STATE: Record<number, ReceiptOutcome> = { 2: 'delivered', 3: 'undeliverable', 4: 'undeliverable', 5: 'undeliverable', 8: 'undeliverable' };

/** The receipt a deliver_sm carries, or null when it is none (a message from a phone, which Tolem does not take). */
export function deliveryReceiptOf(deliver: DeliverSm): DeliveryReceipt | null {
  if ((deliver.esmClass & MESSAGE_TYPE_MASK) !== MESSAGE_TYPE_DELIVERY_RECEIPT) return null;
  // The receipt's fields are ASCII (SMPP 3.4 appendix B; the id as submit_sm_resp's C-Octet String gave it),
  // in short_message or, when that is empty, in message_payload (§5.3.2.32).
  const payload = deliver.shortMessage.length > 0 ? deliver.shortMessage : deliver.tlvs.get(TAG.messagePayload) ?? Buffer.alloc(0);
  const text = deliver.dataCoding === DATA_CODING.ucs2 ? decodeShortMessage(deliver.dataCoding, payload) : payload.toString('latin1');
  const receiptedId = deliver.tlvs.get(TAG.receiptedMessageId);
  const state = deliver.tlvs.get(TAG.messageState);
  const smscMessageId = receiptedId ? receiptedId.toString('latin1').replace(/\0+$/, '') : /(?:^|\s)id:(\S+)/i.exec(text)?.[1];
  if (!smscMessageId) return null;
  const stat = /(?:^|\s)stat:(\w+)/i.exec(text)?.[1]?.toUpperCase();
  const outcome = state && state.length === 1 ? OUTCOME_OF_STATE[state[0]!] : stat ? OUTCOME_OF_STAT[stat] : undefined;
  return { smscMessageId, outcome: outcome ?? null };
}
