import { formatTenge } from '../domain/money.ts';

/**
 * The SMS texts of this capability's outbox events, in the line's language, for the notification
 * worker to send: `subscriberMessage(topic, payload)` → text, or null when the event sends none.
 */
type Language = 'en' | 'ru' | 'kk' | 'zh';
type Key = 'grace' | 'suspended' | 'terminated' | 'reactivated' | 'bucket80' | 'bucket100' | 'creditGranted' | 'transferReceived';

const TEXTS: Record<Language, Record<Key, string>> = {
  en: {
    grace: 'Your validity has ended: incoming calls only. Top up to restore service.',
    suspended: 'Your number is suspended. Top up within {days} days to keep it.',
    terminated: 'Your number has been closed and its balance forfeited.',
    reactivated: 'Your number is active again.',
    bucket80: 'You have used 80% of your {unit} allowance.',
    bucket100: 'Your {unit} allowance is used up.',
    creditGranted: 'Promised payment of {amount} added. {owed} will be taken from your next top-up or on {due}.',
    transferReceived: '{from} sent you {amount}.',
  },
  ru: {
    grace: 'Срок действия истёк: доступны только входящие звонки. Пополните баланс, чтобы восстановить связь.',
    suspended: 'Номер приостановлен. Пополните баланс в течение {days} дн., чтобы сохранить его.',
    terminated: 'Номер закрыт, остаток баланса списан.',
    reactivated: 'Номер снова активен.',
    bucket80: 'Вы израсходовали 80% пакета: {unit}.',
    bucket100: 'Пакет исчерпан: {unit}.',
    creditGranted: 'Обещанный платёж {amount} зачислен. {owed} будет списано при следующем пополнении или {due}.',
    transferReceived: '{from} перевёл(а) вам {amount}.',
  },
  kk: {
    grace: 'Жарамдылық мерзімі аяқталды: тек кіріс қоңыраулар. Байланысты қалпына келтіру үшін толықтырыңыз.',
    suspended: 'Нөміріңіз тоқтатылды. Сақтау үшін {days} күн ішінде толықтырыңыз.',
    terminated: 'Нөміріңіз жабылды, баланс қалдығы есептен шығарылды.',
    reactivated: 'Нөміріңіз қайта белсенді.',
    bucket80: 'Пакеттің 80% пайдаланылды: {unit}.',
    bucket100: 'Пакет таусылды: {unit}.',
    creditGranted: '{amount} уәде етілген төлем есептелді. {owed} келесі толықтыруда немесе {due} ұсталады.',
    transferReceived: '{from} сізге {amount} аударды.',
  },
  zh: {
    grace: '有效期已结束：仅可接听来电。充值即可恢复服务。',
    suspended: '您的号码已暂停。请在 {days} 天内充值以保留号码。',
    terminated: '您的号码已注销，余额已清零。',
    reactivated: '您的号码已恢复使用。',
    bucket80: '您的{unit}套餐已使用 80%。',
    bucket100: '您的{unit}套餐已用完。',
    creditGranted: '已发放预借款 {amount}。将在下次充值时或 {due} 扣除 {owed}。',
    transferReceived: '{from} 向您转账 {amount}。',
  },
};

const UNIT_NAMES: Record<Language, Record<string, string>> = {
  en: { DATA_BYTES: 'data', VOICE_SECONDS: 'minutes', SMS: 'SMS' },
  ru: { DATA_BYTES: 'интернет', VOICE_SECONDS: 'минуты', SMS: 'SMS' },
  kk: { DATA_BYTES: 'интернет', VOICE_SECONDS: 'минуттар', SMS: 'SMS' },
  zh: { DATA_BYTES: '流量', VOICE_SECONDS: '通话', SMS: '短信' },
};

export function subscriberMessage(topic: string, payload: Record<string, unknown>, options: { suspendedDays?: number } = {}): string | null {
  const language = languageOf(payload.language ?? payload.receiverLanguage);
  const text = (key: Key, values: Record<string, string> = {}) => TEXTS[language][key].replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? '');
  const money = (value: unknown) => formatTenge(BigInt(Number(value ?? 0)));
  if (topic === 'line.status_changed') {
    if (payload.to === 'grace') return text('grace');
    if (payload.to === 'suspended') return text('suspended', { days: String(options.suspendedDays ?? 60) });
    if (payload.to === 'terminated') return text('terminated');
    if (payload.to === 'active' && payload.from !== 'preactive') return text('reactivated');
    return null;
  }
  if (topic === 'bucket.usage_threshold') {
    const unit = UNIT_NAMES[language][String(payload.unit)] ?? String(payload.unit);
    return text(payload.thresholdPercent === 100 ? 'bucket100' : 'bucket80', { unit });
  }
  if (topic === 'credit.granted') {
    return text('creditGranted', { amount: money(payload.amount), owed: money(Number(payload.amount) + Number(payload.fee)), due: String(payload.dueAt ?? '').slice(0, 10) });
  }
  if (topic === 'transfer.completed') return text('transferReceived', { from: String(payload.from), amount: money(payload.amount) });
  return null;
}

function languageOf(value: unknown): Language {
  return value === 'ru' || value === 'kk' || value === 'zh' ? value : 'en';
}
