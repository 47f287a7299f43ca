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
  /**
   * The next id, made greater than each of `floors` too (ids of any prefix): a transfer's id is
   * greater than the transfers before it on its accounts even when another process, whose clock
   * runs ahead, wrote those. The generator's time moves past the greatest floor, as a hybrid
   * logical clock's does, and its later ids stay above it.
   */
  nextAfter(prefix: string, floors: readonly (string | null)[]): string;
}

export function createIdGenerator(clock: Clock, random: (size: number) => Buffer = randomBytes): IdGenerator {
  let lastTime = -1;
  let lastTimeText = '';
  let lastRandom: Buffer = Buffer.alloc(10);
  let lastBody = '';
  const next = (prefix: string): string => {
    const time = clock.now().getTime();
    if (time <= lastTime) {
      incrementInPlace(lastRandom);
    } else {
      lastTime = time;
      lastTimeText = encodeTime(time);
      lastRandom = random(10);
    }
    lastBody = lastTimeText + encodeRandom(lastRandom);
    return `${prefix}_${lastBody}`;
  };
  return {
    next,
    nextAfter(prefix: string, floors: readonly (string | null)[]): string {
      for (const floor of floors) {
        if (floor === null) continue;
        const body = floor.slice(-ID_BODY_LENGTH);
        if (body <= lastBody) continue;
        // A millisecond past the floor with fresh random bits: two processes passing the same floor do not meet.
        lastTime = decodeTime(body.slice(0, TIME_LENGTH)) + 1;
        lastTimeText = encodeTime(lastTime);
        lastRandom = random(10);
        lastBody = lastTimeText + encodeRandom(lastRandom);
      }
      return next(prefix);
    },
  };
}

const TIME_LENGTH = 10;
const ID_BODY_LENGTH = 26;

/** The millisecond time an id of ours carries (its first ten characters after the prefix), or null for text that is not one. */
export function timeOfId(id: string): number | null {
  const body = id.slice(-ID_BODY_LENGTH);
  if (body.length !== ID_BODY_LENGTH || !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(body)) return null;
  return decodeTime(body.slice(0, TIME_LENGTH));
}

function decodeTime(text: string): number {
  let time = 0;
  for (const char of text) time = time * 32 + ALPHABET.indexOf(char);
  return time;
}

/**
 * How far a transfer's id may be from the time it is dated with (`created_at`, its batch's time):
 * its id's time is taken when the command stages it, after the batch has read and locked what it
 * names, and is kept above the ids before it (of this process, of the accounts' latest transfers).
 * Milliseconds as a rule; the clocks of processes on one database are kept milliseconds apart
 * (docs/architecture.md).
 */
export const ID_TIME_MARGIN_MS = 15 * 60_000;

/** The smallest id of this prefix made at or after `ms`: ids sort by time, so a period's rows are an id range. */
export function idFloorAt(prefix: string, ms: number): string {
  return `${prefix}_${encodeTime(ms)}${'0'.repeat(16)}`;
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
