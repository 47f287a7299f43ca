import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import type { DisplayLanguage } from '../domain/local-time.ts';
import { formatTenge } from '../domain/money.ts';
import { ok, type DomainError, type Result } from '../domain/result.ts';
import { redeemVoucher, type VoucherRedemption } from './redeem-voucher.ts';

type Key = 'ok' | 'voucher_pin_invalid' | 'voucher_already_redeemed' | 'voucher_expired' | 'voucher_not_active' | 'voucher_blocked' | 'rate_limited' | 'daily_limit_exceeded' | 'line_terminated' | 'other';

/** The voucher texts for the phone's screen, each within USSD_SCREEN_CHARACTERS_MAX (src/ussd/answer-ussd.ts) as the test measures. */
export const USSD_VOUCHER_TEXT: Record<DisplayLanguage, Record<Key, string>> = {
  en: { ok: 'Balance topped up by {amount}. Receipt {receipt}.', voucher_pin_invalid: 'Wrong voucher PIN.', voucher_already_redeemed: 'This voucher was already used.', voucher_expired: 'This voucher has expired.', voucher_not_active: 'This voucher is not active yet.', voucher_blocked: 'This voucher is blocked.', rate_limited: 'Too many attempts. Try again later.', daily_limit_exceeded: 'Daily top-up limit reached. The voucher was not used: try tomorrow.', line_terminated: 'This number is closed.', other: 'The voucher could not be used. Try again later.' },
  ru: { ok: 'Баланс пополнен на {amount}. Чек {receipt}.', voucher_pin_invalid: 'Неверный PIN карты.', voucher_already_redeemed: 'Эта карта уже использована.', voucher_expired: 'Срок действия карты истёк.', voucher_not_active: 'Карта ещё не активирована.', voucher_blocked: 'Карта заблокирована.', rate_limited: 'Слишком много попыток. Попробуйте позже.', daily_limit_exceeded: 'Достигнут дневной лимит пополнения. Карта не использована: попробуйте завтра.', line_terminated: 'Этот номер закрыт.', other: 'Не удалось использовать карту. Попробуйте позже.' },
  kk: { ok: 'Балансыңыз {amount} сомаға толықтырылды. Түбіртек {receipt}.', voucher_pin_invalid: 'Карта PIN-коды қате.', voucher_already_redeemed: 'Бұл карта бұрын қолданылған.', voucher_expired: 'Картаның мерзімі өтіп кеткен.', voucher_not_active: 'Карта әлі белсендірілмеген.', voucher_blocked: 'Карта бұғатталған.', rate_limited: 'Әрекет тым көп. Кейінірек қайталаңыз.', daily_limit_exceeded: 'Тәуліктік толықтыру лимитіне жеттіңіз. Карта қолданылмады: ертең қайталаңыз.', line_terminated: 'Бұл нөмір жабылған.', other: 'Картаны қолдану мүмкін болмады. Кейінірек қайталаңыз.' },
  zh: { ok: '余额已充值 {amount}。收据 {receipt}。', voucher_pin_invalid: '充值卡密码错误。', voucher_already_redeemed: '此充值卡已被使用。', voucher_expired: '此充值卡已过期。', voucher_not_active: '此充值卡未激活。', voucher_blocked: '此充值卡已被冻结。', rate_limited: '尝试次数过多，请稍后再试。', daily_limit_exceeded: '已达到今日充值上限，充值卡未被使用，请明天再试。', line_terminated: '此号码已销号。', other: '暂时无法使用此充值卡，请稍后再试。' },
};

/** The text the subscriber's phone shows for an error, in the line's language. */
function localized(error: DomainError, language: DisplayLanguage): DomainError {
  const text = USSD_VOUCHER_TEXT[language];
  // voucher_not_active is a card not sold yet, or a blocked one (a stolen box): they read differently.
  const key = error.code === 'voucher_not_active' && error.details?.state === 'blocked' ? 'voucher_blocked' : error.code;
  return { ...error, message: text[key as Key] ?? text.other };
}

/** The text of a done top-up: its amount and receipt number. */
export function voucherDoneText(language: DisplayLanguage, amount: bigint, receiptNumber: string): string {
  return USSD_VOUCHER_TEXT[language].ok.replace('{amount}', formatTenge(amount, language)).replace('{receipt}', receiptNumber);
}

/**
 * The USSD menu (src/ussd/answer-ussd.ts) has read the line and a PIN from "*111*PIN#"; this
 * redeems it and answers a short text in the line's language for the phone's screen; errors keep
 * their codes. `ip` is absent for the USSD gateway (it relays every subscriber from its address);
 * the per-line limit applies to all.
 */
export async function redeemUssd(ctx: AppContext, actor: Actor, input: { msisdn: string; pin: string; language: DisplayLanguage; ip?: string }): Promise<Result<VoucherRedemption & { message: string }>> {
  const denied = requireRole(actor, ['partner', 'admin']);
  if (denied) return denied as Result<never>;
  const result = await redeemVoucher(ctx, actor, { msisdn: input.msisdn, pin: input.pin, ip: input.ip, channel: 'ussd' });
  if (!result.ok) return { ok: false, error: localized(result.error, input.language) };
  return ok({ ...result.value, message: voucherDoneText(input.language, BigInt(result.value.topUp.amount), result.value.topUp.receiptNumber) });
}
