/** Every word the sandbox checkout shows, in the four languages of Tolem's subscribers. */
export const SANDBOX_LANGUAGES = ['en', 'ru', 'kk', 'zh'] as const;
export type SandboxLanguage = (typeof SANDBOX_LANGUAGES)[number];

export function sandboxLanguageOf(value: unknown): SandboxLanguage {
  return (SANDBOX_LANGUAGES as readonly unknown[]).includes(value) ? (value as SandboxLanguage) : 'en';
}

type Labels = Record<
  'title' | 'testMode' | 'amount' | 'cardNumber' | 'expiry' | 'cvc' | 'pay' | 'cancel' | 'testCards' | 'succeeded' | 'succeededText'
  | 'declined' | 'tryAnother' | 'challenge' | 'challengeText' | 'approve' | 'fail' | 'processing' | 'processingText' | 'unknown'
  | 'unknownText' | 'canceled' | 'closed' | 'invalidCard' | 'invalidExpiry' | 'expiredCard' | 'invalidCvc' | 'back' | 'reason_card_declined' | 'reason_insufficient_funds'
  | 'reason_authentication_failed' | 'reason_velocity'
  | 'card_approve' | 'card_decline' | 'card_insufficient_funds' | 'card_challenge' | 'card_processing' | 'card_timeout', string>;

