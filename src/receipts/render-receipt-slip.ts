import QRCode from 'qrcode';
import type { ReceiptDocument } from './receipt-document.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** An 80 mm printable slip for a POS or counter printer: HTML, monospace, one column, QR at the foot. */
export async function renderReceiptSlip(document: ReceiptDocument): Promise<string> {
  const qrSvg = await QRCode.toString(document.verifyUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  const rows = document.rows.map((row) => `<div class="row"><span>${escapeHtml(row.label)}</span><b>${escapeHtml(row.value)}</b></div>`).join('\n');
  return `<!doctype html>
<html lang="${document.language}">
<head>
<meta charset="utf-8">
<title>${escapeHtml(document.title)} ${escapeHtml(document.rows[0]!.value)}</title>
<style>
@page { size: 80mm auto; margin: 3mm; }
body { width: 74mm; margin: 0 auto; font: 12px/1.35 "DejaVu Sans Mono", "Noto Sans Mono", "Noto Sans Mono CJK SC", monospace; color: #000; }
h1 { font-size: 16px; text-align: center; margin: 0 0 2mm; }
.row { display: flex; justify-content: space-between; gap: 2mm; border-bottom: 1px dashed #000; padding: 1mm 0; }
.row b { text-align: right; }
.total { font-size: 18px; text-align: center; margin: 3mm 0; font-weight: bold; }
.qr { width: 40mm; margin: 2mm auto 0; display: block; }
.hint, .thanks { text-align: center; font-size: 10px; }
</style>
</head>
<body>
<h1>${escapeHtml(document.title)}</h1>
${rows}
<div class="total">${escapeHtml(document.amountText)}</div>
<div class="qr">${qrSvg}</div>
<p class="hint">${escapeHtml(document.verifyHint)}</p>
<p class="thanks">${escapeHtml(document.thanks)}</p>
</body>
</html>
`;
}
