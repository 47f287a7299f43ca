/**
 * The SMS worker's settings (docs/sms.md, "Settings"), read from the environment. Kept in this
 * file so that config.ts only names the group.
 */
import { integer, integerAtLeast, integerBetween, SettingError, type Env } from '../platform/env.ts';
import type { SmppEndpoint } from './smpp-client.ts';

export interface SmsSettings {
  /** The SMSC (SMPP_URL); null turns SMS off: the job reads and writes nothing. */
  smpp: SmppEndpoint | null;
  /** The sender shown on the phone (SMS_SOURCE_ADDR): letters make an alphanumeric sender, digits a number. */
  sourceAddr: string;
  /** Sends of one SMS before it is given up as failed (SMS_ATTEMPTS_MAX). */
  attemptsMax: number;
  /** Almaty hours in which reminders wait (SMS_QUIET_FROM to SMS_QUIET_TO; equal hours: none). */
  quietFromHour: number;
  quietToHour: number;
}

/** The ports of the smpp:// and ssmpp:// schemes when the URL names none (as SMSCs and the smpp npm package use). */
const DEFAULT_PORTS: Record<string, number> = { 'smpp:': 2775, 'ssmpp:': 3550 };
/** bind_transceiver's C-Octet String sizes less the NUL. */
const SYSTEM_ID_LENGTH_MAX = 15;
const PASSWORD_LENGTH_MAX = 8;
const SYSTEM_TYPE_LENGTH_MAX = 12;
/** An alphanumeric sender is at most 11 characters on the air; a number at most 15 digits (E.164). */
const ALPHANUMERIC_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 .\-_]{1,11}$/;
const NUMERIC_SENDER = /^\+?\d{3,15}$/;

export function loadSmsSettings(env: Env): SmsSettings {
  const settings: SmsSettings = {
    smpp: env.SMPP_URL ? parseSmppUrl(env.SMPP_URL) : null,
    sourceAddr: env.SMS_SOURCE_ADDR || 'Tolem',
    attemptsMax: integerAtLeast(env, 'SMS_ATTEMPTS_MAX', 5, 1),
    quietFromHour: integerBetween(env, 'SMS_QUIET_FROM', 22, 0, 23),
    quietToHour: integerBetween(env, 'SMS_QUIET_TO', 9, 0, 23),
  };
  if (!ALPHANUMERIC_SENDER.test(settings.sourceAddr) && !NUMERIC_SENDER.test(settings.sourceAddr)) {
    throw new SettingError(`setting SMS_SOURCE_ADDR must be up to 11 letters and digits or a number of up to 15 digits, got "${settings.sourceAddr}"`);
  }
  if (settings.attemptsMax < 1) throw new SettingError(`setting SMS_ATTEMPTS_MAX must be at least 1, got ${settings.attemptsMax}`);
  for (const [name, hour] of [['SMS_QUIET_FROM', settings.quietFromHour], ['SMS_QUIET_TO', settings.quietToHour]] as const) {
    if (hour > 23) throw new SettingError(`setting ${name} must be an hour from 0 to 23, got ${hour}`);
  }
  return settings;
}

/** `smpp://system_id:password@host:port?system_type=…`, or `ssmpp://` for TLS. */
function parseSmppUrl(raw: string): SmppEndpoint {
  const bad = (why: string) => new Error(`setting SMPP_URL ${why} (smpp://system_id:password@host:port or ssmpp://…)`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('is not a URL');
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  if (defaultPort === undefined) throw bad(`has scheme ${url.protocol}`);
  if (!url.hostname) throw bad('names no host');
  let systemId: string;
  let password: string;
  try {
    systemId = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw bad('has a system_id or password with a % that is not URL-encoding (write % as %25)');
  }
  const systemType = url.searchParams.get('system_type') ?? '';
  const printable = (value: string, max: number) => /^[\x20-\x7e]*$/.test(value) && value.length <= max;
  if (!systemId || !printable(systemId, SYSTEM_ID_LENGTH_MAX)) throw bad(`needs a system_id of 1 to ${SYSTEM_ID_LENGTH_MAX} printable characters`);
  if (!printable(password, PASSWORD_LENGTH_MAX)) throw bad(`has a password over ${PASSWORD_LENGTH_MAX} characters`);
  if (!printable(systemType, SYSTEM_TYPE_LENGTH_MAX)) throw bad(`has a system_type over ${SYSTEM_TYPE_LENGTH_MAX} characters`);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : defaultPort, tls: url.protocol === 'ssmpp:',
    systemId, password, systemType,
  };
}
