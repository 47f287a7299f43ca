// Everything a subscriber reads on these pages, in English, Russian, Kazakh and Chinese.
export const LANGUAGES = { en: 'English', ru: 'Русский', kk: 'Қазақша', zh: '中文' };

export const TEXT = {
  en: {
    title: 'Top up a Kazakhstan SIM', tagline: 'Any card, from anywhere. The money reaches the line in seconds.',
    number: 'Phone number', numberHint: '+7 7xx xxx xx xx, 8 7xx… or 7xx…', next: 'Continue', change: 'Change',
    confirm: 'Top up this number?', operator: 'Operator', notOurs: 'This number is not served here. Check it and try again.',
    cannotTopUp: 'This number cannot be topped up.', amount: 'Amount', amountHint: 'From 500 to 100 000 ₸', pay: 'Pay',
    paying: 'Taking you to the payment page…', waiting: 'Waiting for the payment to be confirmed…',
    succeeded: 'Done! The balance has been topped up.', receipt: 'Receipt', failed: 'The payment did not go through.',
    retry: 'Try again or use another card', expired: 'The payment expired.', another: 'Top up again',
    account: 'My account', error: 'Something went wrong. Please try again.', tooMany: 'Too many attempts. Wait a little and try again.',
    login: 'Log in', password: 'Password', logout: 'Log out', wrongLogin: 'Wrong number or password.',
    myLines: 'My lines', balance: 'Balance', bonus: 'Bonus', validUntil: 'Valid until', status: 'Status',
    history: 'History', packages: 'Packages', buy: 'Buy', buyPackage: 'Buy a package', noPackages: 'No active packages.',
    remaining: 'left', expires: 'expires', bought: 'Bought!', insufficient: 'Not enough balance: top up first.',
    topUpLink: 'Top up', noHistory: 'No movements yet.', days: 'days',
    statuses: { preactive: 'not yet active', active: 'active', grace: 'grace period', suspended: 'suspended', terminated: 'terminated' },
    codes: { topup: 'Top-up', package_purchase: 'Package', refund: 'Refund', usage: 'Usage', forfeit: 'Forfeited', expiry: 'Expired', fee: 'Fee', transfer: 'Transfer' },
  },
  ru: {
    title: 'Пополнить казахстанскую SIM-карту', tagline: 'Любой картой, из любой страны. Деньги поступают за секунды.',
    number: 'Номер телефона', numberHint: '+7 7xx xxx xx xx, 8 7xx… или 7xx…', next: 'Далее', change: 'Изменить',
    confirm: 'Пополнить этот номер?', operator: 'Оператор', notOurs: 'Этот номер у нас не обслуживается. Проверьте его и попробуйте снова.',
    cannotTopUp: 'Этот номер нельзя пополнить.', amount: 'Сумма', amountHint: 'От 500 до 100 000 ₸', pay: 'Оплатить',
    paying: 'Переходим на страницу оплаты…', waiting: 'Ждём подтверждения платежа…',
    succeeded: 'Готово! Баланс пополнен.', receipt: 'Чек', failed: 'Платёж не прошёл.',
    retry: 'Попробуйте снова или другой картой', expired: 'Время платежа истекло.', another: 'Пополнить ещё',
    account: 'Личный кабинет', error: 'Что-то пошло не так. Попробуйте ещё раз.', tooMany: 'Слишком много попыток. Подождите немного.',
    login: 'Войти', password: 'Пароль', logout: 'Выйти', wrongLogin: 'Неверный номер или пароль.',
    myLines: 'Мои номера', balance: 'Баланс', bonus: 'Бонусы', validUntil: 'Действует до', status: 'Статус',
    history: 'История', packages: 'Пакеты', buy: 'Купить', buyPackage: 'Купить пакет', noPackages: 'Нет активных пакетов.',
    remaining: 'осталось', expires: 'до', bought: 'Куплено!', insufficient: 'Недостаточно средств: сначала пополните баланс.',
    topUpLink: 'Пополнить', noHistory: 'Операций пока нет.', days: 'дн.',
    statuses: { preactive: 'ещё не активен', active: 'активен', grace: 'льготный период', suspended: 'приостановлен', terminated: 'закрыт' },
    codes: { topup: 'Пополнение', package_purchase: 'Пакет', refund: 'Возврат', usage: 'Расход', forfeit: 'Списание', expiry: 'Сгорание', fee: 'Комиссия', transfer: 'Перевод' },
  },
  kk: {
    title: 'Қазақстандық SIM-картаны толтыру', tagline: 'Кез келген картамен, кез келген елден. Ақша бірнеше секундта түседі.',
    number: 'Телефон нөмірі', numberHint: '+7 7xx xxx xx xx, 8 7xx… немесе 7xx…', next: 'Әрі қарай', change: 'Өзгерту',
    confirm: 'Осы нөмірді толтырасыз ба?', operator: 'Оператор', notOurs: 'Бұл нөмірге біз қызмет көрсетпейміз. Тексеріп, қайталап көріңіз.',
    cannotTopUp: 'Бұл нөмірді толтыруға болмайды.', amount: 'Сома', amountHint: '500-ден 100 000 ₸-ге дейін', pay: 'Төлеу',
    paying: 'Төлем бетіне өтудеміз…', waiting: 'Төлемнің расталуын күтудеміз…',
    succeeded: 'Дайын! Баланс толтырылды.', receipt: 'Түбіртек', failed: 'Төлем өтпеді.',
    retry: 'Қайталаңыз немесе басқа картаны қолданыңыз', expired: 'Төлем уақыты өтіп кетті.', another: 'Тағы толтыру',
    account: 'Жеке кабинет', error: 'Бірдеңе дұрыс болмады. Қайталап көріңіз.', tooMany: 'Әрекет тым көп. Сәл күтіңіз.',
    login: 'Кіру', password: 'Құпиясөз', logout: 'Шығу', wrongLogin: 'Нөмір немесе құпиясөз қате.',
    myLines: 'Менің нөмірлерім', balance: 'Баланс', bonus: 'Бонус', validUntil: 'Жарамды мерзімі', status: 'Күйі',
    history: 'Тарих', packages: 'Пакеттер', buy: 'Сатып алу', buyPackage: 'Пакет сатып алу', noPackages: 'Белсенді пакет жоқ.',
    remaining: 'қалды', expires: 'дейін', bought: 'Сатып алынды!', insufficient: 'Қаражат жеткіліксіз: алдымен балансты толтырыңыз.',
    topUpLink: 'Толтыру', noHistory: 'Әзірге операция жоқ.', days: 'күн',
    statuses: { preactive: 'әлі белсенді емес', active: 'белсенді', grace: 'жеңілдік кезеңі', suspended: 'тоқтатылған', terminated: 'жабылған' },
    codes: { topup: 'Толтыру', package_purchase: 'Пакет', refund: 'Қайтару', usage: 'Шығыс', forfeit: 'Есептен шығару', expiry: 'Күйіп кету', fee: 'Комиссия', transfer: 'Аударым' },
  },
  zh: {
    title: '为哈萨克斯坦 SIM 卡充值', tagline: '任何银行卡，身在何处都可以。几秒钟到账。',
    number: '手机号码', numberHint: '+7 7xx xxx xx xx、8 7xx… 或 7xx…', next: '继续', change: '修改',
    confirm: '为这个号码充值？', operator: '运营商', notOurs: '此号码不在本平台服务范围内。请检查后重试。',
    cannotTopUp: '此号码无法充值。', amount: '金额', amountHint: '500 至 100 000 ₸', pay: '支付',
    paying: '正在前往支付页面…', waiting: '正在等待支付确认…',
    succeeded: '完成！余额已充值。', receipt: '收据', failed: '支付未成功。',
    retry: '请重试或换一张卡', expired: '支付已过期。', another: '再次充值',
    account: '我的账户', error: '出了点问题，请重试。', tooMany: '尝试次数过多，请稍后再试。',
    login: '登录', password: '密码', logout: '退出', wrongLogin: '号码或密码错误。',
    myLines: '我的号码', balance: '余额', bonus: '奖励余额', validUntil: '有效期至', status: '状态',
    history: '记录', packages: '套餐', buy: '购买', buyPackage: '购买套餐', noPackages: '没有有效套餐。',
    remaining: '剩余', expires: '到期', bought: '购买成功！', insufficient: '余额不足：请先充值。',
    topUpLink: '充值', noHistory: '暂无记录。', days: '天',
    statuses: { preactive: '未激活', active: '正常', grace: '宽限期', suspended: '已停机', terminated: '已销号' },
    codes: { topup: '充值', package_purchase: '套餐', refund: '退款', usage: '使用', forfeit: '清零', expiry: '过期', fee: '手续费', transfer: '转账' },
  },
};

