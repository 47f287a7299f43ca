import type { AppContext } from '../app-context.ts';
import { addressKeyOf } from '../auth/address-key.ts';
import { countAttemptsWithin, uncountAttempt } from '../auth/auth-repository.ts';

export interface PinAttempt {
  actorId: string;
  lineId: string;
  /** The caller's address; absent for the USSD gateway, which relays many subscribers from one. */
  ip?: string;
}

/**
 * Counts one redemption attempt before its PIN is looked at, so that guesses sent all at once get
 * no more checks than the limits; answers the keys counted, or null when a limit refuses it.
 * The caller at its address first, so that one guesser's refused attempts count nowhere else and
 * cannot lock out the others behind that address; then the address, far above one caller's limit,
 * since many subscribers share one (carrier NAT, hotel Wi-Fi), against many callers guessing from
 * one place; the line last, so that an attempt refused by the caller's or the address's limit is
 * not counted against the line it named. A refused attempt checks no PIN, so it is given back
 * where it was counted.
 */
export async function countPinAttempt(ctx: AppContext, attempt: PinAttempt): Promise<string[] | null> {
  const { pinAttemptsMax, pinAttemptsPerAddressMax, pinWindowMinutes } = ctx.settings.vouchers;
  // An IPv6 caller is counted by its /64, every address of which it may send from (addressKeyOf).
  const address = attempt.ip === undefined ? undefined : addressKeyOf(attempt.ip);
  const limits: [key: string, max: number][] = [
    ...(address ? [[`voucher-pin:actor-ip:${attempt.actorId}:${address}`, pinAttemptsMax], [`voucher-pin:ip:${address}`, pinAttemptsPerAddressMax]] as [string, number][] : []),
    [`voucher-pin:line:${attempt.lineId}`, pinAttemptsMax],
  ];
  return countAttemptsWithin(ctx, limits, pinWindowMinutes);
}

/** Gives the attempt back when its PIN was right: it was no guess. */
export async function uncountPinAttempt(ctx: AppContext, keys: readonly string[]): Promise<void> {
  for (const key of keys) await uncountAttempt(ctx, key);
}
