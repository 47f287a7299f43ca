import { DEFAULT_OPERATOR_PREFIXES } from './domain/msisdn.ts';
import { tenge } from './domain/money.ts';
import { loadPaymentSettings, type PaymentSettings } from './payments/payment-settings.ts';
import { loadRetentionSettings, type RetentionSettings } from './jobs/retention-settings.ts';
import { loadSmsSettings, type SmsSettings } from './sms/sms-settings.ts';
import { isIP } from 'node:net';
import { flag, integer, integerAtLeast, integerBetween, isOffWord, SettingError, type Env } from './platform/env.ts';

/**
 * Every setting and limit in one place, read from the environment (README.md, Configuration).
 * Amounts are minor units (bigint); names carry their unit last.
 */
export interface Settings {
  port: number;
  host: string;
  databaseUrl: string;
  logLevel: string;
  seedDemo: boolean;
  /** Serves POST /_bench/noop, the ceiling route of `npm run bench`. Off in production. */
  benchRoutes: boolean;
  /**
   * Fastify's trustProxy (TRUST_PROXY): the addresses/CIDRs of the proxies whose X-Forwarded-For
   * is believed. Off (false) by default: per-IP limits then use the socket address.
   */
  trustProxy: false | string;
  /** Runs the scheduled jobs in this process (JOBS_ENABLED); any number of processes may. */
  jobsEnabled: boolean;
  /** Secret for keyed hashes (ID documents, voucher PINs) and signed links. */
  secretKey: string;
  publicUrl: string;
  topup: {
    amountMin: bigint;
    amountMax: bigint;
    lineDailyMax: bigint;
    validityDays: number;
    /** Top-up bonus to the bonus balance: packages only, non-refundable, expires. */
    bonus: { thresholdMin: bigint; percent: bigint; validityDays: number };
  };
  ledger: {
    batchSizeMax: number;
    /** The most a batch weighs: a top-up weighs 1, a usage report its events. */
    batchWeightMax: number;
    queueLengthMax: number;
  };
  http: {
    bodyBytesMax: number;
    pageSizeMax: number;
    /** The most a request may take to arrive, headers and body; a slower one is answered 408 and closed. */
    requestTimeoutMs: number;
  };
  auth: {
    sessionTtlHours: number;
    loginAttemptsMax: number;
    loginWindowMinutes: number;
    passwordLengthMin: number;
    principalCacheTtlMs: number;
  };
  idempotency: { retentionHours: number };
  /** Signed webhooks to partners (docs/partners.md). */
  partnerWebhooks: { allowHttp: boolean; allowPrivate: boolean; attemptsMax: number; timeoutMs: number };
  /** Packages (docs/packages.md): how long after a failed auto-renewal a top-up can still revive it. */
  packages: { renewalRetryDays: number };
  /** Line lifecycle, promised payment, balance transfer, usage (docs/lifecycle-and-usage.md). */
  lifecycle: { graceDays: number; suspendedDays: number; quarantineDays: number; linesPerRunMax: number };
  credit: { amounts: bigint[]; feePercent: number; termDays: number; tenureDaysMin: number; recentTopupDays: number };
  /**
   * What the subscriber is told ahead of time (docs/lifecycle-and-usage.md, "Reminders"): days
   * before validity ends, hours before a package ends, and the main balance below which a charge
   * warns. 0 turns each off.
   */
  reminders: { validityDays: number; packageHours: number; balanceLowMinor: bigint; perRunMax: number };
  transfers: {
    amountMin: bigint; amountMax: bigint; fee: bigint; senderDailyMax: bigint; confirmationMinutes: number; confirmationAttemptsMax: number;
    /** Codes sent to one sending line an hour, and codes tried for it a day over all its confirmations: a stolen session cannot guess its way through. */
    codesPerHourMax: number; codeTriesPerDayMax: number;
  };
  usage: {
    paygPerMbMinor: bigint; paygPerMinuteMinor: bigint; paygPerSmsMinor: bigint; paygAllowed: boolean; eventsPerRequestMax: number; bodyBytesMax: number;
    /** How far after the server clock an event may be dated (the network elements' clocks drift); later ones are refused. */
    futureSkewSeconds: number;
    /**
     * How long after a bucket's end its unused units wait before the expiry job forfeits them, so
     * that an event from before the end reported late (mediation holds records for hours) still
     * draws on it; never less than the hour a renewal may carry them over.
     */
    lateEventHours: number;
  };
  /** Retail agents, stores and vouchers (docs/agents-stores-vouchers.md). */
  agents: {
    reversalWindowMinutes: number;
    /** Number look-ups (`GET /v1/pos/lookup`) per agent an hour: a shop's real customers, not an enumeration of owner names. */
    lookupsPerHourMax: number;
  };
  stores: { identificationValidMinutes: number };
  /** PIN attempts: pinAttemptsMax per line and per caller at one address, pinAttemptsPerAddressMax per address overall. */
  vouchers: { batchCountMax: number; pinAttemptsMax: number; pinAttemptsPerAddressMax: number; pinWindowMinutes: number };
  operatorPrefixes: Record<string, string>;
  /** Online payments (src/payments/payment-settings.ts). */
  payments: PaymentSettings;
  /** How long rows that are no record are kept (src/jobs/retention-settings.ts). */
  retention: RetentionSettings;
  /** The SMS worker: the SMSC, the sender, retries, quiet hours (src/sms/sms-settings.ts). */
  sms: SmsSettings;
}


