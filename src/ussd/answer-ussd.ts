import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { BYTES_PER_GB, BYTES_PER_MB } from '../catalog/offering.ts';
import { almatyDayIn, displayLanguageOf, type DisplayLanguage } from '../domain/local-time.ts';
import { formatTenge } from '../domain/money.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { isBarred } from '../lifecycle/lifecycle-rules.ts';
import { findLineByMsisdn, type LineRow } from '../lines/lines-repository.ts';
import { statusAt } from '../lifecycle/lifecycle-rules.ts';
import { spendableBalancesOf } from '../lines/spendable-balances.ts';
import { packageViewsOf } from '../packages/list-line-packages.ts';
import { redeemUssd } from '../vouchers/redeem-ussd.ts';
import { parseUssdVoucher, USSD_VOUCHER_SERVICE } from '../vouchers/voucher-pin.ts';
import { isUssdGateway } from './ussd-gateway.ts';

/** The short codes a subscriber dials; the USSD gateway forwards the string as dialled. */
export const USSD_BALANCE = '*102#';
export const USSD_ALLOWANCES = '*104#';

type Key = 'balance' | 'validUntil' | 'grace' | 'suspended' | 'barred' | 'left' | 'until' | 'none' | 'help' | 'terminated' | 'notServed' | 'gb' | 'mb' | 'min' | 'sms' | 'separator' | 'nothingLeft' | 'messengers' | 'social' | 'roaming';

/**
 * What the phone's screen shows, in the line's language. A USSD answer in UCS-2 (Cyrillic,
 * Chinese, the tenge sign) holds 80 characters: every answer fits that at its longest (a
 * seven-digit balance and bonus, the longest date), as the test measures. A line in grace or
 * suspended says what to do instead of a validity date that has passed.
 */
export const USSD_SCREEN_CHARACTERS_MAX = 80;

const TEXT: Record<DisplayLanguage, Record<Key, string>> = {
  en: {
    balance: 'Balance {main}, bonus {bonus}.', validUntil: ' Valid until {date}.', grace: ' Incoming calls only: top up.', suspended: ' Suspended: top up.', barred: ' Blocked by operator: call support.',
    left: 'Left: {list}.', until: ' Until {date}.', none: 'You have no active packages.', terminated: 'This number is closed.', notServed: 'This number is not served here.',
    help: 'Dial *102# balance, *104# packages left, *111*PIN# voucher top-up.',
    gb: '{count} GB', mb: '{count} MB', min: '{count} min', sms: '{count} SMS', separator: ', ',
    nothingLeft: 'Nothing is left in your packages.', messengers: 'messengers unlimited', social: 'social networks unlimited', roaming: 'EAEU roaming',
  },
  ru: {
    balance: 'Баланс {main}, бонус {bonus}.', validUntil: ' Действует до {date}.', grace: ' Только входящие: пополните баланс.', suspended: ' Номер приостановлен: пополните.', barred: ' Заблокирован: звоните в поддержку.',
    left: 'Осталось: {list}.', until: ' До {date}.', none: 'У вас нет активных пакетов.', terminated: 'Этот номер закрыт.', notServed: 'Этот номер здесь не обслуживается.',
    help: 'Наберите *102# — баланс, *104# — остатки пакетов, *111*PIN# — карта оплаты.',
    gb: '{count} ГБ', mb: '{count} МБ', min: '{count} мин', sms: '{count} SMS', separator: ', ',
    nothingLeft: 'В ваших пакетах ничего не осталось.', messengers: 'мессенджеры без лимита', social: 'соцсети без лимита', roaming: 'роуминг в ЕАЭС',
  },
  kk: {
    balance: 'Баланс {main}, бонус {bonus}.', validUntil: ' {date} дейін жарамды.', grace: ' Тек кіріс қоңыраулар: толықтырыңыз.', suspended: ' Нөмір тоқтатылған: толықтырыңыз.', barred: ' Бұғатталған: қолдауға хабарласыңыз.',
    left: 'Қалды: {list}.', until: ' {date} дейін.', none: 'Белсенді пакетіңіз жоқ.', terminated: 'Бұл нөмір жабылған.', notServed: 'Бұл нөмірге мұнда қызмет көрсетілмейді.',
    help: '*102# — баланс, *104# — пакет қалдығы, *111*PIN# — төлем картасы.',
    gb: '{count} ГБ', mb: '{count} МБ', min: '{count} мин', sms: '{count} SMS', separator: ', ',
    nothingLeft: 'Пакеттеріңізде ештеңе қалмады.', messengers: 'мессенджерлер шексіз', social: 'әлеуметтік желілер шексіз', roaming: 'ЕАЭО роумингі',
  },
  zh: {
    balance: '余额 {main}，奖励余额 {bonus}。', validUntil: '有效期至{date}。', grace: '仅可接听来电：请充值。', suspended: '号码已停机：请充值。', barred: '号码已被运营商停机：请联系客服。',
    left: '剩余：{list}。', until: '有效期至{date}。', none: '您没有有效的套餐。', terminated: '此号码已销号。', notServed: '本网不为此号码提供服务。',
    help: '拨 *102# 查余额，*104# 查套餐剩余，*111*密码# 用充值卡充值。',
    gb: '{count} GB', mb: '{count} MB', min: '{count}分钟', sms: '{count}条短信', separator: '、',
    nothingLeft: '您的套餐已全部用完。', messengers: '即时通讯不限量', social: '社交网络不限量', roaming: '欧亚经济联盟漫游',
  },
};

