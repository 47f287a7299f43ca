// Everything a subscriber reads on these pages, in English, Russian, Kazakh and Chinese.
export const LANGUAGES = { en: 'English', ru: 'Русский', kk: 'Қазақша', zh: '中文' };

export const TEXT = {
  en: {
    pageTitles: { topup: 'Tolem — top up a Kazakhstan SIM', account: 'Tolem — my account' }, language: 'Language',
    title: 'Top up a Kazakhstan SIM', tagline: 'Any card, from anywhere. The money reaches the line in seconds.',
    number: 'Phone number', next: 'Continue', change: 'Change',
    confirm: 'Top up this number?', operator: 'Operator', notOurs: 'This number is not served here. Check it and try again.',
    cannotTopUp: 'This number cannot be topped up.', amount: 'Amount', amountHint: 'From {min} to {max}', labelled: '{label}: {value}', pay: 'Pay',
    paying: 'Taking you to the payment page…', waiting: 'Waiting for the payment to be confirmed…',
    succeeded: 'Done! The balance has been topped up.', receipt: 'Receipt', downloadReceipt: 'Download the receipt (PDF)', receiptUnavailable: 'The receipt could not be downloaded. Please try again.', failed: 'The payment did not go through.',
    retry: 'Try again, or use another card.', expired: 'The payment expired.', another: 'Top up again',
    account: 'My account', error: 'Something went wrong. Please try again.', tooMany: 'Too many attempts. Wait a little and try again.',
    login: 'Log in', password: 'Password', logout: 'Log out', wrongLogin: 'Wrong number or password.',
    smsLanguage: 'SMS and receipts in', useThisLanguage: 'Send them in English',     myLines: 'My lines', balance: 'Balance', bonus: 'Bonus', validUntil: 'Valid until', status: 'Status',
    history: 'History', packages: 'Packages', messages: 'Messages', noMessages: 'No messages yet.', notDelivered: 'Not delivered', notSentYet: 'Not sent yet', buy: 'Buy', buyPackage: 'Buy a package', noPackages: 'No active packages.',
    remaining: '{amount} left', expires: 'expires {date}', renewNow: 'Renew now · {price}', autoRenew: 'Renew automatically', awaitingFunds: 'Ended: renews when the balance allows', renewed: 'Renewed!', bought: 'Bought!', insufficient: 'Not enough balance: top up first.', insufficientBy: 'Not enough balance: {shortfall} more is needed. Top up first.', priceChanged: 'The price has just changed: look again.',
    topUpLink: 'Top up', noHistory: 'No movements yet.', days: '{count} days', oneDay: '{count} day', monthly: 'monthly',
    units: { gb: '{count}\u00a0GB', mb: '{count}\u00a0MB', min: '{count}\u00a0min', sms: '{count}\u00a0SMS' },
    statuses: { preactive: 'not yet active', active: 'active', grace: 'grace period', suspended: 'suspended', barred: 'blocked by the operator', terminated: 'closed' },
    codes: {
      topup: 'Top-up', topup_bonus: 'Top-up bonus', topup_bonus_reversal: 'Bonus taken back', topup_reversal: 'Top-up reversed',
      refund: 'Refund', refund_reversal: 'Refund returned by the bank', package_purchase: 'Package', package_allowance: 'Package allowance', package_rollover: 'Carried over',
      usage: 'Usage', expiry: 'Expired', forfeit: 'Forfeited', balance_transfer: 'Transfer', balance_transfer_fee: 'Transfer fee',
      promised_payment: 'Promised payment', promised_payment_fee: 'Promised payment fee', credit_repayment: 'Promised payment repaid',
      credit_writeoff: 'Debt written off',
    },
    otherMovement: 'Other',
    movementPending: '{label} (awaiting payment)', movementInProgress: '{label} (in progress)', movementVoided: '{label} (cancelled)',
    timesNote: 'Times are Almaty time (UTC+5).',
    numberPlaceholder: '+7 7xx xxx xx xx', numberHelp: 'Also as 8 7xx… or 7xx…', offline: 'No connection. Check your internet and try again.', dailyLimitLeft: 'This number can be topped up by at most {remaining} more today.', dailyLimitReached: 'This number has had all the top-ups allowed today. Try again tomorrow.', showMore: 'Show more', loading: 'Loading…',
    tooManyMinutes: 'Too many attempts. Try again in {minutes} min.', tooManyHours: 'Too many attempts. Try again in {hours} h.',
    paymentsTooMany: 'Too many payment attempts. Wait a little and try again.', paymentsTooManyMinutes: 'Too many payment attempts. Try again in {minutes} min.', paymentsTooManyHours: 'Too many payment attempts. Try again in {hours} h.',
    staffLogin: 'This page is for subscribers: log out and log in with a phone number.', sessionEnded: 'Your session has ended: log in again.', packageAlreadyActive: 'A package of this kind is already active: renew it in Packages instead.', lineNotActive: 'This number is not active: top it up first to bring it back.', lineBarred: 'This number is blocked by the operator: contact customer service. A top-up does not unblock it.', invalidNumber: 'This is not a Kazakhstan mobile number. Type it as +7 7xx xxx xx xx.',
    offeringUnavailable: 'This package is no longer on sale.',
    amountInvalid: 'Enter a whole amount from {min} to {max}.', tryAgain: 'Try again', checkAgain: 'Check again', canceled: 'Payment cancelled.',
    statusElsewhere: 'We cannot show this payment here. If your card was charged, the balance is topped up by itself and an SMS comes: do not pay again.',
    stillChecking: 'Your bank has not confirmed the payment yet. Do not pay again: if your card was charged, the balance is topped up by itself and an SMS comes.',
    failureReasons: { card_declined: 'The card was declined.', insufficient_funds: 'Not enough money on the card.', authentication_failed: 'The payment was not confirmed with your bank.', instrument_declined: 'PayPal declined the card or account chosen: pay again with another one.', velocity: 'Too many payments with this card: use another card or method.' },
    // A payment the line could not take (terminated meanwhile, over the day's limit): charged, then refunded in full.
    creditRefused: 'The number could not take the money, so the payment is being refunded to your card in full: the balance is unchanged.',
    fromBonus: '{label} (from bonus)',
    promisedPayment: 'Promised payment', sendBalance: 'Send balance',
    promo: {
      label: 'Promo code', apply: 'Apply', applied: 'Code {code} applied: the prices below include it.',
      problems: {
        promo_code_invalid: 'This code is unknown, expired or not valid for these packages.', promo_code_exhausted: 'This code has been used up.',
        promo_code_line_limit: 'This number has used this code as often as allowed.', promo_code_not_better: 'This code gives no better price than today\'s.',
      },
    },
    // {days} in these texts is formatDays' words, unit included: "1 day", "30 days", "3 дн.", "30天".
    credit: {
      owed: 'You owe {amount}. It is taken from your next top-up, or from the balance on {date}.',
      offer: 'Money now, repaid from your next top-up within {days}.', take: 'Take {amount} · fee {fee}', taken: '{amount} added to the balance.',
      refusals: {
        tenure: 'Available once the line\'s first top-up is {days} old.', no_recent_topup: 'Available to lines topped up in the last {days}.',
        line_not_active: 'Available to active lines only.', credit_open: 'Repay the promised payment you have first.',
      },
    },
    transfer: {
      to: 'Send to number', amount: 'Amount, ₸', confirm: 'Send {amount} to {to}? Fee {fee}.', codeSent: 'We sent a code by SMS to {from}. It is valid until {time}.',
      code: 'Code from the SMS', send: 'Send', sent: '{amount} sent to {to}.', cancel: 'Cancel',
      problems: {
        amount_invalid: 'Enter an amount in whole tenge.', amount_below_minimum: 'The smallest transfer is {minimum}.', amount_above_maximum: 'The largest transfer is {maximum}.',
        msisdn_invalid: 'Check the number: a Kazakhstan mobile number, +7 7xx xxx xx xx.', line_not_found: 'This number is not served here.',
        transfer_same_line: 'Choose a number other than the sending one.', transfer_daily_limit_exceeded: 'Over today\'s transfer limit: {remaining} left today.',
        balance_insufficient: 'Not enough balance: the transfer and its fee need {required}.', credit_open: 'Repay your promised payment first.',
        line_status_invalid: 'Only an active line can send balance.', line_terminated: 'That line is closed.',
        transfer_confirmation_code_invalid: 'Wrong code. Attempts left: {attemptsLeft}.', transfer_confirmation_expired: 'The code is no longer valid: start again.',
      },
    },
  },
  ru: {
    pageTitles: { topup: 'Tolem — пополнить казахстанскую SIM-карту', account: 'Tolem — личный кабинет' }, language: 'Язык',
    title: 'Пополнить казахстанскую SIM-карту', tagline: 'Любой картой, из любой страны. Деньги поступают за секунды.',
    number: 'Номер телефона', next: 'Далее', change: 'Изменить',
    confirm: 'Пополнить этот номер?', operator: 'Оператор', notOurs: 'Этот номер у нас не обслуживается. Проверьте его и попробуйте снова.',
    cannotTopUp: 'Этот номер нельзя пополнить.', amount: 'Сумма', amountHint: 'От {min} до {max}', labelled: '{label}: {value}', pay: 'Оплатить',
    paying: 'Переходим на страницу оплаты…', waiting: 'Ждём подтверждения платежа…',
    succeeded: 'Готово! Баланс пополнен.', receipt: 'Чек', downloadReceipt: 'Скачать чек (PDF)', receiptUnavailable: 'Не удалось скачать чек. Попробуйте ещё раз.', failed: 'Платёж не прошёл.',
    retry: 'Попробуйте ещё раз или оплатите другой картой.', expired: 'Время платежа истекло.', another: 'Пополнить ещё',
    account: 'Личный кабинет', error: 'Что-то пошло не так. Попробуйте ещё раз.', tooMany: 'Слишком много попыток. Подождите немного.',
    login: 'Войти', password: 'Пароль', logout: 'Выйти', wrongLogin: 'Неверный номер или пароль.',
    smsLanguage: 'SMS и чеки на языке', useThisLanguage: 'Присылать на русском',     myLines: 'Мои номера', balance: 'Баланс', bonus: 'Бонус', validUntil: 'Действует до', status: 'Статус',
    history: 'История', packages: 'Пакеты', messages: 'Сообщения', noMessages: 'Сообщений пока нет.', notDelivered: 'Не доставлено', notSentYet: 'Ещё не отправлено', buy: 'Купить', buyPackage: 'Купить пакет', noPackages: 'Нет активных пакетов.',
    remaining: 'осталось {amount}', expires: 'до {date}', renewNow: 'Продлить сейчас · {price}', autoRenew: 'Продлевать автоматически', awaitingFunds: 'Закончился: продлится, когда хватит средств', renewed: 'Продлено!', bought: 'Куплено!', insufficient: 'Недостаточно средств: сначала пополните баланс.', insufficientBy: 'Недостаточно средств: не хватает {shortfall}. Сначала пополните баланс.', priceChanged: 'Цена только что изменилась: посмотрите ещё раз.',
    topUpLink: 'Пополнить', noHistory: 'Операций пока нет.', days: '{count}\u00a0дн.', oneDay: '{count}\u00a0дн.', monthly: 'ежемесячно',
    units: { gb: '{count}\u00a0ГБ', mb: '{count}\u00a0МБ', min: '{count}\u00a0мин', sms: '{count}\u00a0SMS' },
    statuses: { preactive: 'ещё не активен', active: 'активен', grace: 'льготный период', suspended: 'приостановлен', barred: 'заблокирован оператором', terminated: 'закрыт' },
    codes: {
      topup: 'Пополнение', topup_bonus: 'Бонус за пополнение', topup_bonus_reversal: 'Отмена бонуса', topup_reversal: 'Отмена пополнения',
      refund: 'Возврат', refund_reversal: 'Возврат не принят банком', package_purchase: 'Пакет', package_allowance: 'Начисление пакета', package_rollover: 'Перенос остатка',
      usage: 'Расход', expiry: 'Сгорание', forfeit: 'Списание', balance_transfer: 'Перевод', balance_transfer_fee: 'Комиссия за перевод',
      promised_payment: 'Обещанный платёж', promised_payment_fee: 'Комиссия за обещанный платёж', credit_repayment: 'Погашение обещанного платежа',
      credit_writeoff: 'Списание долга',
    },
    otherMovement: 'Прочее',
    movementPending: '{label} (ожидает оплаты)', movementInProgress: '{label} (в обработке)', movementVoided: '{label} (отменено)',
    timesNote: 'Время указано по Алматы (UTC+5).',
    numberPlaceholder: '+7 7xx xxx xx xx', numberHelp: 'Можно и 8 7xx… или 7xx…', offline: 'Нет связи. Проверьте интернет и попробуйте снова.', dailyLimitLeft: 'Сегодня этот номер можно пополнить ещё не более чем на {remaining}.', dailyLimitReached: 'Дневной лимит пополнений этого номера исчерпан. Попробуйте завтра.', showMore: 'Показать ещё', loading: 'Загрузка…',
    tooManyMinutes: 'Слишком много попыток. Попробуйте снова через {minutes}\u00a0мин.', tooManyHours: 'Слишком много попыток. Попробуйте снова через {hours}\u00a0ч.',
    paymentsTooMany: 'Слишком много попыток оплаты. Подождите немного и попробуйте снова.', paymentsTooManyMinutes: 'Слишком много попыток оплаты. Попробуйте снова через {minutes}\u00a0мин.', paymentsTooManyHours: 'Слишком много попыток оплаты. Попробуйте снова через {hours}\u00a0ч.',
    staffLogin: 'Эта страница для абонентов: выйдите и войдите по номеру телефона.', sessionEnded: 'Сеанс завершён: войдите снова.', packageAlreadyActive: 'Пакет этого типа уже действует: продлите его в разделе «Пакеты».', lineNotActive: 'Номер не активен: сначала пополните баланс, чтобы его восстановить.', lineBarred: 'Номер заблокирован оператором: обратитесь в службу поддержки. Пополнение его не разблокирует.', invalidNumber: 'Это не казахстанский мобильный номер. Введите его в виде +7 7xx xxx xx xx.',
    offeringUnavailable: 'Этот пакет больше не продаётся.',
    amountInvalid: 'Введите целую сумму от {min} до {max}.', tryAgain: 'Попробовать ещё раз', checkAgain: 'Проверить ещё раз', canceled: 'Платёж отменён.',
    statusElsewhere: 'Здесь мы не можем показать этот платёж. Если деньги списаны, баланс пополнится сам и придёт SMS — не платите повторно.',
    stillChecking: 'Банк ещё не подтвердил платёж. Не платите повторно: если деньги списаны, баланс пополнится сам и придёт SMS.',
    failureReasons: { card_declined: 'Карта отклонена.', insufficient_funds: 'Недостаточно средств на карте.', authentication_failed: 'Платёж не подтверждён в банке.', instrument_declined: 'PayPal отклонил выбранную карту или счёт: оплатите ещё раз другой картой или счётом.', velocity: 'Слишком много платежей этой картой: выберите другую карту или способ.' },
    // A payment the line could not take (terminated meanwhile, over the day's limit): charged, then refunded in full.
    creditRefused: 'Номер не смог принять деньги, поэтому платёж полностью возвращается на вашу карту: баланс не изменился.',
    fromBonus: '{label} (с бонусного счёта)',
    promisedPayment: 'Обещанный платёж', sendBalance: 'Перевести баланс',
    promo: {
      label: 'Промокод', apply: 'Применить', applied: 'Промокод {code} применён: цены ниже уже с ним.',
      problems: {
        promo_code_invalid: 'Промокод неизвестен, истёк или не действует на эти пакеты.', promo_code_exhausted: 'Промокод уже израсходован.',
        promo_code_line_limit: 'Этот номер уже использовал промокод максимальное число раз.', promo_code_not_better: 'С этим промокодом цена не ниже сегодняшней.',
      },
    },
    credit: {
      owed: 'Вы должны {amount}. Сумма спишется при следующем пополнении или с баланса {date}.',
      offer: 'Деньги сейчас, погашение из следующего пополнения в течение {days}', take: 'Взять {amount} · комиссия {fee}', taken: '{amount} зачислено на баланс.',
      refusals: {
        tenure: 'Доступно, когда с первого пополнения номера пройдёт {days}', no_recent_topup: 'Доступно номерам, пополненным за последние {days}',
        line_not_active: 'Доступно только активным номерам.', credit_open: 'Сначала погасите текущий обещанный платёж.',
      },
    },
    transfer: {
      to: 'На номер', amount: 'Сумма, ₸', confirm: 'Перевести {amount} на {to}? Комиссия {fee}.', codeSent: 'Мы отправили код в SMS на {from}. Он действует до {time}.',
      code: 'Код из SMS', send: 'Перевести', sent: '{amount} переведено на {to}.', cancel: 'Отмена',
      problems: {
        amount_invalid: 'Введите сумму в целых тенге.', amount_below_minimum: 'Минимальный перевод — {minimum}.', amount_above_maximum: 'Максимальный перевод — {maximum}.',
        msisdn_invalid: 'Проверьте номер: казахстанский мобильный, +7 7xx xxx xx xx.', line_not_found: 'Этот номер у нас не обслуживается.',
        transfer_same_line: 'Выберите номер, отличный от номера отправителя.', transfer_daily_limit_exceeded: 'Превышен дневной лимит переводов: сегодня осталось {remaining}.',
        balance_insufficient: 'Недостаточно средств: на перевод с комиссией нужно {required}.', credit_open: 'Сначала погасите обещанный платёж.',
        line_status_invalid: 'Переводить баланс может только активный номер.', line_terminated: 'Этот номер закрыт.',
        transfer_confirmation_code_invalid: 'Неверный код. Осталось попыток: {attemptsLeft}.', transfer_confirmation_expired: 'Код больше не действует: начните заново.',
      },
    },
  },
  kk: {
    pageTitles: { topup: 'Tolem — қазақстандық SIM-картаның балансын толықтыру', account: 'Tolem — жеке кабинет' }, language: 'Тіл',
    title: 'Қазақстандық SIM-картаның балансын толықтыру', tagline: 'Кез келген картамен, кез келген елден. Ақша бірнеше секундта түседі.',
    number: 'Телефон нөмірі', next: 'Әрі қарай', change: 'Өзгерту',
    confirm: 'Осы нөмірдің балансын толықтырасыз ба?', operator: 'Оператор', notOurs: 'Бұл нөмірге біз қызмет көрсетпейміз. Тексеріп, қайталап көріңіз.',
    cannotTopUp: 'Бұл нөмірдің балансын толықтыруға болмайды.', amount: 'Сома', amountHint: 'Ең азы {min}, ең көбі {max}', labelled: '{label}: {value}', pay: 'Төлеу',
    paying: 'Төлем бетіне өтудеміз…', waiting: 'Төлемнің расталуын күтудеміз…',
    succeeded: 'Дайын! Баланс толықтырылды.', receipt: 'Түбіртек', downloadReceipt: 'Түбіртекті жүктеп алу (PDF)', receiptUnavailable: 'Түбіртекті жүктеп алу мүмкін болмады. Қайталап көріңіз.', failed: 'Төлем өтпеді.',
    retry: 'Қайталап көріңіз немесе басқа картамен төлеңіз.', expired: 'Төлем уақыты өтіп кетті.', another: 'Тағы толықтыру',
    account: 'Жеке кабинет', error: 'Бірдеңе дұрыс болмады. Қайталап көріңіз.', tooMany: 'Әрекет тым көп. Сәл күтіңіз.',
    login: 'Кіру', password: 'Құпиясөз', logout: 'Шығу', wrongLogin: 'Нөмір немесе құпиясөз қате.',
    smsLanguage: 'SMS мен түбіртектер тілі', useThisLanguage: 'Қазақша жіберу',     myLines: 'Менің нөмірлерім', balance: 'Баланс', bonus: 'Бонус', validUntil: 'Жарамдылық мерзімі', status: 'Күйі',
    history: 'Тарих', packages: 'Пакеттер', messages: 'Хабарламалар', noMessages: 'Әзірге хабарлама жоқ.', notDelivered: 'Жеткізілмеді', notSentYet: 'Әлі жіберілмеді', buy: 'Сатып алу', buyPackage: 'Пакет сатып алу', noPackages: 'Белсенді пакет жоқ.',
    remaining: '{amount} қалды', expires: '{date} дейін', renewNow: 'Қазір ұзарту · {price}', autoRenew: 'Автоматты түрде ұзарту', awaitingFunds: 'Аяқталды: қаражат жеткенде ұзартылады', renewed: 'Ұзартылды!', bought: 'Сатып алынды!', insufficient: 'Қаражат жеткіліксіз: алдымен балансты толықтырыңыз.', insufficientBy: 'Қаражат жеткіліксіз: тағы {shortfall} қажет. Алдымен балансты толықтырыңыз.', priceChanged: 'Баға жаңа ғана өзгерді: қайта қараңыз.',
    topUpLink: 'Толықтыру', noHistory: 'Әзірге операция жоқ.', days: '{count}\u00a0күн', oneDay: '{count}\u00a0күн', monthly: 'ай сайын',
    units: { gb: '{count}\u00a0ГБ', mb: '{count}\u00a0МБ', min: '{count}\u00a0мин', sms: '{count}\u00a0SMS' },
    statuses: { preactive: 'әлі белсенді емес', active: 'белсенді', grace: 'жеңілдік кезеңі', suspended: 'тоқтатылған', barred: 'оператор бұғаттаған', terminated: 'жабылған' },
    codes: {
      topup: 'Толықтыру', topup_bonus: 'Толықтыру бонусы', topup_bonus_reversal: 'Бонусты қайтарып алу', topup_reversal: 'Толықтырудың күшін жою',
      refund: 'Қайтару', refund_reversal: 'Қайтаруды банк қабылдамады', package_purchase: 'Пакет', package_allowance: 'Пакет көлемі', package_rollover: 'Қалдықты көшіру',
      usage: 'Пайдалану', expiry: 'Мерзімі өтті', forfeit: 'Есептен шығару', balance_transfer: 'Аударым', balance_transfer_fee: 'Аударым комиссиясы',
      promised_payment: 'Уәде етілген төлем', promised_payment_fee: 'Уәде етілген төлем комиссиясы', credit_repayment: 'Уәде етілген төлемді өтеу',
      credit_writeoff: 'Қарызды есептен шығару',
    },
    otherMovement: 'Басқа',
    movementPending: '{label} (төлем күтілуде)', movementInProgress: '{label} (өңделуде)', movementVoided: '{label} (күші жойылды)',
    timesNote: 'Уақыт Алматы уақытымен (UTC+5) көрсетілген.',
    numberPlaceholder: '+7 7xx xxx xx xx', numberHelp: '8 7xx… немесе 7xx… түрінде де болады', offline: 'Байланыс жоқ. Интернетті тексеріп, қайталап көріңіз.', dailyLimitLeft: 'Бүгін бұл нөмірді тағы ең көбі {remaining} сомаға толықтыруға болады.', dailyLimitReached: 'Бұл нөмірдің бүгінгі толықтыру шегі таусылды. Ертең қайталап көріңіз.', showMore: 'Тағы көрсету', loading: 'Жүктелуде…',
    tooManyMinutes: 'Әрекет тым көп. {minutes}\u00a0минуттан кейін қайталап көріңіз.', tooManyHours: 'Әрекет тым көп. {hours}\u00a0сағаттан кейін қайталап көріңіз.',
    paymentsTooMany: 'Төлем әрекеті тым көп. Сәл күтіп, қайталап көріңіз.', paymentsTooManyMinutes: 'Төлем әрекеті тым көп. {minutes}\u00a0минуттан кейін қайталап көріңіз.', paymentsTooManyHours: 'Төлем әрекеті тым көп. {hours}\u00a0сағаттан кейін қайталап көріңіз.',
    staffLogin: 'Бұл бет абоненттерге арналған: шығып, телефон нөмірімен кіріңіз.', sessionEnded: 'Сеанс аяқталды: қайта кіріңіз.', packageAlreadyActive: 'Осы түрдегі пакет қазір белсенді: оны «Пакеттер» бөлімінде ұзартыңыз.', lineNotActive: 'Нөмір белсенді емес: оны қайта қосу үшін алдымен балансты толықтырыңыз.', lineBarred: 'Нөмірді оператор бұғаттаған: қолдау қызметіне хабарласыңыз. Толықтыру бұғатты алмайды.', invalidNumber: 'Бұл қазақстандық ұялы нөмір емес. Нөмірді +7 7xx xxx xx xx түрінде енгізіңіз.',
    offeringUnavailable: 'Бұл пакет енді сатылмайды.',
    amountInvalid: 'Бүтін сома енгізіңіз: ең азы {min}, ең көбі {max}.', tryAgain: 'Қайталап көру', checkAgain: 'Қайта тексеру', canceled: 'Төлемнен бас тартылды.',
    statusElsewhere: 'Бұл төлемді мұнда көрсете алмаймыз. Картадан ақша алынса, баланс өзі толықтырылады және SMS келеді — қайта төлемеңіз.',
    stillChecking: 'Банк төлемді әлі растаған жоқ. Қайта төлемеңіз: картадан ақша алынса, баланс өзі толықтырылады және SMS келеді.',
    failureReasons: { card_declined: 'Карта қабылданбады.', insufficient_funds: 'Картада қаражат жеткіліксіз.', authentication_failed: 'Төлем банкте расталмады.', instrument_declined: 'PayPal таңдалған картаны не шотты қабылдамады: басқа картамен не шотпен қайта төлеңіз.', velocity: 'Бұл картамен төлем тым көп: басқа картаны не тәсілді таңдаңыз.' },
    // A payment the line could not take (terminated meanwhile, over the day's limit): charged, then refunded in full.
    creditRefused: 'Нөмір ақшаны қабылдай алмады, сондықтан төлем картаңызға толығымен қайтарылады: баланс өзгермеді.',
    fromBonus: '{label} (бонустан)',
    promisedPayment: 'Уәде етілген төлем', sendBalance: 'Балансты аудару',
    promo: {
      label: 'Промокод', apply: 'Қолдану', applied: '{code} промокоды қолданылды: төмендегі бағалар соны ескереді.',
      problems: {
        promo_code_invalid: 'Промокод белгісіз, мерзімі өткен немесе бұл пакеттерге жарамайды.', promo_code_exhausted: 'Промокод таусылды.',
        promo_code_line_limit: 'Бұл нөмір промокодты рұқсат етілген рет пайдаланып қойды.', promo_code_not_better: 'Бұл промокодпен баға бүгінгіден төмен болмайды.',
      },
    },
    credit: {
      owed: 'Сіздің қарызыңыз {amount}. Ол келесі толықтырудан немесе {date} күні баланстан алынады.',
      offer: 'Ақша қазір беріледі, {days} ішінде келесі толықтырудан өтеледі.', take: '{amount} алу · комиссия {fee}', taken: 'Балансқа {amount} түсті.',
      refusals: {
        tenure: 'Нөмірдің алғашқы толықтыруынан бері {days} өткенде қолжетімді.', no_recent_topup: 'Соңғы {days} ішінде толықтырылған нөмірлерге қолжетімді.',
        line_not_active: 'Тек белсенді нөмірлерге қолжетімді.', credit_open: 'Алдымен қазіргі уәде етілген төлемді өтеңіз.',
      },
    },
    transfer: {
      to: 'Алушының нөмірі', amount: 'Сома, ₸', confirm: '{to} нөміріне {amount} аударасыз ба? Комиссия {fee}.', codeSent: '{from} нөміріне SMS арқылы код жібердік. Ол {time} дейін жарамды.',
      code: 'SMS-тегі код', send: 'Аудару', sent: '{to} нөміріне {amount} аударылды.', cancel: 'Бас тарту',
      problems: {
        amount_invalid: 'Соманы бүтін теңгемен енгізіңіз.', amount_below_minimum: 'Ең аз аударым — {minimum}.', amount_above_maximum: 'Ең көп аударым — {maximum}.',
        msisdn_invalid: 'Нөмірді тексеріңіз: Қазақстанның ұялы нөмірі, +7 7xx xxx xx xx.', line_not_found: 'Бұл нөмірге біз қызмет көрсетпейміз.',
        transfer_same_line: 'Жіберуші нөмірден басқа нөмірді таңдаңыз.', transfer_daily_limit_exceeded: 'Күндік аударым шегінен асты: бүгін {remaining} қалды.',
        balance_insufficient: 'Қаражат жеткіліксіз: комиссиясымен аударымға {required} керек.', credit_open: 'Алдымен уәде етілген төлемді өтеңіз.',
        line_status_invalid: 'Балансты тек белсенді нөмір аудара алады.', line_terminated: 'Бұл нөмір жабылған.',
        transfer_confirmation_code_invalid: 'Код қате. Қалған әрекет саны: {attemptsLeft}.', transfer_confirmation_expired: 'Код енді жарамсыз: қайтадан бастаңыз.',
      },
    },
  },
  zh: {
    pageTitles: { topup: 'Tolem — 为哈萨克斯坦 SIM 卡充值', account: 'Tolem — 我的账户' }, language: '语言',
    title: '为哈萨克斯坦 SIM 卡充值', tagline: '支持任意银行卡，随时随地充值，几秒到账。',
    number: '手机号码', next: '继续', change: '修改',
    confirm: '为这个号码充值？', operator: '运营商', notOurs: '此号码不在本平台服务范围内。请检查后重试。',
    cannotTopUp: '此号码无法充值。', amount: '金额', amountHint: '{min} 至 {max}', labelled: '{label}：{value}', pay: '支付',
    paying: '正在前往支付页面…', waiting: '正在等待支付确认…',
    succeeded: '完成！余额已充值。', receipt: '收据', downloadReceipt: '下载收据（PDF）', receiptUnavailable: '收据下载失败，请重试。', failed: '支付未成功。',
    retry: '请重试，或换一张卡支付。', expired: '支付已过期。', another: '再次充值',
    account: '我的账户', error: '出了点问题，请重试。', tooMany: '尝试次数过多，请稍后再试。',
    login: '登录', password: '密码', logout: '退出', wrongLogin: '号码或密码错误。',
    smsLanguage: '短信和收据语言', useThisLanguage: '改为中文',     myLines: '我的号码', balance: '余额', bonus: '奖励余额', validUntil: '有效期至', status: '状态',
    history: '记录', packages: '套餐', messages: '短信', noMessages: '暂无短信。', notDelivered: '未送达', notSentYet: '尚未发送', buy: '购买', buyPackage: '购买套餐', noPackages: '没有有效套餐。',
    remaining: '剩余 {amount}', expires: '{date}到期', renewNow: '立即续订 · {price}', autoRenew: '自动续订', awaitingFunds: '已结束：余额充足时自动续订', renewed: '续订成功！', bought: '购买成功！', insufficient: '余额不足：请先充值。', insufficientBy: '余额不足：还差 {shortfall}。请先充值。', priceChanged: '价格刚刚变动，请重新查看。',
    topUpLink: '充值', noHistory: '暂无记录。', days: '{count}天', oneDay: '{count}天', monthly: '按月',
    units: { gb: '{count}\u00a0GB', mb: '{count}\u00a0MB', min: '{count}分钟', sms: '{count}条短信' },
    statuses: { preactive: '未激活', active: '正常', grace: '宽限期', suspended: '已停机', barred: '已被运营商停机', terminated: '已销号' },
    codes: {
      topup: '充值', topup_bonus: '充值奖励', topup_bonus_reversal: '奖励撤回', topup_reversal: '充值撤销',
      refund: '退款', refund_reversal: '退款被银行退回', package_purchase: '套餐', package_allowance: '套餐额度', package_rollover: '余量结转',
      usage: '用量', expiry: '过期', forfeit: '清零', balance_transfer: '转账', balance_transfer_fee: '转账手续费',
      promised_payment: '预借话费', promised_payment_fee: '预借话费服务费', credit_repayment: '预借话费还款',
      credit_writeoff: '欠款核销',
    },
    otherMovement: '其他',
    movementPending: '{label}（待付款）', movementInProgress: '{label}（处理中）', movementVoided: '{label}（已取消）',
    timesNote: '时间均为阿拉木图时间（UTC+5）。',
    numberPlaceholder: '+7 7xx xxx xx xx', numberHelp: '也可输入 8 7xx… 或 7xx…', offline: '网络连接失败，请检查网络后重试。', dailyLimitLeft: '此号码今天最多还能充值 {remaining}。', dailyLimitReached: '此号码今日充值已达上限，请明天再试。', showMore: '显示更多', loading: '正在加载…',
    tooManyMinutes: '尝试次数过多，请在 {minutes} 分钟后重试。', tooManyHours: '尝试次数过多，请在 {hours} 小时后重试。',
    paymentsTooMany: '支付尝试次数过多，请稍后再试。', paymentsTooManyMinutes: '支付尝试次数过多，请在 {minutes} 分钟后重试。', paymentsTooManyHours: '支付尝试次数过多，请在 {hours} 小时后重试。',
    staffLogin: '此页面仅供用户使用：请退出，然后用手机号码登录。', sessionEnded: '登录已失效，请重新登录。', packageAlreadyActive: '同类套餐已在使用中：请在“套餐”中续订。', lineNotActive: '此号码当前未处于正常状态：请先充值以恢复号码。', lineBarred: '此号码已被运营商停机：请联系客服。充值无法解除停机。', invalidNumber: '这不是哈萨克斯坦手机号码。请按 +7 7xx xxx xx xx 格式输入。',
    offeringUnavailable: '该套餐已停售。',
    amountInvalid: '请输入 {min} 至 {max} 之间的整数金额。', tryAgain: '重试', checkAgain: '再次查看', canceled: '支付已取消。',
    statusElsewhere: '无法在此显示该支付。如已扣款，余额将自动到账并会收到短信通知，请勿重复支付。',
    stillChecking: '银行尚未确认此次支付。请勿重复支付：如已扣款，余额将自动到账并会收到短信通知。',
    failureReasons: { card_declined: '银行卡被拒绝。', insufficient_funds: '卡内余额不足。', authentication_failed: '支付未通过银行验证。', instrument_declined: 'PayPal 拒绝了所选的卡或账户，请换一张卡或账户重新支付。', velocity: '此卡支付次数过多，请换一张卡或其他支付方式。' },
    // A payment the line could not take (terminated meanwhile, over the day's limit): charged, then refunded in full.
    creditRefused: '该号码无法入账，款项将全额退回您的银行卡，余额未变。',
    fromBonus: '{label}（奖励余额支付）',
    promisedPayment: '预借话费', sendBalance: '余额转账',
    promo: {
      label: '优惠码', apply: '使用', applied: '已使用优惠码 {code}：以下价格已包含优惠。',
      problems: {
        promo_code_invalid: '优惠码无效、已过期或不适用于这些套餐。', promo_code_exhausted: '优惠码已被用完。',
        promo_code_line_limit: '此号码使用该优惠码的次数已达上限。', promo_code_not_better: '使用此优惠码的价格并不比当前价格更低。',
      },
    },
    credit: {
      owed: '您欠款 {amount}。将从下次充值中扣除，或于 {date} 从余额扣除。',
      offer: '立即到账，{days}内从下次充值中还款。', take: '预借 {amount} · 服务费 {fee}', taken: '{amount} 已到账。',
      refusals: {
        tenure: '号码首次充值满 {days}后可用。', no_recent_topup: '仅限最近 {days}内充值过的号码。',
        line_not_active: '仅限正常状态的号码。', credit_open: '请先还清当前的预借话费。',
      },
    },
    transfer: {
      to: '转入号码', amount: '金额（₸）', confirm: '向 {to} 转账 {amount}？手续费 {fee}。', codeSent: '验证码已通过短信发送至 {from}，有效期至 {time}。',
      code: '短信验证码', send: '转账', sent: '已向 {to} 转账 {amount}。', cancel: '取消',
      problems: {
        amount_invalid: '请输入以坚戈为单位的整数金额。', amount_below_minimum: '最低转账金额为 {minimum}。', amount_above_maximum: '最高转账金额为 {maximum}。',
        msisdn_invalid: '请检查号码：哈萨克斯坦手机号，+7 7xx xxx xx xx。', line_not_found: '此号码不在本平台服务范围内。',
        transfer_same_line: '请选择与转出号码不同的号码。', transfer_daily_limit_exceeded: '已超出今日转账限额：今天还可转 {remaining}。',
        balance_insufficient: '余额不足：转账及手续费共需 {required}。', credit_open: '请先还清预借话费。',
        line_status_invalid: '只有正常状态的号码才能转出余额。', line_terminated: '该号码已销号。',
        transfer_confirmation_code_invalid: '验证码错误。剩余尝试次数：{attemptsLeft}。', transfer_confirmation_expired: '验证码已失效：请重新开始。',
      },
    },
  },
};

