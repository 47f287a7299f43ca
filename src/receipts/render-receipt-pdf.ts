import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import type { ReceiptDocument } from './receipt-document.ts';
import { receiptFonts } from './receipt-fonts.ts';

const PAGE_MARGIN_PT = 56;
const LABEL_WIDTH_PT = 170;
const QR_SIZE_PT = 120;
/** CJK ideographs and punctuation: Noto Sans lacks them, Noto Sans CJK lacks ₸. */
const CJK_TEXT = /[\u3000-\u9fff\uff00-\uffef]/;

function fontFor(text: string): 'cjk' | 'text' {
  return CJK_TEXT.test(text) ? 'cjk' : 'text';
}

/**
 * An A4 PDF receipt. Labels use the language's font (Noto Sans CJK for Chinese); values, which
 * are mostly digits, Latin letters and ₸, use Noto Sans (which holds ₸ and the Kazakh letters)
 * unless they hold Chinese.
 */
export async function renderReceiptPdf(document: ReceiptDocument, createdAt: Date): Promise<Buffer> {
  const fonts = receiptFonts();
  const qrPng = await QRCode.toBuffer(document.verifyUrl, { errorCorrectionLevel: 'M', margin: 1, width: 360 });
  const pdf = new PDFDocument({ size: 'A4', margin: PAGE_MARGIN_PT, info: { Title: document.title, Producer: 'Tolem', Creator: 'Tolem', CreationDate: createdAt } });
  pdf.registerFont('text', fonts.text.path);
  pdf.registerFont('cjk', fonts.cjk.path, fonts.cjk.family);
  const labelFont = document.language === 'zh' ? 'cjk' : 'text';
  const chunks: Buffer[] = [];
  pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => { pdf.on('end', resolve); pdf.on('error', reject); });

  pdf.font(labelFont).fontSize(24).text(document.title, { align: 'left' });
  pdf.moveDown(1);
  for (const row of document.rows) {
    const y = pdf.y;
    pdf.font(labelFont).fontSize(12).fillColor('#555555').text(row.label, PAGE_MARGIN_PT, y, { width: LABEL_WIDTH_PT });
    pdf.font(fontFor(row.value)).fontSize(12).fillColor('#000000').text(row.value, PAGE_MARGIN_PT + LABEL_WIDTH_PT, y);
    pdf.moveDown(0.6);
  }
  pdf.moveDown(1);
  pdf.font('text').fontSize(20).text(document.amountText, PAGE_MARGIN_PT);
  pdf.moveDown(1);
  const qrY = pdf.y;
  pdf.image(qrPng, PAGE_MARGIN_PT, qrY, { width: QR_SIZE_PT, height: QR_SIZE_PT });
  pdf.font(labelFont).fontSize(10).fillColor('#555555').text(document.verifyHint, PAGE_MARGIN_PT + QR_SIZE_PT + 16, qrY + 8, { width: 300 });
  pdf.font('text').fontSize(7).text(document.verifyUrl, PAGE_MARGIN_PT + QR_SIZE_PT + 16, pdf.y + 6, { width: 300 });
  pdf.font(labelFont).fontSize(12).fillColor('#000000').text(document.thanks, PAGE_MARGIN_PT, qrY + QR_SIZE_PT + 24);
  pdf.end();
  await finished;
  return Buffer.concat(chunks);
}
