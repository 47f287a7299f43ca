import { almatyDateTimeIn, almatyDayIn, displayLanguageOf, type DisplayLanguage } from '../domain/local-time.ts';
import { formatTenge } from '../domain/money.ts';

/**
 * The SMS texts of the outbox events a subscriber hears of (lifecycle, top-ups, packages, bonuses,
 * promised payments, transfers, usage), in the line's language, for the notification worker to
 * send: `subscriberMessage(topic, payload)` → text, or null when the event sends none.
 */
type Key = 'grace' | 'suspended' | 'barred' | 'unbarred' | 'terminated' | 'reactivated' | 'bucket80' | 'bucket100' | 'creditGranted' | 'transferReceived' | 'transferCode'
  | 'topUpSucceeded' | 'topUpForPackage' | 'topUpReversed' | 'paymentRefunded' | 'refundReversed' | 'packagePurchased' | 'packageRenewed' | 'renewalNoMoney' | 'renewalLineExpired' | 'renewalLineExpiredShort' | 'renewalFailed'
  | 'bucket80Named' | 'bucket100Named' | 'bonusGranted' | 'bonusExpired' | 'creditRepaid' | 'creditRepaidPart' | 'validityExpiring' | 'packageEnding' | 'packageRenewing' | 'balanceLow';