/** The texts of a refusal for too many tries: without a wait, with one in minutes, with one in hours. */
const TOO_MANY = {
  rate_limited: ['tooMany', 'tooManyMinutes', 'tooManyHours'],
  payment_velocity_exceeded: ['paymentsTooMany', 'paymentsTooManyMinutes', 'paymentsTooManyHours'],
};

/**
 * What a refused request tells a person: no connection, a failure of the server's own (a passing
 * outage, `unavailable`, or a bug: 5xx) as something to try again, too many tries or payments (for
 * how long, when the server said), or `fallback` for anything else. The fallback speaks of what was
 * typed ("not served here", "wrong password"): never said of an answer that looked at none of it.
 */
export function refusalText(language, answer, fallback) {
  const t = TEXT[language];
  if (answer.code === 'network_error') return t.offline;
  if (answer.status >= 500 || answer.code === 'unavailable' || answer.code === 'internal_error') return t.error;
  if (!Object.hasOwn(TOO_MANY, answer.code)) return fallback;
  const [later, inMinutes, inHours] = TOO_MANY[answer.code].map((key) => t[key]);
  const seconds = Number(answer.details?.retryAfterSeconds);
  return Number.isFinite(seconds) && seconds > 0 ? waitText(seconds, inMinutes, inHours) : later;
}

