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
  let lastRandom: Buffer = Buffer.alloc(10);
  return {
    next(prefix: string): string {
      let time = clock.now().getTime();
      if (time <= lastTime) {
        time = lastTime;
        incrementInPlace(lastRandom);
      } else {
        lastTime = time;
        lastRandom = random(10);
      }
      return `${prefix}_${encodeTime(time)}${encodeRandom(lastRandom)}`;
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
  let value = bytes[offset]! * 2 ** 32 + bytes.readUInt32BE(offset + 1);
  let out = '';
  for (let index = 0; index < 8; index++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
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