/**
 * OPERATOR_PREFIXES: a JSON object from three-digit prefixes after +7 to operator names, e.g.
 * {"700":"Altel","701":"Kcell"}; anything else stops the start with a clear message.
 */
function operatorPrefixes(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw === '') return DEFAULT_OPERATOR_PREFIXES;
  const problem = `setting OPERATOR_PREFIXES must be a JSON object of three-digit prefixes to operator names, like {"701":"Kcell"}, got ${JSON.stringify(raw.slice(0, 80))}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SettingError(problem);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SettingError(problem);
  for (const [prefix, name] of Object.entries(parsed)) {
    if (!/^7\d{2}$/.test(prefix) || typeof name !== 'string' || name.trim() === '') throw new SettingError(problem);
  }
  return parsed as Record<string, string>;
}

export function loadSettings(env: Env = process.env, overrides: Partial<Settings> = {}): Settings {
  const settings: Settings = {
    port: port(env),
    // Empty is unset, as for every other setting (an empty HOST would listen on every interface).
    host: env.HOST?.trim() || '127.0.0.1',
    databaseUrl: databaseUrl(env.DATABASE_URL),
    logLevel: logLevel(env.LOG_LEVEL),
    // Demo data holds funded lines and a printed admin login: never by default on a deployment.
    seedDemo: flag(env, 'TOLEM_SEED_DEMO', !isProduction(env)),
    benchRoutes: flag(env, 'TOLEM_BENCH_ROUTES', false),
    jobsEnabled: flag(env, 'JOBS_ENABLED', true),
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    secretKey: env.TOLEM_SECRET_KEY || DEV_SECRET_KEY,
    publicUrl: publicUrl(env),
    topup: {
      amountMin: tenge(integerAtLeast(env, 'TOPUP_AMOUNT_MIN_KZT', 500, 1)),
      amountMax: tenge(integer(env, 'TOPUP_AMOUNT_MAX_KZT', 100_000)),
      lineDailyMax: tenge(integer(env, 'TOPUP_LINE_DAILY_MAX_KZT', 300_000)),
      validityDays: integerAtLeast(env, 'TOPUP_VALIDITY_DAYS', 30, 1),
      bonus: {
        thresholdMin: tenge(integer(env, 'TOPUP_BONUS_MIN_KZT', 5_000)),
        percent: BigInt(integerBetween(env, 'TOPUP_BONUS_PERCENT', 10, 0, 100)),
        validityDays: integerAtLeast(env, 'TOPUP_BONUS_VALIDITY_DAYS', 30, 1),
      },
    },
    ledger: {
      batchSizeMax: integerAtLeast(env, 'LEDGER_BATCH_SIZE_MAX', 256, 1),
      batchWeightMax: integerAtLeast(env, 'LEDGER_BATCH_WEIGHT_MAX', 4_000, 1),
      queueLengthMax: integerAtLeast(env, 'LEDGER_QUEUE_LENGTH_MAX', 10_000, 1),
    },
    http: {
      bodyBytesMax: integerAtLeast(env, 'HTTP_BODY_BYTES_MAX', 64 * 1024, 1),
      pageSizeMax: 100,
      requestTimeoutMs: integer(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000),
    },
    auth: {
      sessionTtlHours: integerAtLeast(env, 'SESSION_TTL_HOURS', 24 * 14, 1),
      loginAttemptsMax: integerAtLeast(env, 'LOGIN_ATTEMPTS_MAX', 5, 1),
      loginWindowMinutes: integerAtLeast(env, 'LOGIN_WINDOW_MINUTES', 15, 1),
      passwordLengthMin: 8,
      principalCacheTtlMs: integer(env, 'AUTH_CACHE_TTL_MS', 5_000),
    },
    idempotency: { retentionHours: integerAtLeast(env, 'IDEMPOTENCY_RETENTION_HOURS', 48, 24) },
    partnerWebhooks: {
      allowHttp: flag(env, 'PARTNER_WEBHOOK_ALLOW_HTTP', false),
      // Webhooks to this machine or private networks (src/partners/public-address.ts): development only.
      allowPrivate: flag(env, 'PARTNER_WEBHOOK_ALLOW_PRIVATE', false),
      attemptsMax: integerAtLeast(env, 'PARTNER_WEBHOOK_ATTEMPTS_MAX', 8, 1),
      timeoutMs: integerAtLeast(env, 'PARTNER_WEBHOOK_TIMEOUT_MS', 5_000, 1),
    },
    packages: { renewalRetryDays: integerAtLeast(env, 'PACKAGE_RENEWAL_RETRY_DAYS', 7, 1) },
    lifecycle: {
      graceDays: integer(env, 'LIFECYCLE_GRACE_DAYS', 30), suspendedDays: integer(env, 'LIFECYCLE_SUSPENDED_DAYS', 60),
      quarantineDays: integer(env, 'LIFECYCLE_QUARANTINE_DAYS', 180), linesPerRunMax: integerAtLeast(env, 'LIFECYCLE_LINES_PER_RUN_MAX', 1_000, 1),
    },
    credit: {
      amounts: creditAmounts(env.CREDIT_AMOUNTS_KZT), feePercent: integerBetween(env, 'CREDIT_FEE_PERCENT', 10, 0, 100),
      termDays: integerAtLeast(env, 'CREDIT_TERM_DAYS', 3, 1), tenureDaysMin: integer(env, 'CREDIT_TENURE_DAYS_MIN', 30), recentTopupDays: integer(env, 'CREDIT_RECENT_TOPUP_DAYS', 30),
    },
    reminders: {
      validityDays: integer(env, 'REMINDER_VALIDITY_DAYS', 3), packageHours: integer(env, 'REMINDER_PACKAGE_HOURS', 24),
      balanceLowMinor: tenge(integer(env, 'BALANCE_LOW_KZT', 300)), perRunMax: integerAtLeast(env, 'REMINDERS_PER_RUN_MAX', 1_000, 1),
    },
    transfers: {
      amountMin: tenge(integer(env, 'TRANSFER_AMOUNT_MIN_KZT', 100)), amountMax: tenge(integer(env, 'TRANSFER_AMOUNT_MAX_KZT', 20_000)),
      fee: tenge(integer(env, 'TRANSFER_FEE_KZT', 20)), senderDailyMax: tenge(integer(env, 'TRANSFER_SENDER_DAILY_MAX_KZT', 50_000)),
      confirmationMinutes: integerAtLeast(env, 'TRANSFER_CONFIRMATION_MINUTES', 5, 1), confirmationAttemptsMax: integerAtLeast(env, 'TRANSFER_CONFIRMATION_ATTEMPTS_MAX', 3, 1),
      codesPerHourMax: integerAtLeast(env, 'TRANSFER_CODES_PER_HOUR_MAX', 5, 1), codeTriesPerDayMax: integerAtLeast(env, 'TRANSFER_CODE_TRIES_PER_DAY_MAX', 10, 1),
    },
    usage: {
      paygPerMbMinor: BigInt(integer(env, 'USAGE_PAYG_PER_MB_MINOR', 1_000)), paygPerMinuteMinor: BigInt(integer(env, 'USAGE_PAYG_PER_MINUTE_MINOR', 1_500)),
      paygPerSmsMinor: BigInt(integer(env, 'USAGE_PAYG_PER_SMS_MINOR', 500)), paygAllowed: flag(env, 'USAGE_PAYG_ALLOWED', true),
      eventsPerRequestMax: 1_000, bodyBytesMax: integerAtLeast(env, 'USAGE_BODY_BYTES_MAX', 512 * 1024, 1),
      // At most a day: a clock further ahead is broken, and a larger skew would let next year's events be charged again.
      futureSkewSeconds: integerBetween(env, 'USAGE_FUTURE_SKEW_SECONDS', 300, 0, 86_400),
      lateEventHours: integerBetween(env, 'USAGE_LATE_EVENT_HOURS', 24, 0, 168),
    },
    agents: { reversalWindowMinutes: integer(env, 'AGENT_REVERSAL_WINDOW_MINUTES', 15), lookupsPerHourMax: integerAtLeast(env, 'AGENT_LOOKUPS_PER_HOUR_MAX', 600, 1) },
    stores: { identificationValidMinutes: integerAtLeast(env, 'STORE_IDENTIFICATION_VALID_MINUTES', 60, 1) },
    vouchers: {
      // At most what POST /v1/admin/voucher-batches takes (its schema's count): above, the route refused what the setting allowed.
      batchCountMax: integerBetween(env, 'VOUCHER_BATCH_COUNT_MAX', 10_000, 1, 100_000),
      // 0 would refuse every redemption (attempts) or turn the lock off (window): at least 1 each.
      pinAttemptsMax: integerAtLeast(env, 'VOUCHER_PIN_ATTEMPTS_MAX', 5, 1),
      // Many subscribers share one address (carrier NAT, hotel Wi-Fi): far more than one caller's.
      pinAttemptsPerAddressMax: integerAtLeast(env, 'VOUCHER_PIN_ATTEMPTS_PER_ADDRESS_MAX', 100, 1),
      pinWindowMinutes: integerAtLeast(env, 'VOUCHER_PIN_WINDOW_MINUTES', 60, 1),
    },
    operatorPrefixes: operatorPrefixes(env.OPERATOR_PREFIXES),
    payments: loadPaymentSettings(env),
    retention: loadRetentionSettings(env),
    sms: loadSmsSettings(env),
  };
  if (settings.topup.amountMin > settings.topup.amountMax) {
    throw new SettingError(`setting TOPUP_AMOUNT_MIN_KZT must not be above TOPUP_AMOUNT_MAX_KZT (${settings.topup.amountMin / 100n} > ${settings.topup.amountMax / 100n})`);
  }
  // A daily limit below the smallest amount, or a minimum above the maximum, refuses every top-up or transfer.
  if (settings.topup.lineDailyMax < settings.topup.amountMin) {
    throw new SettingError(`setting TOPUP_LINE_DAILY_MAX_KZT must not be below TOPUP_AMOUNT_MIN_KZT (${settings.topup.lineDailyMax / 100n} < ${settings.topup.amountMin / 100n}): no top-up would be taken`);
  }
  if (settings.transfers.amountMin > settings.transfers.amountMax) {
    throw new SettingError(`setting TRANSFER_AMOUNT_MIN_KZT must not be above TRANSFER_AMOUNT_MAX_KZT (${settings.transfers.amountMin / 100n} > ${settings.transfers.amountMax / 100n})`);
  }
  if (settings.transfers.senderDailyMax < settings.transfers.amountMin) {
    throw new SettingError(`setting TRANSFER_SENDER_DAILY_MAX_KZT must not be below TRANSFER_AMOUNT_MIN_KZT (${settings.transfers.senderDailyMax / 100n} < ${settings.transfers.amountMin / 100n}): no transfer would be taken`);
  }
  if (settings.ledger.queueLengthMax < settings.ledger.batchSizeMax) {
    throw new SettingError(`setting LEDGER_QUEUE_LENGTH_MAX must not be below LEDGER_BATCH_SIZE_MAX (${settings.ledger.queueLengthMax} < ${settings.ledger.batchSizeMax})`);
  }
  checkProductionSecrets(env, settings.payments.providers);
  return { ...settings, ...overrides };
}

const DEV_SECRET_KEY = 'dev-only-secret-change-me';
const SECRET_KEY_LENGTH_MIN = 32;

/** A deployment for real: NODE_ENV=production, or a public https address (spaces or a CR around either are a CRLF env file's). */
function isProduction(env: Env): boolean {
  return env.NODE_ENV?.trim() === 'production' || /^https:/i.test(env.PUBLIC_URL?.trim() ?? '');
}

/**
 * What `npm start` may default to and a deployment may not: the secret every client secret,
 * receipt link and PIN hash is keyed with (public in this repository), and the sandbox, whose
 * test cards top lines up for nothing and whose webhook secret is public too.
 */
function checkProductionSecrets(env: Env, providers: string[]): void {
  const key = env.TOLEM_SECRET_KEY || undefined;
  if (key !== undefined && (key.length < SECRET_KEY_LENGTH_MIN || key === DEV_SECRET_KEY)) {
    throw new SettingError(`setting TOLEM_SECRET_KEY must be ${SECRET_KEY_LENGTH_MIN} or more random characters (openssl rand -base64 48)`);
  }
  if (!isProduction(env)) return;
  if (key === undefined) throw new SettingError('setting TOLEM_SECRET_KEY must be set in production (NODE_ENV=production or an https PUBLIC_URL): 32 or more random characters (openssl rand -base64 48)');
  if (providers.includes('sandbox')) {
    if (!flag(env, 'PAYMENT_SANDBOX_ALLOWED', false)) {
      throw new SettingError('setting PAYMENT_PROVIDERS enables the sandbox in production, whose test cards top up for nothing: name the real providers (PAYMENT_PROVIDERS=stripe,…), or set PAYMENT_SANDBOX_ALLOWED=true on a staging deployment');
    }
    if (!env.SANDBOX_WEBHOOK_SECRET) throw new SettingError('setting SANDBOX_WEBHOOK_SECRET must be set when the sandbox runs in production: its default is public');
  }
}

/** The development defaults in use, for a warning at start (none on a configured deployment). */
export function developmentDefaultsIn(env: Env, providers: string[]): string[] {
  return [
    ...(!env.TOLEM_SECRET_KEY ? ['TOLEM_SECRET_KEY (public default)'] : []),
    ...(providers.includes('sandbox') ? [`the sandbox payment provider${env.SANDBOX_WEBHOOK_SECRET ? '' : ' with its public webhook secret'}`] : []),
  ];
}

const PORT_MAX = 65_535;

function port(env: Env): number {
  const value = integer(env, 'PORT', 3000);
  if (value > PORT_MAX) throw new SettingError(`setting PORT must be a port number from 0 to ${PORT_MAX}, got ${value}`);
  return value;
}

function publicUrl(env: Env): string {
  // Spaces or a CR around (a CRLF env file) are the file's: kept, every link was made with them.
  const raw = env.PUBLIC_URL?.trim();
  if (raw === undefined || raw === '') return `http://localhost:${port(env)}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new SettingError(`setting PUBLIC_URL must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SettingError(`setting PUBLIC_URL must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  // Links are made as PUBLIC_URL + '/path': with a trailing slash (https://pay.example.kz/) the
  // payers' return address and the sandbox checkout were '//…', which no route serves (404).
  return raw.replace(/\/+$/, '');
}