/** A wait in whole minutes, rounded up, or from an hour on in whole hours ("in 24 h", not "in 1440 min"). */
function waitText(seconds, inMinutes, inHours) {
  const minutes = Math.ceil(seconds / 60);
  return minutes < 60 ? fill(inMinutes, { minutes }) : fill(inHours, { hours: Math.ceil(minutes / 60) });
}

/** A Kazakhstan number as people write it: +77011234567 → "+7 701 123 45 67"; anything else as it is. */
export function formatMsisdn(msisdn) {
  const match = /^\+7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(msisdn ?? '');
  return match ? `+7\u00a0${match[1]}\u00a0${match[2]}\u00a0${match[3]}\u00a0${match[4]}` : msisdn;
}

/** Fills a template's {placeholders}: fill('{amount} left', { amount: '5 GB' }) → "5 GB left". */
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** The page's language: ?lang=, then the last choice, then the browser's, then English. */
export function currentLanguage(page) {
  const fromQuery = new URLSearchParams(location.search).get('lang');
  const candidates = [fromQuery, localStorage.getItem('tolem.lang'), ...(navigator.languages ?? []).map((l) => l.slice(0, 2))];
  const language = candidates.find((l) => l && Object.hasOwn(TEXT, l)) ?? 'en'; // not `in`: ?lang=constructor
  localStorage.setItem('tolem.lang', language);
  showLanguage(language, page);
  return language;
}

