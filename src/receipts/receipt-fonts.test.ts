import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findReceiptFonts, receiptFonts } from './receipt-fonts.ts';
import { RECEIPT_LABELS } from './receipt-labels.ts';

// fontkit is what pdfkit embeds fonts with (a dependency of pdfkit); asking it directly proves
// a glyph exists, where pdftotext alone would also "read" a missing glyph through ToUnicode.
const fontkit = (await import('fontkit' as string)) as { openSync(path: string, postscriptName?: string): { postscriptName: string; hasGlyphForCodePoint(code: number): boolean } };

function missingGlyphs(font: { hasGlyphForCodePoint(code: number): boolean }, text: string): string[] {
  return [...new Set([...text].filter((c) => c.trim() !== '' && !font.hasGlyphForCodePoint(c.codePointAt(0)!)))];
}

describe('receipt fonts', () => {
  const fonts = receiptFonts();
  const text = fontkit.openSync(fonts.text.path);
  const cjk = fontkit.openSync(fonts.cjk.path, fonts.cjk.family);

  it('the text font holds Cyrillic, every Kazakh letter and the tenge sign', () => {
    assert.deepEqual(missingGlyphs(text, 'АБВЁЖЩЪЫЭЮЯ абвёжщъыэюя ӘәҒғҚқҢңӨөҰұҮүҺһІі ₸ 0123456789 R-2026 +7701***4567'), []);
  });

  it('the CJK face is Simplified Chinese and holds every Chinese label', () => {
    assert.equal(cjk.postscriptName, 'NotoSansCJKsc-Regular');
    const labels = RECEIPT_LABELS.zh;
    assert.deepEqual(missingGlyphs(cjk, [labels.title, labels.number, labels.date, labels.kind, labels.line, labels.amount, labels.reverses, labels.reversedBy, labels.refundOf, labels.verifyHint, labels.thanks, labels.returned, ...Object.values(labels.kinds)].join('')), []);
  });

  it('every en, ru and kk label has a glyph in the text font', () => {
    for (const language of ['en', 'ru', 'kk'] as const) {
      const labels = RECEIPT_LABELS[language];
      const all = [labels.title, labels.number, labels.date, labels.kind, labels.line, labels.amount, labels.reverses, labels.reversedBy, labels.refundOf, labels.verifyHint, labels.thanks, labels.returned, ...Object.values(labels.kinds)].join('');
      assert.deepEqual(missingGlyphs(text, all), [], language);
    }
  });

  it('names the Debian packages when fonts are missing', () => {
    assert.throws(() => findReceiptFonts(['/nonexistent']), /fonts-noto-core.*fonts-noto-cjk/);
  });
});
