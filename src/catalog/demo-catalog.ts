import type { OfferingInput } from './offering.ts';

/** A believable catalog for a travel SIM in Kazakhstan, prices in tiyn (1 ₸ = 100). */
export const DEMO_CATALOG: OfferingInput[] = [
  {
    code: 'DATA_1GB_7D', kind: 'data', price: 149_000, validityDays: 7, allowances: { dataGb: 1 },
    names: { en: '1 GB for 7 days', ru: '1 ГБ на 7 дней', kk: '7 күнге 1 ГБ', zh: '7天 1 GB 流量包' },
    descriptions: { en: 'Mobile internet for a short trip.', ru: 'Мобильный интернет для короткой поездки.', kk: 'Қысқа сапарға мобильді интернет.', zh: '适合短途旅行的手机流量。' },
  },
  {
    code: 'DATA_5GB_30D', kind: 'data', price: 399_000, validityDays: 30, allowances: { dataGb: 5 },
    names: { en: '5 GB for 30 days', ru: '5 ГБ на 30 дней', kk: '30 күнге 5 ГБ', zh: '30天 5 GB 流量包' },
    descriptions: { en: 'Maps, messengers and photos for a month.', ru: 'Карты, мессенджеры и фото на месяц.', kk: 'Бір айға карталар, мессенджерлер және фотолар.', zh: '一个月的地图、聊天和照片。' },
  },
  {
    code: 'DATA_20GB_30D', kind: 'data', price: 799_000, validityDays: 30, allowances: { dataGb: 20 }, autoRenewAllowed: true,
    names: { en: '20 GB for 30 days', ru: '20 ГБ на 30 дней', kk: '30 күнге 20 ГБ', zh: '30天 20 GB 流量包' },
    descriptions: { en: 'Video calls and streaming.', ru: 'Видеозвонки и стриминг.', kk: 'Бейнеқоңыраулар мен стриминг.', zh: '视频通话和流媒体。' },
  },
  {
    code: 'MESSENGERS_30D', kind: 'data', price: 99_000, validityDays: 30, features: ['messengers_unlimited'], stacks: false,
    names: { en: 'Unlimited messengers, 30 days', ru: 'Безлимитные мессенджеры, 30 дней', kk: 'Шексіз мессенджерлер, 30 күн', zh: '即时通讯无限量 30天' },
    descriptions: { en: 'WhatsApp, Telegram and WeChat without using your data.', ru: 'WhatsApp, Telegram и WeChat без расхода трафика.', kk: 'WhatsApp, Telegram және WeChat трафиксіз.', zh: 'WhatsApp、Telegram 和微信不消耗流量。' },
  },
  {
    code: 'VOICE_100MIN_30D', kind: 'voice', price: 129_000, validityDays: 30, allowances: { voiceMinutes: 100 },
    names: { en: '100 minutes for 30 days', ru: '100 минут на 30 дней', kk: '30 күнге 100 минут', zh: '30天 100分钟通话包' },
    descriptions: { en: 'Calls to all networks in Kazakhstan.', ru: 'Звонки на все сети Казахстана.', kk: 'Қазақстанның барлық желілеріне қоңыраулар.', zh: '可拨打哈萨克斯坦境内所有运营商。' },
  },
  {
    code: 'TOURIST_COMBO_15D', kind: 'combo', price: 599_000, validityDays: 15, allowances: { dataGb: 10, voiceMinutes: 60, sms: 50 },
    names: { en: 'Tourist combo, 15 days', ru: 'Для туристов, 15 дней', kk: 'Туристік пакет, 15 күн', zh: '旅游套餐 15天' },
    descriptions: { en: '10 GB, 60 minutes and 50 SMS.', ru: '10 ГБ, 60 минут и 50 SMS.', kk: '10 ГБ, 60 минут және 50 SMS.', zh: '10 GB、60分钟和50条短信。' },
  },
  {
    code: 'TARIFF_TRAVEL', kind: 'tariff', price: 299_000, feePeriod: 'monthly', allowances: { dataGb: 3, voiceMinutes: 100, sms: 50 },
    payAsYouGo: { perMb: 1_500, perMinute: 2_000, perSms: 1_000 }, stacks: false, autoRenewAllowed: true,
    names: { en: 'Travel tariff', ru: 'Тариф «Путешествие»', kk: '«Саяхат» тарифі', zh: '旅行资费' },
    descriptions: { en: 'Monthly fee with 3 GB, 100 minutes and 50 SMS; then 15 ₸/MB, 20 ₸/min, 10 ₸/SMS.', ru: 'Ежемесячно 3 ГБ, 100 минут и 50 SMS; сверх — 15 ₸/МБ, 20 ₸/мин, 10 ₸/SMS.', kk: 'Айына 3 ГБ, 100 минут және 50 SMS; одан әрі 15 ₸/МБ, 20 ₸/мин, 10 ₸/SMS.', zh: '月费含 3 GB、100分钟和50条短信；超出后 15 ₸/MB、20 ₸/分钟、10 ₸/条。' },
  },
];