/** <html lang> and the tab's title follow the language, on load and on every switch. */
function showLanguage(language, page) {
  document.documentElement.lang = language;
  document.title = TEXT[language].pageTitles[page];
}

export function languageSwitcher(current, page, onChange) {
  const select = document.createElement('select');
  select.className = 'language';
  select.setAttribute('aria-label', TEXT[current].language);
  for (const [code, name] of Object.entries(LANGUAGES)) {
    const option = new Option(name, code, code === current, code === current);
    option.lang = code;
    select.add(option);
  }
  select.addEventListener('change', () => {
    localStorage.setItem('tolem.lang', select.value);
    // A ?lang= in the address would take the choice back at the next load: it follows the choice.
    const url = new URL(location.href);
    if (url.searchParams.has('lang')) {
      url.searchParams.set('lang', select.value);
      history.replaceState(history.state, '', url);
    }
    showLanguage(select.value, page);
    onChange(select.value);
  });
  return select;
}

/** Thousands and decimal separators for money: "1 500,50 ₸" in ru and kk, "1,500.50 ₸" in en and zh. */
const MONEY_SEPARATORS = { en: [',', '.'], ru: ['\u00a0', ','], kk: ['\u00a0', ','], zh: [',', '.'] };

/**
 * What may stand between groups of three digits in an amount typed in `language`: a space (a
 * no-break, narrow or thin one too, as pasted from a page) and the language's own group separator,
 * the comma in en and zh (in ru and kk the comma is the decimal sign: "1,000" is no whole amount there).
 */
