/**
 * How an SMS text travels in SMPP (docs/sms.md, "Encodings"): the GSM 03.38 default alphabet
 * (data_coding 0x00) when every character is in it, one septet per octet as SMPP carries them
 * (the SMSC packs them for the air); otherwise UCS-2 big-endian (data_coding 0x08), which
 * Cyrillic, Kazakh, Chinese and the tenge sign ₸ need. A text longer than one SMS is cut into
 * segments that the phone joins again by a concatenation header (UDH): 153 septets or 67 UCS-2
 * characters each (160 and 70 for a lone SMS), never inside a GSM escape pair or a UTF-16
 * surrogate pair.
 */
export const DATA_CODING = { gsm: 0x00, latin1: 0x03, ucs2: 0x08 } as const;

/** The basic table, in septet order: a character's index is its septet (0x1B is the escape to the extension table). */
const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** The extension table: each character is sent as 0x1B and its septet here, so it counts as two. */
const GSM_EXTENSION: Record<string, number> = { '\f': 0x0a, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2f, '[': 0x3c, '~': 0x3d, ']': 0x3e, '|': 0x40, '€': 0x65 };
const GSM_ESCAPE = 0x1b;

const BASIC_SEPTETS = new Map([...GSM_BASIC].map((character, septet) => [character, septet]));
const EXTENSION_CHARACTERS = new Map(Object.entries(GSM_EXTENSION).map(([character, septet]) => [septet, character]));

/** Septets (GSM) or UTF-16 code units (UCS-2) in a lone SMS and in each segment of a long one. */
export const SEGMENT_UNITS = { gsm: { single: 160, concatenated: 153 }, ucs2: { single: 70, concatenated: 67 } } as const;
/** The concatenation header's reference and counts are single octets. */
export const SEGMENTS_MAX = 255;

export interface EncodedSms {
  dataCoding: number;
  /** Each segment's short_message without the header, in order. */
  segments: Buffer[];
}

/** The septets of a character (two for the extension table), or null when it is not in the GSM alphabet. */
function gsmSeptets(character: string): number[] | null {
  if (character === '\u001b') return null;
  const basic = BASIC_SEPTETS.get(character);
  if (basic !== undefined) return [basic];
  const extension = GSM_EXTENSION[character];
  return extension === undefined ? null : [GSM_ESCAPE, extension];
}

/** The text as GSM septet groups, one per character, or null when a character needs UCS-2. */
function gsmUnits(text: string): number[][] | null {
  const units: number[][] = [];
  for (const character of text) {
    const septets = gsmSeptets(character);
    if (!septets) return null;
    units.push(septets);
  }
  return units;
}

/** The text as UTF-16 groups, one per code point: a surrogate pair is one group of two units. */
function ucs2Units(text: string): number[][] {
  return [...text].map((character) => Array.from({ length: character.length }, (_, index) => character.charCodeAt(index)));
}

/** Cuts groups into segments of at most `max` units; a group is never cut. */
function cut(groups: number[][], single: number, concatenated: number): number[][] {
  const total = groups.reduce((sum, group) => sum + group.length, 0);
  if (total <= single) return [groups.flat()];
  const segments: number[][] = [[]];
  for (const group of groups) {
    if (segments.at(-1)!.length + group.length > concatenated) segments.push([]);
    segments.at(-1)!.push(...group);
  }
  return segments;
}

/**
 * Characters outside GSM 03.38 that a Latin text can say in it: the tenge sign as KZT, the
 * no-break spaces of formatted amounts as spaces, typographic punctuation as plain. Without them an
 * English text with an amount would go as UCS-2, 70 characters a segment instead of 160: most
 * English texts would cost two SMS instead of one. A text with any other such character (Cyrillic,
 * Chinese) goes as UCS-2 unchanged, ₸ included.
 */
const GSM_STAND_INS: [RegExp, string][] = [[/₸/g, 'KZT'], [/[\u00a0\u202f\u2009]/g, ' '], [/[“”«»]/g, '"'], [/[‘’]/g, "'"], [/[–—]/g, '-'], [/…/g, '...']];

/** The text as sent in GSM 03.38 with its stand-ins, or null when it still needs UCS-2. */
function gsmText(text: string): { text: string; units: number[][] } | null {
  const units = gsmUnits(text);
  if (units) return { text, units };
  const plain = GSM_STAND_INS.reduce((result, [pattern, replacement]) => result.replace(pattern, replacement), text);
  const plainUnits = gsmUnits(plain);
  return plainUnits ? { text: plain, units: plainUnits } : null;
}

/** What the phone shows: the text itself, or its GSM stand-ins when that is how it goes. */
export function textAsSent(text: string): string {
  return gsmText(text)?.text ?? text;
}

/** The text encoded and cut into segments: GSM 03.38 when it fits (with stand-ins), else UCS-2. */
export function encodeSms(text: string): EncodedSms {
  const gsm = gsmText(text)?.units ?? null;
  if (gsm) {
    const { single, concatenated } = SEGMENT_UNITS.gsm;
    return { dataCoding: DATA_CODING.gsm, segments: cut(gsm, single, concatenated).map((septets) => Buffer.from(septets)) };
  }
  const { single, concatenated } = SEGMENT_UNITS.ucs2;
  return {
    dataCoding: DATA_CODING.ucs2,
    segments: cut(ucs2Units(text), single, concatenated).map((units) => {
      const bytes = Buffer.alloc(units.length * 2);
      units.forEach((unit, index) => bytes.writeUInt16BE(unit, index * 2));
      return bytes;
    }),
  };
}

/**
 * Each segment's short_message with the 8-bit-reference concatenation header (IEI 0x00) when there
 * are several: `reference` is the same for all segments of a text, and for every retry of it.
 */
export function withConcatenationHeaders(segments: readonly Buffer[], reference: number): Buffer[] {
  if (segments.length === 1) return [...segments];
  if (segments.length > SEGMENTS_MAX || reference < 0 || reference > 255) throw new Error(`cannot concatenate ${segments.length} segments with reference ${reference}`);
  return segments.map((segment, index) => Buffer.concat([Buffer.from([0x05, 0x00, 0x03, reference, segments.length, index + 1]), segment]));
}

/** A GSM 03.38 short_message (one septet per octet) as text: receipts come in it. */
export function decodeGsm(septets: Buffer): string {
  let text = '';
  for (let index = 0; index < septets.length; index++) {
    const septet = septets[index]! & 0x7f;
    if (septet === GSM_ESCAPE && index + 1 < septets.length) {
      text += EXTENSION_CHARACTERS.get(septets[++index]! & 0x7f) ?? ' ';
      continue;
    }
    text += GSM_BASIC[septet] ?? ' ';
  }
  return text;
}

/** A short_message body as text by its data_coding (without a header). */
export function decodeShortMessage(dataCoding: number, bytes: Buffer): string {
  // A stray last octet of UCS-2 is no character: left out.
  if (dataCoding === DATA_CODING.ucs2) return Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2))).swap16().toString('utf16le');
  // 0x01 is IA5 (ASCII) and 0x03 Latin-1: both read as Latin-1; everything else as the default alphabet.
  if (dataCoding === 0x01 || dataCoding === DATA_CODING.latin1) return bytes.toString('latin1');
  return decodeGsm(bytes);
}
