import type { Unit } from '../domain/ledger.ts';

/**
 * Names of a package's ledger state. Bucket accounts are named after the package (a time-ordered
 * id), not the line: a new bucket's entries in the account id index and in the transfers' credit
 * index then land on the last pages, which the batch's other new buckets share, where a
 * `<lineId>.` prefix put each on a random page of its own (SQLite, side by side: ~73 → ~51 KB of
 * disk per purchase, purchases/s +13 %). The owner is `owner_id` (indexed with the kind), which is
 * also the key to shard a line's accounts by. Buckets issued before keep their
 * `<lineId>.pkg.<packageId>.<period>.<unit>` names; nothing reads meaning into an account id.
 * Counters hold what the writer must see under lock: how many periods a package has had, when it
 * ends (epoch ms), and until when a non-stacking kind is taken on a line.
 */
export const bucketAccountId = (packageId: string, period: bigint, unit: Unit) => `${packageId}.${period}.${unit}`;
export const packagePeriodKey = (packageId: string) => `package:${packageId}:periods`;
export const packageExpiresKey = (packageId: string) => `package:${packageId}:expires_ms`;
/** When the current run of a monthly package's periods (end to end) began: its day of the month is kept (periodEnd). */
export const packageRunStartKey = (packageId: string) => `package:${packageId}:run_start_ms`;
export const lineKindSlotKey = (lineId: string, kind: string) => `package-slot:${lineId}:${kind}`;
/**
 * 1 while the subscriber has turned a package's auto-renewal off (PATCH), else 0: the automatic
 * renewal reads it under lock, so that one the job planned before the PATCH is not charged after it.
 */
export const packageAutoRenewOffKey = (packageId: string) => `package:${packageId}:auto_renew_off`;
/**
 * How long after a pack's end its automatic renewal still carries the unused units over, as an
 * early manual renewal does (the renewal job runs every 10 seconds; a renewal retried days later,
 * after a top-up, carries nothing). The bucket-expiry job leaves ended buckets alone for as long,
 * so that it never forfeits units the renewal could still carry: units past their end are not
 * consumable either way, only their booking waits.
 */
export const ROLLOVER_GRACE_MS = 60 * 60_000;

export const ALLOWANCE_UNITS = ['DATA_BYTES', 'VOICE_SECONDS', 'SMS'] as const satisfies readonly Unit[];
export type AllowanceUnit = (typeof ALLOWANCE_UNITS)[number];