export function groupSeparators(language) {
  const [group] = MONEY_SEPARATORS[language] ?? MONEY_SEPARATORS.en;
  return [...new Set([' ', '\u00a0', '\u202f', '\u2009', group])];
}

/** 500000 (minor units) → "5 000 ₸" (ru, kk) or "5,000 ₸" (en, zh); tiyn shown only when present. */
export function formatTenge(minor, language) {
  const [group, decimal] = MONEY_SEPARATORS[language] ?? MONEY_SEPARATORS.en;
  const major = Math.trunc(Math.abs(minor) / 100);
  const rest = Math.abs(minor) % 100;
  const grouped = String(major).replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return `${minor < 0 ? '−' : ''}${grouped}${rest ? decimal + String(rest).padStart(2, '0') : ''}\u00a0₸`;
}

// Chromium's ICU has no Kazakh data: kk-KZ comes out as the root locale ("12,345.5", "2026 M12 21").
// Kazakh writes numbers as Russian does ("12 345,5"); Kazakh dates are put together in formatDate.
const NUMBER_LOCALES = { en: 'en-GB', ru: 'ru-RU', kk: 'ru-RU', zh: 'zh-CN' };
const DATE_LOCALES = { en: 'en-GB', ru: 'ru-RU', zh: 'zh-CN' };
const KK_MONTHS = ['қаң.', 'ақп.', 'нау.', 'сәу.', 'мам.', 'мау.', 'шіл.', 'там.', 'қыр.', 'қаз.', 'қар.', 'жел.'];
const GB = 1024 ** 3;
const MB = 1024 ** 2;

