import { createHash, scrypt, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';

/** Passwords: scrypt from node:crypto, parameters stored with the hash so they can be raised later. */
const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 };

function scryptAsync(password: BinaryLike, salt: BinaryLike, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/**
 * A password is hashed in its NFC form (RFC 8265's OpaqueString): "é" or "й" typed as one
 * character on one keyboard and as a letter and a combining mark on another (macOS, some Kazakh
 * layouts) is the same password.
 */
export async function hashPassword(password: string, salt: Buffer): Promise<string> {
  const key = await scryptAsync(password.normalize('NFC'), salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  const normalized = password.normalize('NFC');
  if (timingSafeEqual(await scryptAsync(normalized, Buffer.from(salt, 'base64url'), expected.length, options), expected)) return true;
  // A hash made before passwords were normalized, of a text that was not NFC, is of the text as typed.
  return normalized !== password && timingSafeEqual(await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, options), expected);
}

/** Tokens and API keys are long random strings, so a fast hash is enough to store them. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
