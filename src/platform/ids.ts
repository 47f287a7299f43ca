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

function encodeRandom(bytes: Buffer): string {
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let out = '';
  for (let index = 0; index < 16; index++) {
    out = ALPHABET[Number(bits & 31n)] + out;
    bits >>= 5n;
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