/** Package units in the reader's words and digits, rounded down: DATA_BYTES 1.5 GiB → "1.5 GB" (en), "1,5 ГБ" (kk); 600 s → "10分钟" (zh). */
export function formatUnits(unit, amount, language) {
  const { units } = TEXT[language];
  const count = (value) => ({ count: new Intl.NumberFormat(NUMBER_LOCALES[language], { maximumFractionDigits: 1 }).format(value) });
  const size = Math.abs(amount);
  const sign = amount < 0 ? '−' : '';
  // Rounded down, as minutes are and as USSD's *104# writes data: 1.96 GB left is "1.9 GB", not
  // "2 GB". Some data, however little, is never "0 MB".
  if (unit === 'DATA_BYTES') return sign + (size >= GB ? fill(units.gb, count(Math.floor((size / GB) * 10) / 10)) : fill(units.mb, count(size > 0 ? Math.max(1, Math.floor(size / MB)) : 0)));
  // The seconds of a last minute are not "0 min" either.
  if (unit === 'VOICE_SECONDS') return sign + fill(units.min, count(size > 0 ? Math.max(1, Math.floor(size / 60)) : 0));
  if (unit === 'SMS') return sign + fill(units.sms, count(size));
  return sign + count(size).count;
}

/**
 * A number of days: "1 day", "7 days" (Russian abbreviates, дн.; Kazakh and Chinese do not inflect).
 * Every text with a {days} in it is given this, never the bare number.
 */