/** The page's language: ?lang=, then the last choice, then the browser's, then English. */
export function currentLanguage() {
  const fromQuery = new URLSearchParams(location.search).get('lang');
  const candidates = [fromQuery, localStorage.getItem('tolem.lang'), ...(navigator.languages ?? []).map((l) => l.slice(0, 2))];
  const language = candidates.find((l) => l && l in TEXT) ?? 'en';
  localStorage.setItem('tolem.lang', language);
  document.documentElement.lang = language;
  return language;
}

export function languageSwitcher(current, onChange) {
  const select = document.createElement('select');
  select.className = 'language';
  select.setAttribute('aria-label', 'Language');
  for (const [code, name] of Object.entries(LANGUAGES)) select.add(new Option(name, code, code === current, code === current));
  select.addEventListener('change', () => { localStorage.setItem('tolem.lang', select.value); onChange(select.value); });
  return select;
}

/** 500000 (minor units) → "5 000 ₸"; tiyn shown only when present. */
export function formatTenge(minor) {
  const major = Math.trunc(minor / 100);
  const rest = Math.abs(minor % 100);
  const grouped = String(Math.abs(major)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return `${minor < 0 ? '−' : ''}${grouped}${rest ? ',' + String(rest).padStart(2, '0') : ''}\u00a0₸`;
}

/** Dates shown in Almaty time (UTC+5), as people there read them. */
export function formatDate(iso, language) {
  if (!iso) return '—';
  const locale = { en: 'en-GB', ru: 'ru-RU', kk: 'kk-KZ', zh: 'zh-CN' }[language];
  return new Intl.DateTimeFormat(locale, { timeZone: 'Asia/Almaty', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}
