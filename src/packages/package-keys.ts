import type { Unit } from '../domain/ledger.ts';

/**
 * Names of a package's ledger state. Bucket accounts carry the line's id as prefix so that they
 * shard with the line. Counters hold what the writer must see under lock: how many periods a
 * package has had, when it ends (epoch ms), and until when a non-stacking kind is taken on a line.
 */
export const bucketAccountId = (lineId: string, packageId: string, period: bigint, unit: Unit) => `${lineId}.pkg.${packageId}.${period}.${unit}`;
export const packagePeriodKey = (packageId: string) => `package:${packageId}:periods`;
export const packageExpiresKey = (packageId: string) => `package:${packageId}:expires_ms`;
export const lineKindSlotKey = (lineId: string, kind: string) => `package-slot:${lineId}:${kind}`;
export const ALLOWANCE_UNITS = ['DATA_BYTES', 'VOICE_SECONDS', 'SMS'] as const satisfies readonly Unit[];
export type AllowanceUnit = (typeof ALLOWANCE_UNITS)[number];