const TEXTS: Record<DisplayLanguage, Record<Key, string>> = {
  en: {
    validityExpiring: 'Your number is valid until {date}. Balance {balance}. Top up to keep it active.',
    packageEnding: '"{name}" ends on {date}.',
    packageRenewing: '"{name}" renews automatically on {date} for {price}. Keep enough on your balance.',
    balanceLow: 'Your balance is low: {balance}. Top up to stay connected.',
    topUpSucceeded: 'Your balance was topped up by {amount}. Balance {balance}. Receipt {receipt}.',
    topUpForPackage: 'Payment of {amount} for a package received. Receipt {receipt}.',
    topUpReversed: 'A top-up of {amount} was reversed.',
    paymentRefunded: 'A refund of {amount} was sent to the card or account you paid with.',
    refundReversed: 'Your bank did not accept the refund of {amount}: the money is back on your balance.',
    packagePurchased: '"{name}" is active until {date}. Paid {price}.',
    packageRenewed: '"{name}" is renewed until {date}. Paid {price}.',
    renewalNoMoney: '"{name}" could not be renewed: not enough balance. Top up by {date} and it renews automatically.',
    renewalLineExpired: '"{name}" could not be renewed: your number\'s validity has ended. Top up by {date} and it renews automatically.',
    renewalLineExpiredShort: '"{name}" could not be renewed: your number\'s validity has ended. Top up {shortfall} or more by {date} and it renews automatically.',
    renewalFailed: '"{name}" could not be renewed automatically.',
    bonusGranted: 'Bonus of {amount} credited for packages, valid until {date}.',
    bonusExpired: 'Your bonus of {amount} has expired.',
    creditRepaid: 'Promised payment repaid: {amount}.',
    creditRepaidPart: 'Promised payment: {amount} repaid, {owed} still owed.',
    grace: "Your number's validity has ended: incoming calls only. Top up to restore service.",
    suspended: 'Your number is suspended. Top up within {days} to keep it.',
    barred: 'Your number has been suspended by the operator. Contact customer service to restore it.',
    terminated: 'Your number has been closed and its balance forfeited.',
    reactivated: 'Your number is active again.',
    unbarred: 'The operator has lifted the block on your number. Top up to restore service.',
    bucket80: 'You have used 80% of your {unit} allowance.',
    bucket100: 'Your {unit} allowance is used up.',
    bucket80Named: 'You have used 80% of the {unit} in "{name}".',
    bucket100Named: 'You have used up the {unit} in "{name}".',
    creditGranted: 'Promised payment of {amount} added. {owed} with the fee will be taken from your next top-up or on {due}.',
    transferReceived: 'You received {amount} from {from}.',
    transferCode: 'Code {code} confirms sending {amount} (fee {fee}) to {to}. Valid {minutes} min. Never share it.',
  },
  ru: {
    validityExpiring: 'Номер действует до {date}, баланс {balance}. Пополните вовремя.',
    packageEnding: '«{name}» заканчивается {date}.',
    packageRenewing: '«{name}» продлится автоматически {date} за {price}. Проверьте, хватает ли средств.',
    balanceLow: 'На балансе осталось {balance}. Пополните его, чтобы остаться на связи.',
    topUpSucceeded: 'Баланс пополнен на {amount}, теперь {balance}. Чек {receipt}.',
    topUpForPackage: 'Получена оплата пакета: {amount}. Чек {receipt}.',
    topUpReversed: 'Пополнение на {amount} отменено.',
    paymentRefunded: 'Возврат {amount} отправлен на карту или счёт, с которого вы платили.',
    refundReversed: 'Банк не принял возврат {amount}: деньги снова на вашем балансе.',
    packagePurchased: '«{name}» действует до {date}. Оплачено {price}.',
    packageRenewed: '«{name}» продлён до {date}. Оплачено {price}.',
    renewalNoMoney: 'Не удалось продлить «{name}»: недостаточно средств. Пополните баланс до {date} — продление пройдёт само.',
    renewalLineExpired: 'Не удалось продлить «{name}»: срок действия номера истёк. Пополните баланс до {date} — продление пройдёт само.',
    renewalLineExpiredShort: 'Не удалось продлить «{name}»: срок действия номера истёк. Пополните баланс на {shortfall} или больше до {date} — продление пройдёт само.',
    renewalFailed: 'Не удалось автоматически продлить «{name}».',
    bonusGranted: 'Начислен бонус {amount} на пакеты, действует до {date}.',
    bonusExpired: 'Срок действия бонуса {amount} истёк.',
    creditRepaid: 'Обещанный платёж погашен: {amount}.',
    creditRepaidPart: 'Обещанный платёж: погашено {amount}, осталось {owed}.',
    grace: 'Срок действия номера истёк: только входящие звонки. Пополните баланс.',
    suspended: 'Номер приостановлен. Чтобы сохранить его, пополните баланс за {days} дн.',
    barred: 'Ваш номер заблокирован оператором. Для восстановления обратитесь в службу поддержки.',
    terminated: 'Номер закрыт, остаток баланса списан.',
    reactivated: 'Номер снова активен.',
    unbarred: 'Оператор снял блокировку с вашего номера. Пополните баланс, чтобы восстановить связь.',
    bucket80: 'Израсходовано 80% {unit} из пакета.',
    bucket100: 'Лимит {unit} в пакете исчерпан.',
    bucket80Named: 'Израсходовано 80% {unit} из «{name}».',
    bucket100Named: 'Лимит {unit} в «{name}» исчерпан.',
    creditGranted: 'Зачислен обещанный платёж {amount}. {owed} с комиссией спишется при следующем пополнении или {due}.',
    transferReceived: 'Вам перевели {amount} с номера {from}.',
    transferCode: 'Код {code} подтверждает перевод {amount} (комиссия {fee}) на номер {to}. Действует {minutes} мин. Никому его не сообщайте.',
  },
  kk: {
    validityExpiring: 'Нөмір {date} дейін жарамды, баланс {balance}. Толықтырыңыз.',
    packageEnding: '«{name}» {date} күні аяқталады.',
    packageRenewing: '«{name}» {date} күні {price} бағасымен автоматты түрде ұзартылады. Балансыңызда жеткілікті қаражат болсын.',
    balanceLow: 'Балансыңызда {balance} қалды. Байланыста болу үшін толықтырыңыз.',
    topUpSucceeded: 'Толықтыру: {amount}. Баланс: {balance}. Түбіртек {receipt}.',
    topUpForPackage: 'Пакет үшін төлем қабылданды: {amount}. Түбіртек {receipt}.',
    topUpReversed: '{amount} толықтырудың күші жойылды.',
    paymentRefunded: '{amount} төлем жасалған карта немесе шотқа қайтарылды.',
    refundReversed: 'Банк {amount} қайтаруды қабылдамады: ақша қайтадан балансыңызда.',
    packagePurchased: '«{name}» {date} дейін жарамды. Төленді: {price}.',
    packageRenewed: '«{name}» {date} дейін ұзартылды. Төленді: {price}.',
    renewalNoMoney: '«{name}» ұзартылмады: қаражат жеткіліксіз. {date} дейін толықтырсаңыз, пакет автоматты түрде ұзартылады.',
    renewalLineExpired: '«{name}» ұзартылмады: нөмір мерзімі аяқталды. {date} дейін толықтырсаңыз, пакет автоматты түрде ұзартылады.',
    renewalLineExpiredShort: '«{name}» ұзартылмады: нөмір мерзімі аяқталды. {date} дейін кемінде {shortfall} толықтырсаңыз, пакет автоматты түрде ұзартылады.',
    renewalFailed: '«{name}» автоматты түрде ұзартылмады.',
    bonusGranted: 'Пакет алуға {amount} бонус есептелді, {date} дейін жарамды.',
    bonusExpired: '{amount} бонустың мерзімі өтті.',
    creditRepaid: 'Уәде етілген төлем өтелді: {amount}.',
    creditRepaidPart: 'Уәде етілген төлем: {amount} өтелді, {owed} қалды.',
    grace: 'Нөмір мерзімі аяқталды: тек кіріс қоңыраулар. Балансты толықтырыңыз.',
    suspended: 'Нөміріңіз тоқтатылды. Сақтау үшін {days} күн ішінде толықтырыңыз.',
    barred: 'Нөміріңізді оператор бұғаттады. Қалпына келтіру үшін қолдау қызметіне хабарласыңыз.',
    terminated: 'Нөміріңіз жабылды, баланс қалдығы есептен шығарылды.',
    reactivated: 'Нөміріңіз қайта белсенді.',
    unbarred: 'Оператор нөміріңізден бұғатты алып тастады. Байланысты қалпына келтіру үшін балансты толықтырыңыз.',
    bucket80: 'Пакеттегі {unit} 80%-ы пайдаланылды.',
    bucket100: 'Пакеттегі {unit} таусылды.',
    bucket80Named: '«{name}» пакетіндегі {unit} 80%-ы пайдаланылды.',
    bucket100Named: '«{name}» пакетіндегі {unit} таусылды.',
    creditGranted: '{amount} уәде етілген төлем есептелді. Комиссиясымен {owed} келесі толықтырудан немесе {due} күні алынады.',
    transferReceived: '{from} сізге {amount} аударды.',
    transferCode: '{code} коды {to} нөміріне {amount} аударымды растайды (комиссия {fee}). {minutes} минут жарамды. Оны ешкімге айтпаңыз.',
  },
  zh: {
    validityExpiring: '您的号码有效期至{date}，余额 {balance}。请及时充值以保持号码正常使用。',
    packageEnding: '“{name}”将于{date}到期。',
    packageRenewing: '“{name}”将于{date}自动续订，费用 {price}，请确保余额充足。',
    balanceLow: '您的余额不足：{balance}。请及时充值以免影响使用。',
    topUpSucceeded: '充值成功：{amount}。当前余额 {balance}。收据编号 {receipt}。',
    topUpForPackage: '已收到套餐付款 {amount}。收据编号 {receipt}。',
    topUpReversed: '一笔 {amount} 的充值已撤销。',
    paymentRefunded: '已退款 {amount}，款项将原路退回。',
    refundReversed: '银行未接收 {amount} 的退款，款项已退回您的余额。',
    packagePurchased: '“{name}”已生效，有效期至{date}。已支付 {price}。',
    packageRenewed: '“{name}”已续订，有效期至{date}。已支付 {price}。',
    renewalNoMoney: '“{name}”续订失败：余额不足。请在{date}前充值，套餐将自动续订。',
    renewalLineExpired: '“{name}”续订失败：号码有效期已结束。请在{date}前充值，套餐将自动续订。',
    renewalLineExpiredShort: '“{name}”续订失败：号码有效期已结束。请在{date}前至少充值 {shortfall}，套餐将自动续订。',
    renewalFailed: '“{name}”未能自动续订。',
    bonusGranted: '已发放奖励余额 {amount}，可用于购买套餐，有效期至{date}。',
    bonusExpired: '您的奖励余额 {amount} 已过期。',
    creditRepaid: '预借话费已还清：{amount}。',
    creditRepaidPart: '预借话费已还款 {amount}，仍欠 {owed}。',
    grace: '号码有效期已结束：仅可接听来电。充值即可恢复服务。',
    suspended: '您的号码已停机。请在{days}天内充值以保留号码。',
    barred: '您的号码已被运营商停机。如需恢复，请联系客服。',
    terminated: '您的号码已销号，余额已清零。',
    reactivated: '您的号码已恢复使用。',
    unbarred: '运营商已解除您号码的停机。请充值以恢复服务。',
    bucket80: '您套餐内的{unit}已使用 80%。',
    bucket100: '您套餐内的{unit}已用完。',
    bucket80Named: '“{name}”中的{unit}已使用 80%。',
    bucket100Named: '“{name}”中的{unit}已用完。',
    creditGranted: '已发放预借话费 {amount}。含服务费共 {owed}，将在下次充值时或于{due}扣除。',
    transferReceived: '您收到来自 {from} 的转账 {amount}。',
    transferCode: '验证码 {code}：确认向 {to} 转账 {amount}（手续费 {fee}），{minutes}分钟内有效。请勿告诉任何人。',
  },
};