function databaseUrl(raw: string | undefined): string {
  if (raw === undefined || raw === '') return 'sqlite:./data/tolem.db';
  if (/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(raw)) return raw;
  // Only the scheme: a postgres URL may hold a password.
  throw new SettingError(`setting DATABASE_URL must be sqlite:<path> or postgres://…, got ${JSON.stringify(raw.split(':')[0]!.slice(0, 20) + ':…')}`);
}

/** pino's levels (LOG_LEVEL); pino itself throws a stack trace at any other. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(raw: string | undefined): string {
  if (raw === undefined || raw === '') return 'info';
  if (!LOG_LEVELS.includes(raw)) throw new SettingError(`setting LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw;
}

/** CREDIT_AMOUNTS_KZT: whole tenge, comma-separated, e.g. 500,1000. */
function creditAmounts(raw: string | undefined): bigint[] {
  if (raw === undefined || raw === '') return [tenge(500), tenge(1_000)];
  const parts = raw.split(',').map((part) => part.trim());
  if (!parts.every((part) => /^[1-9]\d{0,9}$/.test(part))) {
    throw new SettingError(`setting CREDIT_AMOUNTS_KZT must be whole tenge amounts separated by commas, like 500,1000, got ${JSON.stringify(raw)}`);
  }
  return parts.map((part) => tenge(Number(part)));
}

