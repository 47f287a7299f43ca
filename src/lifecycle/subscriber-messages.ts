import { almatyDayIn, displayLanguageOf, type DisplayLanguage } from '../domain/local-time.ts';
import { formatTenge } from '../domain/money.ts';

/**
 * The SMS texts of the outbox events a subscriber hears of (lifecycle, top-ups, packages, bonuses,
 * promised payments, transfers, usage), in the line's language, for the notification worker to
 * send: `subscriberMessage(topic, payload)` → text, or null when the event sends none.
 */
type Key = 'grace' | 'suspended' | 'terminated' | 'reactivated' | 'bucket80' | 'bucket100' | 'creditGranted' | 'transferReceived' | 'transferCode'
  | 'topUpSucceeded' | 'topUpReversed' | 'paymentRefunded' | 'packagePurchased' | 'packageRenewed' | 'renewalNoMoney' | 'renewalFailed'
  | 'bonusGranted' | 'bonusExpired' | 'creditRepaid' | 'creditRepaidPart' | 'validityExpiring' | 'packageEnding' | 'packageRenewing' | 'balanceLow';

const TEXTS: Record<DisplayLanguage, Record<Key, string>> = {
  en: {
    validityExpiring: 'Your number is valid until {date}. Balance {balance}. Top up to keep it active.',
    packageEnding: '{name} ends on {date}.',
    packageRenewing: '{name} renews automatically on {date} for {price}: keep that on your balance.',
    balanceLow: 'Your balance is low: {balance}. Top up to stay connected.',
    topUpSucceeded: 'Your balance was topped up by {amount}. Balance {balance}. Receipt {receipt}.',
    topUpReversed: 'A top-up of {amount} was reversed.',
    paymentRefunded: 'A refund of {amount} was sent to your payment method.',
    packagePurchased: '{name} is active until {date}. Paid {price}.',
    packageRenewed: '{name} is renewed until {date}. Paid {price}.',
    renewalNoMoney: '{name} could not be renewed: not enough balance. Top up by {date} and it renews automatically.',
    renewalFailed: '{name} could not be renewed automatically.',
    bonusGranted: 'Bonus {amount} credited, valid until {date}. It pays for packages.',
    bonusExpired: 'Your bonus of {amount} has expired.',
    creditRepaid: 'Promised payment repaid: {amount}.',
    creditRepaidPart: 'Promised payment: {amount} repaid, {owed} still owed.',
    grace: 'Your validity has ended: incoming calls only. Top up to restore service.',
    suspended: 'Your number is suspended. Top up within {days} days to keep it.',
    terminated: 'Your number has been closed and its balance forfeited.',
    reactivated: 'Your number is active again.',
    bucket80: 'You have used 80% of your {unit} allowance.',
    bucket100: 'Your {unit} allowance is used up.',
    creditGranted: 'Promised payment of {amount} added. {owed} will be taken from your next top-up or on {due}.',
    transferReceived: '{from} sent you {amount}.',
    transferCode: 'Code {code} confirms sending {amount} (fee {fee}) to {to}. Valid {minutes} min. Never share it.',
  },
  ru: {
    validityExpiring: 'Номер действует до {date}. Баланс: {balance}. Пополните баланс, чтобы номер оставался активным.',
    packageEnding: '«{name}» заканчивается {date}.',
    packageRenewing: '«{name}» продлится автоматически {date} за {price}: держите эту сумму на балансе.',
    balanceLow: 'На балансе осталось {balance}. Пополните баланс, чтобы оставаться на связи.',
    topUpSucceeded: 'Баланс пополнен на {amount}. Баланс: {balance}. Чек {receipt}.',
    topUpReversed: 'Пополнение на {amount} отменено.',
    paymentRefunded: 'Возврат {amount} отправлен на ваш способ оплаты.',
    packagePurchased: '«{name}» действует до {date}. Оплачено {price}.',
    packageRenewed: '«{name}» продлён до {date}. Оплачено {price}.',
    renewalNoMoney: 'Не удалось продлить «{name}»: недостаточно средств. Пополните баланс до {date}, и пакет продлится автоматически.',
    renewalFailed: 'Не удалось автоматически продлить «{name}».',
    bonusGranted: 'Начислен бонус {amount}, действует до {date}. Им можно оплатить пакеты.',
    bonusExpired: 'Срок действия бонуса {amount} истёк.',
    creditRepaid: 'Обещанный платёж погашен: {amount}.',
    creditRepaidPart: 'Обещанный платёж: погашено {amount}, осталось {owed}.',
    grace: 'Срок действия истёк: доступны только входящие звонки. Пополните баланс, чтобы восстановить связь.',
    suspended: 'Номер приостановлен. Пополните баланс в течение {days} дн., чтобы сохранить его.',
    terminated: 'Номер закрыт, остаток баланса списан.',
    reactivated: 'Номер снова активен.',
    bucket80: 'Вы израсходовали 80% пакета: {unit}.',
    bucket100: 'Пакет исчерпан: {unit}.',
    creditGranted: 'Обещанный платёж {amount} зачислен. {owed} будет списано при следующем пополнении или {due}.',
    transferReceived: '{from} перевёл(а) вам {amount}.',
    transferCode: 'Код {code} подтверждает перевод {amount} (комиссия {fee}) на номер {to}. Действует {minutes} мин. Никому его не сообщайте.',
  },
  kk: {
    validityExpiring: 'Нөміріңіз {date} дейін жарамды. Баланс: {balance}. Нөмір белсенді болуы үшін балансты толықтырыңыз.',
    packageEnding: '«{name}» {date} аяқталады.',
    packageRenewing: '«{name}» {date} {price} бағасымен автоматты түрде ұзартылады: балансыңызда осы сома болсын.',
    balanceLow: 'Балансыңызда {balance} қалды. Байланыста болу үшін толықтырыңыз.',
    topUpSucceeded: 'Балансыңыз {amount} сомаға толықтырылды. Баланс: {balance}. Түбіртек {receipt}.',
    topUpReversed: '{amount} толықтырудың күші жойылды.',
    paymentRefunded: '{amount} қайтарым төлем тәсіліңізге жіберілді.',
    packagePurchased: '«{name}» {date} дейін жарамды. Төленді: {price}.',
    packageRenewed: '«{name}» {date} дейін ұзартылды. Төленді: {price}.',
    renewalNoMoney: '«{name}» ұзартылмады: қаражат жеткіліксіз. {date} дейін балансты толықтырсаңыз, пакет автоматты түрде ұзартылады.',
    renewalFailed: '«{name}» автоматты түрде ұзартылмады.',
    bonusGranted: '{amount} бонус есептелді, {date} дейін жарамды. Онымен пакеттерді төлеуге болады.',
    bonusExpired: '{amount} бонустың мерзімі өтті.',
    creditRepaid: 'Уәде етілген төлем өтелді: {amount}.',
    creditRepaidPart: 'Уәде етілген төлем: {amount} өтелді, {owed} қалды.',
    grace: 'Жарамдылық мерзімі аяқталды: тек кіріс қоңыраулар. Байланысты қалпына келтіру үшін толықтырыңыз.',
    suspended: 'Нөміріңіз тоқтатылды. Сақтау үшін {days} күн ішінде толықтырыңыз.',
    terminated: 'Нөміріңіз жабылды, баланс қалдығы есептен шығарылды.',
    reactivated: 'Нөміріңіз қайта белсенді.',
    bucket80: 'Пакеттің 80% пайдаланылды: {unit}.',
    bucket100: 'Пакет таусылды: {unit}.',
    creditGranted: '{amount} көлеміндегі уәде етілген төлем есептелді. {owed} келесі толықтыру кезінде немесе {due} күні ұсталады.',
    transferReceived: '{from} сізге {amount} аударды.',
    transferCode: '{code} коды {to} нөміріне {amount} аударымды растайды (комиссия {fee}). {minutes} минут жарамды. Оны ешкімге айтпаңыз.',
  },
  zh: {
    validityExpiring: '您的号码有效期至 {date}，余额 {balance}。请充值以保持号码正常使用。',
    packageEnding: '{name}将于 {date} 到期。',
    packageRenewing: '{name}将于 {date} 自动续订，费用 {price}，请确保余额充足。',
    balanceLow: '您的余额不足：{balance}。请及时充值以免影响使用。',
    topUpSucceeded: '已充值 {amount}。当前余额 {balance}。收据 {receipt}。',
    topUpReversed: '一笔 {amount} 的充值已撤销。',
    paymentRefunded: '已退款 {amount} 至您的付款方式。',
    packagePurchased: '{name}已生效，有效期至 {date}。已支付 {price}。',
    packageRenewed: '{name}已续订，有效期至 {date}。已支付 {price}。',
    renewalNoMoney: '{name}续订失败：余额不足。请在 {date} 前充值，套餐将自动续订。',
    renewalFailed: '{name}未能自动续订。',
    bonusGranted: '已赠送奖励金 {amount}，有效期至 {date}，可用于购买套餐。',
    bonusExpired: '您的奖励金 {amount} 已过期。',
    creditRepaid: '预借话费已还款 {amount}。',
    creditRepaidPart: '预借话费已还款 {amount}，仍欠 {owed}。',
    grace: '有效期已结束：仅可接听来电。充值即可恢复服务。',
    suspended: '您的号码已暂停。请在 {days} 天内充值以保留号码。',
    terminated: '您的号码已注销，余额已清零。',
    reactivated: '您的号码已恢复使用。',
    bucket80: '您的{unit}套餐已使用 80%。',
    bucket100: '您的{unit}套餐已用完。',
    creditGranted: '已发放预借话费 {amount}。将在下次充值时或于 {due} 扣除 {owed}。',
    transferReceived: '{from} 向您转账 {amount}。',
    transferCode: '验证码 {code}：确认向 {to} 转账 {amount}（手续费 {fee}）。{minutes} 分钟内有效。请勿告诉任何人。',
  },
};