/** Each unit as the texts name it: Russian in the genitive ("80% интернета из пакета"); Kazakh's 80 % text takes the genitive too (UNIT_NAMES_OF). */
const UNIT_NAMES: Record<DisplayLanguage, Record<string, string>> = {
  en: { DATA_BYTES: 'data', VOICE_SECONDS: 'minutes', SMS: 'SMS' },
  ru: { DATA_BYTES: 'интернета', VOICE_SECONDS: 'минут', SMS: 'SMS' },
  kk: { DATA_BYTES: 'интернет', VOICE_SECONDS: 'минуттар', SMS: 'SMS' },
  zh: { DATA_BYTES: '流量', VOICE_SECONDS: '通话分钟数', SMS: '短信' },
};

/** Kazakh's "80%-ы" wants its unit in the genitive (интернеттің 80%-ы); "таусылды" the nominative above. */
const UNIT_NAMES_OF: Partial<Record<DisplayLanguage, Record<string, string>>> = {
  kk: { DATA_BYTES: 'интернеттің', VOICE_SECONDS: 'минуттардың', SMS: 'SMS-тің' },
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
  // Russian and Kazakh texts put the name in «»: quotes inside it («Саяхат» тарифі) become „“.
  const name = () => {
    const raw = options.offeringName ?? String(payload.offering ?? '');
    return language === 'ru' || language === 'kk' ? raw.replace(/«([^«»]*)»/g, '„$1“') : raw;
  };
  switch (topic) {
    case 'line.status_changed': {
      // Termination already due (the step applied late, in a catch-up that terminates the line in the same run): its own SMS says so.
      const terminationDue = typeof payload.terminatesAt === 'string' && Date.parse(payload.terminatesAt) <= Date.parse(String(options.now ?? payload.at));
      // Likewise the suspension (LIFECYCLE_GRACE_DAYS=0, or a catch-up past the grace): its SMS follows, and "incoming calls only" would not hold.
      const suspensionDue = typeof payload.suspendsAt === 'string' && Date.parse(payload.suspendsAt) <= Date.parse(String(options.now ?? payload.at));
      if (payload.to === 'grace') return terminationDue || suspensionDue ? null : text('grace');
      if (payload.to === 'suspended' && payload.barred === true) return text('barred');
      // An admin lifted the bar of a line whose validity ran out meanwhile: it stays suspended until a top-up.
      if (payload.to === 'suspended' && payload.barred === false) return text('unbarred');
      if (payload.to === 'suspended') {
        // Days left until termination: fewer than suspendedDays when the step was applied late (jobs down).
        const leftMs = typeof payload.terminatesAt === 'string' ? Date.parse(payload.terminatesAt) - Date.parse(String(options.now ?? payload.at)) : NaN;
        // Termination already due (a catch-up applies it in the same run): its own SMS says so.
        if (leftMs <= 0) return null;
        const days = Number.isFinite(leftMs) ? Math.ceil(leftMs / 86_400_000) : options.suspendedDays ?? 60;
        return text('suspended', { days: language === 'en' ? (days === 1 ? '1 day' : `${days} days`) : String(days) });
      }
      if (payload.to === 'terminated') return text('terminated');
      if (payload.to === 'active' && payload.from !== 'preactive') return text('reactivated');
      return null;
    }
    case 'bucket.usage_threshold': {
      const full = payload.thresholdPercent === 100;
      const names = (full ? undefined : UNIT_NAMES_OF[language]) ?? UNIT_NAMES[language];
      const unit = names[String(payload.unit)] ?? String(payload.unit);
      // Named when the worker knows the pack: a line with several packs learns which one ran out.
      if (options.offeringName) return text(full ? 'bucket100Named' : 'bucket80Named', { unit, name: name() });
      return text(full ? 'bucket100' : 'bucket80', { unit });
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
      const leftMs = Date.parse(String(payload.expiresAt)) - Date.parse(String(options.now ?? new Date().toISOString()));
      // A code already expired (the SMS job was down meanwhile) is no use: "valid 1 min" would be untrue.
      if (leftMs <= 0) return null;
      const minutes = Math.max(1, Math.round(leftMs / 60_000));
      return text('transferCode', { code: String(payload.code), amount: money(payload.amount), fee: money(payload.fee), to: String(payload.to), minutes: String(Number.isFinite(minutes) ? minutes : 5) });
    }
    case 'topup.succeeded':
      // Paid for a package that the same sale buys with it: "balance X" would be a balance already spent.
      if (payload.paysForPackage === true) return text('topUpForPackage', { amount: money(payload.amount), receipt: String(payload.receiptNumber ?? '') });
      return text('topUpSucceeded', { amount: money(payload.amount), balance: money(payload.balanceAfter), receipt: String(payload.receiptNumber ?? '') });
    case 'topup.reversed':
      return text('topUpReversed', { amount: money(payload.amount) });
    case 'payment.refunded':
      return text('paymentRefunded', { amount: money(payload.amount) });
    case 'payment.refund_reversed':
      // Forfeited with the terminated line's balance: nothing to tell a number no one holds.
      return payload.forfeited === true ? null : text('refundReversed', { amount: money(payload.amount) });
    case 'package.purchased':
    case 'package.renewed':
      return text(topic === 'package.purchased' ? 'packagePurchased' : 'packageRenewed', { name: name(), date: almatyDayIn(language, payload.expiresAt), price: money(payload.pricePaid) });
    case 'package.renewal_failed': {
      // A line in grace (its validity ended), or suspended by the lifecycle (not barred by the
      // operator), is brought back by a top-up, which wakes the retry: the pack then renews and is
      // charged, so the subscriber is told so, as for want of money.
      // The window ends at the time of day the pack ended (00:30 for a pack bought then): "by 5 Mar"
      // alone would promise a renewal to a top-up later that day, which comes after the window.
      // The balance short of the price too (details.shortfall): a top-up brings the line back but
      // renews only if it brings that much (a retry that fails for want of money is told once more).
      const details = payload.details as { status?: unknown; shortfall?: unknown } | undefined;
      const comesBack = details?.status === 'grace' || (details?.status === 'suspended' && payload.barred !== true);
      if (payload.reason === 'line_status_invalid' && comesBack) {
        const date = almatyDateTimeIn(language, payload.retryUntil);
        return Number(details?.shortfall ?? 0) > 0 ? text('renewalLineExpiredShort', { name: name(), shortfall: money(details?.shortfall), date }) : text('renewalLineExpired', { name: name(), date });
      }
      return payload.reason === 'balance_insufficient'
        ? text('renewalNoMoney', { name: name(), date: almatyDateTimeIn(language, payload.retryUntil) })
        : text('renewalFailed', { name: name() });
    }
    case 'bonus.granted':
      return text('bonusGranted', { amount: money(payload.amount), date: almatyDayIn(language, payload.expiresAt) });
    case 'bonus.expired':
      return text('bonusExpired', { amount: money(payload.amount) });
    case 'line.validity_expiring':
      // With the time of day: validity ends at the time of the top-up that gave it (00:30 for one
      // then), and the line is in grace from that instant: "until 11 Mar" alone would promise all of it.
      return text('validityExpiring', { date: almatyDateTimeIn(language, payload.validUntil), balance: money(payload.balance) });
    case 'package.expiring':
      return text(payload.autoRenew === true ? 'packageRenewing' : 'packageEnding', { name: name(), date: almatyDayIn(language, payload.expiresAt), price: money(payload.renewalPrice) });
    case 'balance.low':
      return text('balanceLow', { balance: money(payload.balance) });
    default:
      return null;
  }
}