function parseTrustProxy(raw: string | undefined): false | string {
  if (raw === undefined || raw.trim() === '' || isOffWord(raw)) return false;
  // `true` would take the first X-Forwarded-For address, which any client writes: per-IP limits and
  // aggregators' IP allowlists would believe it. The proxies are named, or counted, instead.
  if (raw === 'true') throw new SettingError('setting TRUST_PROXY must not be true, which would believe any client\'s X-Forwarded-For (IP allowlists, per-IP limits): give the addresses or CIDRs of the proxies in front');
  // A hop count cannot tell a proxy from a client that writes the header itself: Fastify 5 trusts
  // no proxy for one (it fails closed), so TRUST_PROXY=1 left every request at the proxy's address.
  if (/^\d+$/.test(raw)) throw new SettingError(`setting TRUST_PROXY must name the proxies in front by address or CIDR (10.0.0.0/8,loopback), not count them: got ${raw}`);
  // Addresses or CIDRs, comma-separated, or proxy-addr's names; anything else made Fastify throw at start.
  for (const entry of raw.split(',').map((part) => part.trim())) {
    if (!isTrustedProxyEntry(entry)) {
      throw new SettingError(`setting TRUST_PROXY must be the proxies' addresses or CIDRs separated by commas (or loopback, linklocal, uniquelocal), got ${JSON.stringify(entry)}`);
    }
  }
  return raw;
}

function isTrustedProxyEntry(entry: string): boolean {
  if (entry === 'loopback' || entry === 'linklocal' || entry === 'uniquelocal') return true;
  const [address, bits, extra] = entry.split('/');
  if (extra !== undefined || address === undefined) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (bits === undefined) return true;
  if (/^\d{1,3}$/.test(bits)) return Number(bits) <= (version === 4 ? 32 : 128);
  // proxy-addr also takes a netmask: 10.0.0.0/255.0.0.0.
  return version === 4 && isIP(bits) === 4;
}