export function formatDays(count, language) {
  const { days, oneDay } = TEXT[language];
  return fill(count === 1 ? oneDay : days, { count });
}

/**
 * How long an offering runs: its days, or for a monthly tariff "monthly" (the same day next month,
 * 28 to 31 days: the catalog's validityDays of 30 would be wrong in most months).
 */
export function formatPeriod(offering, language) {
  return offering.feePeriod === 'monthly' ? TEXT[language].monthly : formatDays(offering.validityDays, language);
}

/**
 * A history line's label; a ledger code without one reads "Other", never the raw code. A card
 * payment first reserves its top-up (`kind` pending), then posts or voids it: the reservation
 * says it awaits payment and the void that it was cancelled, so that a payment that failed never
 * reads as a top-up. A refund's reservation (the provider paying it back) says it is in progress.
 */
export function movementLabel(code, language, kind = 'posted') {
  const { codes, otherMovement, movementPending, movementInProgress, movementVoided } = TEXT[language];
  const label = Object.hasOwn(codes, code) ? codes[code] : otherMovement;
  // A refund's reservation awaits no payment: the provider is paying it back to the card.
  if (kind === 'pending') return fill(code === 'refund' ? movementInProgress : movementPending, { label });
  if (kind === 'void_pending') return fill(movementVoided, { label });
  return label;
}

