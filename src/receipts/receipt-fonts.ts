import { existsSync } from 'node:fs';

/**
 * Fonts a receipt embeds, found on disk at run time. Latin, Cyrillic, the Kazakh letters and ₸
 * come from Noto Sans (Debian fonts-noto-core) or DejaVu Sans (fonts-dejavu-core); Chinese from
 * the Noto Sans CJK collection (fonts-noto-cjk), whose Simplified Chinese face is picked by its
 * PostScript name. TOLEM_FONT_DIRS (colon-separated) is searched before the usual places.
 */
export interface FontFace {
  path: string;
  /** For a collection (.ttc): the PostScript name of the face inside it. */
  family?: string;
}

export interface ReceiptFonts {
  text: FontFace;
  cjk: FontFace;
}

const TEXT_CANDIDATES = ['truetype/noto/NotoSans-Regular.ttf', 'truetype/dejavu/DejaVuSans.ttf'];
const CJK_CANDIDATES = ['opentype/noto/NotoSansCJK-Regular.ttc', 'truetype/noto/NotoSansCJK-Regular.ttc'];
const CJK_FACE = 'NotoSansCJKsc-Regular';
const FONT_ROOTS = ['/usr/share/fonts', '/usr/local/share/fonts'];

function findFont(candidates: string[], roots: string[]): string | null {
  for (const root of roots) {
    for (const candidate of candidates) {
      const path = `${root}/${candidate}`;
      if (existsSync(path)) return path;
      const flat = `${root}/${candidate.split('/').pop()}`;
      if (existsSync(flat)) return flat;
    }
  }
  return null;
}

let cached: ReceiptFonts | null = null;

/** The receipt fonts; throws a message naming the Debian packages when a font is missing. */
export function receiptFonts(env: NodeJS.ProcessEnv = process.env): ReceiptFonts {
  cached ??= findReceiptFonts([...(env.TOLEM_FONT_DIRS ?? '').split(':').filter(Boolean), ...FONT_ROOTS]);
  return cached;
}

/** Why receipt PDFs cannot be rendered on this machine (fonts missing), or null when they can. */
export function receiptFontsProblem(env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    receiptFonts(env);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

export function findReceiptFonts(roots: string[]): ReceiptFonts {
  const text = findFont(TEXT_CANDIDATES, roots);
  const cjk = findFont(CJK_CANDIDATES, roots);
  const missing = [text ? null : 'NotoSans-Regular.ttf or DejaVuSans.ttf (apt-get install fonts-noto-core or fonts-dejavu-core)',
    cjk ? null : 'NotoSansCJK-Regular.ttc (apt-get install fonts-noto-cjk)'].filter(Boolean);
  if (missing.length > 0 || !text || !cjk) {
    throw new Error(`Receipt fonts not found in ${roots.join(', ') || '(no folders)'}: ${missing.join('; ')}. Set TOLEM_FONT_DIRS to a folder holding them.`);
  }
  return { text: { path: text }, cjk: { path: cjk, family: CJK_FACE } };
}