const LOCALES: Record<DisplayLanguage, string> = { en: 'en-GB', ru: 'ru-RU', kk: 'kk-KZ', zh: 'zh-CN' };

/** The text for the phone, with the figures it was made from beside it. */
export interface UssdAnswer {
  message: string;
}

interface BalanceAnswer extends UssdAnswer {
  balance: { main: number; bonus: number };
  currency: 'KZT';
  status: string;
  validUntil: string | null;
}

interface AllowancesAnswer extends UssdAnswer {
  allowances: { unit: string; remaining: number }[];
}

/**
 * The USSD gateway (role partner, or admin) forwards what a subscriber dialled: `*102#` answers
 * the balance and validity, `*104#` what is left of the line's packages, `*111*PIN#` redeems a
 * voucher (redeem-ussd.ts). Anything else (a PIN of the wrong length too) is `ussd_input_invalid`
 * with the menu as its message. Every text is in the line's language; a number Tolem has no line
 * for hears, in English, that it is not served here. `ip` is the caller's address: PIN attempts
 * are limited per address too, except from the USSD gateway (ussd-gateway.ts).
 */
export async function answerUssd(ctx: AppContext, actor: Actor, input: { msisdn: string; input: string; ip?: string }): Promise<Result<UssdAnswer>> {
  const denied = requireRole(actor, ['partner', 'admin']);
  if (denied) return denied as Result<never>;
  const msisdn = parseMsisdn(input.msisdn);
  if (!msisdn.ok) return msisdn;
  const line = await findLineByMsisdn(ctx, msisdn.value);
  if (!line) return fail('line_not_found', undefined, ussdNotServedText(displayLanguageOf(undefined)));
  const language = displayLanguageOf(line.language);
  if (line.status === 'terminated') return fail('line_terminated', undefined, TEXT[language].terminated);
  const dialled = input.input.replace(/\s/g, '');
  if (dialled === USSD_BALANCE) return ok(await balanceAnswer(ctx, line, language));
  if (dialled === USSD_ALLOWANCES) return ok(await allowancesAnswer(ctx, line, language));
  const pin = parseUssdVoucher(dialled);
  if (pin !== null) return redeemUssd(ctx, actor, { msisdn: msisdn.value, pin, language, ip: isUssdGateway(actor) ? undefined : input.ip });
  return fail('ussd_input_invalid', { codes: [USSD_BALANCE, USSD_ALLOWANCES, `*${USSD_VOUCHER_SERVICE}*PIN#`] }, ussdMenuText(language));
}

async function balanceAnswer(ctx: AppContext, line: LineRow, language: DisplayLanguage): Promise<BalanceAnswer> {
  const { main, bonus } = (await spendableBalancesOf(ctx, [line.id])).get(line.id)!;
  const barred = isBarred({ barredAt: line.barred_at, statusChangedAt: line.status_changed_at });
  // An active line whose validity has ended is in grace, though the lifecycle job has not run yet.
  const status = statusAt(line.status, line.valid_until, ctx.clock.now().toISOString());
  const message = balanceText(language, { main, bonus, status, validUntil: line.valid_until, barred });
  return { message, balance: { main: Number(main), bonus: Number(bonus) }, currency: 'KZT', status, validUntil: line.valid_until };
}

