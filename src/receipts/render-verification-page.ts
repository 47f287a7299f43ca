import { RECEIPT_LABELS, type ReceiptLanguage } from './receipt-labels.ts';
import { escapeHtml } from './render-receipt-slip.ts';
import { formatAlmatyTime, formatAmount } from './receipt-document.ts';
import type { ReceiptVerification } from './verify-receipt.ts';

/**
 * The small page a scanned receipt QR code opens: genuine (with amount, masked number, date) or not.
 * The amount and the date are written in the page's language ("1 500,50 ₸" in ru and kk), whatever
 * language the verification was made in.
 */
export function renderVerificationPage(verification: ReceiptVerification, language: ReceiptLanguage): string {
  const labels = RECEIPT_LABELS[language];
  const body = verification.genuine
    ? `<h1 class="ok">✔ ${escapeHtml(labels.genuine)}</h1>
<dl>
<dt>${escapeHtml(labels.number)}</dt><dd>${escapeHtml(verification.number)}</dd>
<dt>${escapeHtml(labels.kind)}</dt><dd>${escapeHtml(labels.kinds[verification.kind] ?? verification.kind)}</dd>
${verification.refundOf ? `<dt>${escapeHtml(labels.refundOf)}</dt><dd>${escapeHtml(verification.refundOf)}</dd>` : ''}
${verification.reverses ? `<dt>${escapeHtml(labels.reverses)}</dt><dd>${escapeHtml(verification.reverses)}</dd>` : ''}
${verification.reversedBy ? `<dt>${escapeHtml(labels.reversedBy)}</dt><dd>${escapeHtml(verification.reversedBy)}</dd>` : ''}
<dt>${escapeHtml(labels.amount)}</dt><dd>${escapeHtml(formatAmount(BigInt(verification.amount), verification.currency, language))}</dd>
${verification.msisdn ? `<dt>${escapeHtml(labels.line)}</dt><dd>${escapeHtml(verification.msisdn)}</dd>` : ''}
<dt>${escapeHtml(labels.date)}</dt><dd>${escapeHtml(formatAlmatyTime(verification.createdAt, language))}</dd>
</dl>`
    : `<h1 class="bad">✘ ${escapeHtml(labels.notGenuine)}</h1>
<p>${escapeHtml(labels.notGenuineHint)}</p>`;
  return `<!doctype html>
<html lang="${language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(verification.genuine ? labels.genuine : labels.notGenuine)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}.ok{color:#176c2f}.bad{color:#a61b1b}dt{color:#555;margin-top:.5rem}dd{margin:0;font-weight:600}</style>
</head>
<body data-genuine="${verification.genuine}">
${body}
</body>
</html>
`;
}
