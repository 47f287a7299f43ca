import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { displayLanguageOf, type DisplayLanguage } from '../domain/local-time.ts';
import { formatTenge } from '../domain/money.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { ok, type DomainError, type Result } from '../domain/result.ts';
import { findLineByMsisdn } from '../lines/lines-repository.ts';
import { parseUssdVoucher } from './voucher-pin.ts';
import { redeemVoucher, type VoucherRedemption } from './redeem-voucher.ts';

const TEXT: Record<DisplayLanguage, Record<string, string>> = {
  en: { ok: 'Balance topped up by {amount}. Receipt {receipt}.', voucher_pin_invalid: 'Wrong voucher PIN.', voucher_already_redeemed: 'This voucher was already used.', voucher_expired: 'This voucher has expired.', voucher_not_active: 'This voucher is not active.', rate_limited: 'Too many attempts. Try again later.', daily_limit_exceeded: 'Daily top-up limit reached. The voucher was not used: try tomorrow.', line_terminated: 'This number is closed.', ussd_input_invalid: 'Dial *111*PIN#', other: 'The voucher could not be used. Try again later.' },
  ru: { ok: 'Баланс пополнен на {amount}. Чек {receipt}.', voucher_pin_invalid: 'Неверный PIN карты.', voucher_already_redeemed: 'Эта карта уже использована.', voucher_expired: 'Срок действия карты истёк.', voucher_not_active: 'Карта ещё не активирована.', rate_limited: 'Слишком много попыток. Попробуйте позже.', daily_limit_exceeded: 'Достигнут дневной лимит пополнения. Карта не использована: попробуйте завтра.', line_terminated: 'Этот номер закрыт.', ussd_input_invalid: 'Наберите *111*PIN#', other: 'Не удалось использовать карту. Попробуйте позже.' },
  kk: { ok: 'Балансыңыз {amount} сомаға толықтырылды. Түбіртек {receipt}.', voucher_pin_invalid: 'Карта PIN-коды қате.', voucher_already_redeemed: 'Бұл карта бұрын қолданылған.', voucher_expired: 'Картаның мерзімі өтіп кеткен.', voucher_not_active: 'Карта белсенді емес.', rate_limited: 'Әрекет тым көп. Кейінірек қайталаңыз.', daily_limit_exceeded: 'Тәуліктік толықтыру лимитіне жеттіңіз. Карта қолданылмады: ертең қайталаңыз.', line_terminated: 'Бұл нөмір жабылған.', ussd_input_invalid: '*111*PIN# теріңіз', other: 'Картаны қолдану мүмкін болмады. Кейінірек қайталаңыз.' },
  zh: { ok: '余额已充值 {amount}。收据 {receipt}。', voucher_pin_invalid: '充值卡密码错误。', voucher_already_redeemed: '此充值卡已被使用。', voucher_expired: '此充值卡已过期。', voucher_not_active: '此充值卡未激活。', rate_limited: '尝试次数过多，请稍后再试。', daily_limit_exceeded: '已达到今日充值上限，充值卡未被使用，请明天再试。', line_terminated: '此号码已销号。', ussd_input_invalid: '请拨 *111*密码#', other: '暂时无法使用此充值卡，请稍后再试。' },
};


/** The text the subscriber's phone shows for an error, in the line's language. */
function localized(error: DomainError, language: DisplayLanguage): DomainError {
  return { ...error, message: TEXT[language][error.code] ?? TEXT[language].other! };
}

/**
 * The USSD gateway (role partner or admin) forwards what the subscriber dialled: "*111*PIN#".
 * The answer carries a short text in the line's language for the phone's screen; errors keep
 * their codes. Per-IP counting is off here (every request comes from the gateway); per line stays.
 */
export async function redeemUssd(ctx: AppContext, actor: Actor, input: { msisdn: string; input: string }): Promise<Result<VoucherRedemption & { message: string }>> {
  const denied = requireRole(actor, ['partner', 'admin']);
  if (denied) return denied as Result<never>;
  const msisdn = parseMsisdn(input.msisdn);
  if (!msisdn.ok) return msisdn;
  const line = await findLineByMsisdn(ctx, msisdn.value);
  const language = displayLanguageOf(line?.language);
  const pin = parseUssdVoucher(input.input);
  if (pin === null) return { ok: false, error: localized({ code: 'ussd_input_invalid' }, language) };
  const result = await redeemVoucher(ctx, actor, { msisdn: msisdn.value, pin, channel: 'ussd' });
  if (!result.ok) return { ok: false, error: localized(result.error, language) };
  const message = TEXT[language].ok!.replace('{amount}', formatTenge(BigInt(result.value.topUp.amount), language)).replace('{receipt}', result.value.topUp.receiptNumber);
  return ok({ ...result.value, message });
}