export const SANDBOX_LABELS: Record<SandboxLanguage, Labels> = {
  en: {
    title: 'Card payment', testMode: 'Sandbox — test mode, no real money is charged.', amount: 'Amount', cardNumber: 'Card number',
    expiry: 'Expiry (MM/YY)', cvc: 'CVC', pay: 'Pay', cancel: 'Cancel', testCards: 'Test cards',
    succeeded: 'Payment approved', succeededText: 'The balance will be credited in a moment.', declined: 'Payment declined',
    tryAnother: 'Try another card or another payment method.', challenge: 'Confirm the payment', challengeText: 'Your bank asks you to confirm this payment (3-D Secure test).',
    approve: 'Approve', fail: 'Fail', processing: 'Payment is processing', processingText: 'We will credit the balance as soon as the bank confirms.',
    unknown: 'Waiting for the bank', unknownText: 'The bank did not answer in time. We will check and credit the balance if the payment went through.',
    canceled: 'Payment canceled', closed: 'This checkout is closed.', invalidCard: 'The card number is not valid.',
    invalidExpiry: 'The expiry date is not valid: enter the month (01–12) and the year as MM/YY.', expiredCard: 'The card has expired.',
    invalidCvc: 'The CVC is not valid: the 3 digits on the back of the card (4 on the front of an American Express card).', back: 'Back to the shop',
    reason_card_declined: 'The card was declined.', reason_insufficient_funds: 'Insufficient funds on the card.',
    reason_authentication_failed: 'The payment was not confirmed.', reason_velocity: 'Too many payments with this card; use another method.',
    card_approve: 'approves at once', card_decline: 'declined (card_declined)', card_insufficient_funds: 'declined (insufficient_funds)',
    card_challenge: '3-D Secure-like challenge page: approve or fail', card_processing: 'processing; succeeds later (SANDBOX_PROCESSING_SECONDS)',
    card_timeout: 'gateway timeout: Tolem sees unknown; the charge succeeded, reconciliation finds it',
  },
  ru: {
    title: 'Оплата картой', testMode: 'Песочница — тестовый режим, реальные деньги не списываются.', amount: 'Сумма', cardNumber: 'Номер карты',
    expiry: 'Срок (ММ/ГГ)', cvc: 'CVC', pay: 'Оплатить', cancel: 'Отмена', testCards: 'Тестовые карты',
    succeeded: 'Платёж одобрен', succeededText: 'Баланс пополнится через несколько секунд.', declined: 'Платёж отклонён',
    tryAnother: 'Попробуйте другую карту или другой способ оплаты.', challenge: 'Подтвердите платёж', challengeText: 'Банк просит подтвердить платёж (тест 3-D Secure).',
    approve: 'Подтвердить', fail: 'Отклонить', processing: 'Платёж обрабатывается', processingText: 'Мы пополним баланс, как только банк подтвердит платёж.',
    unknown: 'Ждём ответа банка', unknownText: 'Банк не ответил вовремя. Мы проверим и пополним баланс, если платёж прошёл.',
    canceled: 'Платёж отменён', closed: 'Эта страница оплаты закрыта.', invalidCard: 'Неверный номер карты.',
    invalidExpiry: 'Неверный срок действия: введите месяц (01–12) и год в виде ММ/ГГ.', expiredCard: 'Срок действия карты истёк.',
    invalidCvc: 'Неверный CVC: 3 цифры на обороте карты (4 на лицевой стороне карты American Express).', back: 'Вернуться в магазин',
    reason_card_declined: 'Карта отклонена.', reason_insufficient_funds: 'Недостаточно средств на карте.',
    reason_authentication_failed: 'Платёж не подтверждён.', reason_velocity: 'Слишком много платежей этой картой; выберите другой способ.',
    card_approve: 'одобряется сразу', card_decline: 'отклоняется (card_declined)', card_insufficient_funds: 'отклоняется (insufficient_funds)',
    card_challenge: 'страница подтверждения, как 3-D Secure: подтвердить или отклонить', card_processing: 'обрабатывается; проходит позже (SANDBOX_PROCESSING_SECONDS)',
    card_timeout: 'таймаут шлюза: Tolem видит «неизвестно»; списание прошло, сверка его находит',
  },
  kk: {
    title: 'Картамен төлеу', testMode: 'Сынақ режимі: нақты ақша алынбайды.', amount: 'Сома', cardNumber: 'Карта нөмірі',
    expiry: 'Мерзімі (АА/ЖЖ)', cvc: 'CVC', pay: 'Төлеу', cancel: 'Бас тарту', testCards: 'Сынақ карталары',
    succeeded: 'Төлем мақұлданды', succeededText: 'Баланс сәлден соң толықтырылады.', declined: 'Төлем қабылданбады',
    tryAnother: 'Басқа картаны немесе басқа төлем тәсілін қолданып көріңіз.', challenge: 'Төлемді растаңыз', challengeText: 'Банк төлемді растауды сұрайды (3-D Secure сынағы).',
    approve: 'Растау', fail: 'Қабылдамау', processing: 'Төлем өңделуде', processingText: 'Банк растаған бойда балансты толықтырамыз.',
    unknown: 'Банктің жауабын күтудеміз', unknownText: 'Банк уақытында жауап бермеді. Тексереміз: төлем өтсе, балансты толықтырамыз.',
    canceled: 'Төлемнен бас тартылды', closed: 'Бұл төлем беті жабық.', invalidCard: 'Карта нөмірі қате.',
    invalidExpiry: 'Жарамдылық мерзімі қате: айды (01–12) және жылды АА/ЖЖ түрінде енгізіңіз.', expiredCard: 'Картаның жарамдылық мерзімі өтіп кеткен.',
    invalidCvc: 'CVC қате: картаның артқы жағындағы 3 цифр (American Express картасының алдыңғы жағындағы 4 цифр).', back: 'Дүкенге оралу',
    reason_card_declined: 'Карта қабылданбады.', reason_insufficient_funds: 'Картада қаражат жеткіліксіз.',
    reason_authentication_failed: 'Төлем расталмады.', reason_velocity: 'Бұл картамен төлем тым көп; басқа тәсілді таңдаңыз.',
    card_approve: 'бірден мақұлданады', card_decline: 'қабылданбайды (card_declined)', card_insufficient_funds: 'қабылданбайды (insufficient_funds)',
    card_challenge: '3-D Secure сияқты растау беті: растау немесе қабылдамау', card_processing: 'өңделуде; кейін өтеді (SANDBOX_PROCESSING_SECONDS)',
    card_timeout: 'шлюз уақыты бітті: Tolem «белгісіз» көреді; төлем өткен, салыстыру оны табады',
  },
  zh: {
    title: '银行卡支付', testMode: '沙盒 — 测试模式，不会扣除真实资金。', amount: '金额', cardNumber: '卡号',
    expiry: '有效期 (MM/YY)', cvc: 'CVC', pay: '支付', cancel: '取消', testCards: '测试卡',
    succeeded: '支付成功', succeededText: '余额即将到账。', declined: '支付被拒绝',
    tryAnother: '请尝试其他银行卡或其他支付方式。', challenge: '确认支付', challengeText: '您的银行要求确认此次支付（3-D Secure 测试）。',
    approve: '确认', fail: '拒绝', processing: '支付处理中', processingText: '银行确认后我们将立即充值。',
    unknown: '等待银行回复', unknownText: '银行未及时回复。我们会核实，如支付成功将为您充值。',
    canceled: '支付已取消', closed: '此支付页面已关闭。', invalidCard: '卡号无效。',
    invalidExpiry: '有效期无效：请按 MM/YY 格式输入月份（01–12）和年份。', expiredCard: '此卡已过期。',
    invalidCvc: 'CVC 无效：应为卡背面的 3 位数字（American Express 卡为正面的 4 位数字）。', back: '返回商店',
    reason_card_declined: '银行卡被拒绝。', reason_insufficient_funds: '卡内余额不足。',
    reason_authentication_failed: '支付未确认。', reason_velocity: '此卡支付次数过多，请使用其他方式。',
    card_approve: '立即成功', card_decline: '被拒绝 (card_declined)', card_insufficient_funds: '被拒绝 (insufficient_funds)',
    card_challenge: '类似 3-D Secure 的确认页面：确认或拒绝', card_processing: '处理中；稍后成功 (SANDBOX_PROCESSING_SECONDS)',
    card_timeout: '网关超时：Tolem 看到“未知”；扣款已成功，对账会找到它',
  },
};
