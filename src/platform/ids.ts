import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32, as ULID

/**
 * ULID-style ids: 48-bit millisecond time + 80 random bits, Crockford base32, monotonic within
 * a process. Sorting ids sorts by creation time, which is what cursor pagination relies on.
 * Prefixes name the resource (`ln_`, `tu_`, `tr_`), as Stripe does.
 */
export interface IdGenerator {
  next(prefix: string): string;
}

export function createIdGenerator(clock: Clock, random: (size: number) => Buffer = randomBytes): IdGenerator {
  let lastTime = -1;
  let lastTimeText = '';
  let lastRandom: Buffer = Buffer.alloc(10);
  return {
    next(prefix: string): string {
      const time = clock.now().getTime();
      if (time <= lastTime) {
        incrementInPlace(lastRandom);
      } else {
        lastTime = time;
        lastTimeText = encodeTime(time);
        lastRandom = random(10);
      }
      return `${prefix}_${lastTimeText}${encodeRandom(lastRandom)}`;
    },
  };
}

function encodeTime(time: number): string {
  let out = '';
  for (let index = 0; index < 10; index++) {
    out = ALPHABET[time % 32] + out;
    time = Math.floor(time / 32);
  }
  return out;
}

/** 80 bits as 16 characters, in two 40-bit halves (40 is a multiple of 5, so the halves join exactly). */
function encodeRandom(bytes: Buffer): string {
  return encode40(bytes, 0) + encode40(bytes, 5);
}

function encode40(bytes: Buffer, offset: number): string {
  // 40 bits as eight 5-bit digits, most significant first: the top 8 bits, then a 32-bit word.
  const high = bytes[offset]!;
  const low = bytes.readUInt32BE(offset + 1);
  return ALPHABET[high >>> 3]! + ALPHABET[((high & 7) << 2) | (low >>> 30)]! + ALPHABET[(low >>> 25) & 31]! + ALPHABET[(low >>> 20) & 31]!
    + ALPHABET[(low >>> 15) & 31]! + ALPHABET[(low >>> 10) & 31]! + ALPHABET[(low >>> 5) & 31]! + ALPHABET[low & 31]!;
}

function incrementInPlace(bytes: Buffer): void {
  for (let index = bytes.length - 1; index >= 0; index--) {
    const value = bytes[index]!;
    if (value < 255) {
      bytes[index] = value + 1;
      return;
    }
    bytes[index] = 0;
  }
}