/**
 * Almaty time: UTC+5 as a fixed offset (`Etc/GMT-5`, POSIX's sign), not `Asia/Almaty`, which a
 * phone or browser with time-zone data older than 2024a still puts at UTC+6, an hour late.
 */
const ALMATY = 'Etc/GMT-5';

/** The time of day alone, in Almaty time (UTC+5), as all four languages write it: "05:02" (for what ends within minutes). */
export function formatTime(iso) {
  if (!iso) return '—';
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: ALMATY, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso));
  const { hour, minute } = Object.fromEntries(parts.map((part) => [part.type, part.value]));
  return `${hour}:${minute}`;
}

/** Dates shown in Almaty time (UTC+5), as people there read them; Kazakh as CLDR writes it: "2026 ж. 21 жел., 10:15". */
export function formatDate(iso, language) {
  if (!iso) return '—';
  const options = { timeZone: ALMATY, day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' };
  if (language !== 'kk') return new Intl.DateTimeFormat(DATE_LOCALES[language], options).format(new Date(iso));
  const parts = new Intl.DateTimeFormat('en-GB', { ...options, month: 'numeric', hourCycle: 'h23' }).formatToParts(new Date(iso));
  const { year, month, day, hour, minute } = Object.fromEntries(parts.map((part) => [part.type, part.value]));
  return `${year} ж. ${Number(day)} ${KK_MONTHS[Number(month) - 1]}, ${hour}:${minute}`;
}
