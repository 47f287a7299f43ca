import type { ProtocolAnswer } from './protocol.ts';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for XML, dropping characters XML 1.0 cannot carry at all (control characters). */
export function escapeXml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/** The OSMP (QIWI) answer. */
export function renderOsmpXml(answer: ProtocolAnswer): string {
  return '<?xml version="1.0" encoding="UTF-8"?><response>'
    + `<osmp_txn_id>${escapeXml(answer.txnId)}</osmp_txn_id>`
    + `<prv_txn>${escapeXml(answer.prvTxn)}</prv_txn>`
    + `<sum>${escapeXml(answer.sum)}</sum>`
    + `<result>${answer.result}</result>`
    + `<comment>${escapeXml(answer.comment)}</comment>`
    + '</response>';
}

/**
 * The Kaspi-style answer. `sum` is written as a JSON number with two decimals (1000.00), as
 * Kaspi-style clients expect, from the decimal text itself: no floating point touches it.
 */
export function renderKaspiJson(answer: ProtocolAnswer): string {
  const sum = /^\d+\.\d{2}$/.test(answer.sum) ? answer.sum : 'null';
  return `{"txn_id":${JSON.stringify(answer.txnId)},"prv_txn_id":${JSON.stringify(answer.prvTxn)},"result":${answer.result},"sum":${sum},"comment":${JSON.stringify(answer.comment)}}`;
}