const UNIT_NAMES: Record<DisplayLanguage, Record<string, string>> = {
  en: { DATA_BYTES: 'data', VOICE_SECONDS: 'minutes', SMS: 'SMS' },
  ru: { DATA_BYTES: 'интернет', VOICE_SECONDS: 'минуты', SMS: 'SMS' },
  kk: { DATA_BYTES: 'интернет', VOICE_SECONDS: 'минуттар', SMS: 'SMS' },
  zh: { DATA_BYTES: '流量', VOICE_SECONDS: '通话', SMS: '短信' },
};

export interface MessageOptions {
  /** Days a suspended line has before termination (settings.lifecycle.suspendedDays); 60 when absent. */
  suspendedDays?: number;
  /** The offering's name in the message's language, for package events (the payload names its code, shown when absent). */
  offeringName?: string;
  /** When the text is made (ISO), for a code's minutes left; the present when absent. */
  now?: string;
}

export function subscriberMessage(topic: string, payload: Record<string, unknown>, options: MessageOptions = {}): string | null {
  const language = displayLanguageOf(payload.language ?? payload.receiverLanguage);
  const text = (key: Key, values: Record<string, string> = {}) => TEXTS[language][key].replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? '');
  // Payloads are the outbox's own, but a text is never worth a throw: an amount that is no whole number reads as 0.
  const money = (value: unknown) => {
    const amount = Number(value ?? 0);
    return formatTenge(BigInt(Number.isSafeInteger(amount) ? amount : 0), language);
  };
  const name = () => options.offeringName ?? String(payload.offering ?? '');
  switch (topic) {
    case 'line.status_changed':
      if (payload.to === 'grace') return text('grace');
      if (payload.to === 'suspended') return text('suspended', { days: String(options.suspendedDays ?? 60) });
      if (payload.to === 'terminated') return text('terminated');
      if (payload.to === 'active' && payload.from !== 'preactive') return text('reactivated');
      return null;
    case 'bucket.usage_threshold': {
      const unit = UNIT_NAMES[language][String(payload.unit)] ?? String(payload.unit);
      return text(payload.thresholdPercent === 100 ? 'bucket100' : 'bucket80', { unit });
    }
    case 'credit.granted':
      return text('creditGranted', { amount: money(payload.amount), owed: money(Number(payload.amount) + Number(payload.fee)), due: almatyDayIn(language, payload.dueAt) });
    case 'credit.repaid':
      return Number(payload.owedAfter ?? 0) > 0
        ? text('creditRepaidPart', { amount: money(payload.amount), owed: money(payload.owedAfter) })
        : text('creditRepaid', { amount: money(payload.amount) });
    case 'transfer.completed':
      return text('transferReceived', { from: String(payload.from), amount: money(payload.amount) });
    case 'transfer.confirmation_requested': {
      const minutes = Math.max(1, Math.round((Date.parse(String(payload.expiresAt)) - Date.parse(String(options.now ?? new Date().toISOString()))) / 60_000));
      return text('transferCode', { code: String(payload.code), amount: money(payload.amount), fee: money(payload.fee), to: String(payload.to), minutes: String(Number.isFinite(minutes) ? minutes : 5) });
    }
    case 'topup.succeeded':
      return text('topUpSucceeded', { amount: money(payload.amount), balance: money(payload.balanceAfter), receipt: String(payload.receiptNumber ?? '') });
    case 'topup.reversed':
      return text('topUpReversed', { amount: money(payload.amount) });
    case 'payment.refunded':
      return text('paymentRefunded', { amount: money(payload.amount) });
    case 'package.purchased':
    case 'package.renewed':
      return text(topic === 'package.purchased' ? 'packagePurchased' : 'packageRenewed', { name: name(), date: almatyDayIn(language, payload.expiresAt), price: money(payload.pricePaid) });
    case 'package.renewal_failed':
      return payload.reason === 'balance_insufficient'
        ? text('renewalNoMoney', { name: name(), date: almatyDayIn(language, payload.retryUntil) })
        : text('renewalFailed', { name: name() });
    case 'bonus.granted':
      return text('bonusGranted', { amount: money(payload.amount), date: almatyDayIn(language, payload.expiresAt) });
    case 'bonus.expired':
      return text('bonusExpired', { amount: money(payload.amount) });
    case 'line.validity_expiring':
      return text('validityExpiring', { date: almatyDayIn(language, payload.validUntil), balance: money(payload.balance) });
    case 'package.expiring':
      return text(payload.autoRenew === true ? 'packageRenewing' : 'packageEnding', { name: name(), date: almatyDayIn(language, payload.expiresAt), price: money(payload.renewalPrice) });
    case 'balance.low':
      return text('balanceLow', { balance: money(payload.balance) });
    default:
      return null;
  }
}