async function allowancesAnswer(ctx: AppContext, line: LineRow, language: DisplayLanguage): Promise<AllowancesAnswer> {
  // One total per unit across the line's packages, and the earliest end among what is left.
  const totals = new Map<string, number>();
  let earliest: string | null = null;
  const packs = await packageViewsOf(ctx, line, {});
  // A feature (unlimited messengers or social networks, EAEU roaming) has no bucket: it is named, with its pack's end.
  const unlimited = packs.filter((pack) => pack.status === 'active' && pack.features.length > 0);
  for (const pack of unlimited) if (earliest === null || pack.expiresAt < earliest) earliest = pack.expiresAt;
  for (const pack of packs) {
    for (const allowance of pack.allowances) {
      if (allowance.remaining <= 0) continue;
      totals.set(allowance.unit, (totals.get(allowance.unit) ?? 0) + allowance.remaining);
      for (const bucket of allowance.buckets) if (bucket.remaining > 0 && (earliest === null || bucket.expiresAt < earliest)) earliest = bucket.expiresAt;
    }
  }
  // Always data, minutes, SMS: not in the order the packs happen to list them.
  const allowances = [...totals].map(([unit, remaining]) => ({ unit, remaining })).sort((a, b) => unitRank(a.unit) - unitRank(b.unit));
  return { message: allowancesText(language, allowances, earliest, { packages: packs.filter((pack) => pack.status === 'active').length, features: [...new Set(unlimited.flatMap((pack) => pack.features))] }), allowances };
}

/** The menu, the answer to a code it does not know. */
export function ussdMenuText(language: DisplayLanguage): string {
  return TEXT[language].help;
}

/** The answer to a number Tolem has no line for. */
export function ussdNotServedText(language: DisplayLanguage): string {
  return TEXT[language].notServed;
}

/**
 * `*102#`'s text: balance and bonus, then the validity end, or what to do in grace or suspended. A line
 * the operator suspended (barred) is not restored by a top-up: it is told to call support, as its SMS says.
 */
export function balanceText(language: DisplayLanguage, line: { main: bigint; bonus: bigint; status: string; validUntil: string | null; barred?: boolean }): string {
  const text = TEXT[language];
  const message = text.balance.replace('{main}', formatTenge(line.main, language)).replace('{bonus}', formatTenge(line.bonus, language));
  if (line.status === 'grace') return message + text.grace;
  if (line.status === 'suspended') return message + (line.barred ? text.barred : text.suspended);
  return line.validUntil ? message + text.validUntil.replace('{date}', almatyDayIn(language, line.validUntil)) : message;
}

/** `*104#`'s text: each unit's total (data in GB from 1 GB, else MB, at least 1; whole minutes, at least 1) and the earliest end. */
export function allowancesText(language: DisplayLanguage, allowances: readonly { unit: string; remaining: number }[], earliest: string | null, packs: { packages: number; features: readonly string[] } = { packages: 0, features: [] }): string {
  const text = TEXT[language];
  // "No active packages" only when there are none: a pack used up, or one of features alone, is still active.
  if (allowances.length === 0 && packs.features.length === 0) return packs.packages > 0 ? text.nothingLeft : text.none;
  const number = new Intl.NumberFormat(LOCALES[language], { maximumFractionDigits: 1 });
  // Each unit's words around its figure: "10 ГБ", "60分钟".
  const count = (template: string, value: number) => template.replace('{count}', number.format(value));
  const parts = allowances.map(({ unit, remaining }) => {
    if (unit === 'DATA_BYTES') {
      const bytes = BigInt(remaining);
      return bytes >= BYTES_PER_GB ? count(text.gb, Math.floor((remaining / Number(BYTES_PER_GB)) * 10) / 10) : count(text.mb, Math.max(1, Number(bytes / BYTES_PER_MB))); // what is left of a last MB is not "0 MB"
    }
    // Whole minutes, but the seconds of a last minute are not "0 min" (as a last MB is not "0 MB").
    if (unit === 'VOICE_SECONDS') return count(text.min, Math.max(1, Math.floor(remaining / 60)));
    return count(text.sms, remaining);
  });
  const until = earliest ? text.until.replace('{date}', almatyDayIn(language, earliest)) : '';
  const say = (list: string[]) => text.left.replace('{list}', list.join(text.separator)) + until;
  // The features' names after the units, as many as fit the screen (the units always do).
  for (const feature of packs.features) {
    const key = FEATURE_TEXT_KEYS[feature];
    if (key && [...say([...parts, text[key]])].length <= USSD_SCREEN_CHARACTERS_MAX) parts.push(text[key]);
  }
  return say(parts);
}

/** The order *104# names the units in; a unit it does not know goes last. */
const UNIT_ORDER = ['DATA_BYTES', 'VOICE_SECONDS', 'SMS'];
function unitRank(unit: string): number {
  const rank = UNIT_ORDER.indexOf(unit);
  return rank === -1 ? UNIT_ORDER.length : rank;
}

/** The catalog's features (offering.ts FEATURES) by their *104# names. */
const FEATURE_TEXT_KEYS: Record<string, Key> = { messengers_unlimited: 'messengers', social_unlimited: 'social', roaming_eaeu: 'roaming' };
