// Self-care: log in with the phone number, see every line on the login — balance, validity,
// packages with what is left, history, the SMS it was sent — and buy or renew a package from the balance.
import { api, element } from './api.js';
import { currentLanguage, fill, formatDate, formatDays, formatTenge, formatUnits, LANGUAGES, languageSwitcher, movementLabel, TEXT } from './i18n.js';

let language = currentLanguage('account');
let t = TEXT[language];
const app = document.getElementById('app');

function nav(signedIn) {
  document.getElementById('nav').replaceChildren(
    element('a', { href: '/' }, t.topUpLink),
    signedIn ? element('a', { href: '#', id: 'logout', onclick: async (event) => { event.preventDefault(); await api('POST', '/v1/auth/logout'); start(); } }, t.logout) : null,
    languageSwitcher(language, 'account', (next) => { language = next; t = TEXT[next]; start(); }));
}

async function start() {
  const me = await api('GET', '/v1/auth/me');
  if (!me.ok) return renderLogin();
  nav(true);
  const lines = await api('GET', '/v1/lines?limit=20');
  if (!lines.ok) return app.replaceChildren(element('p', { class: 'error' }, t.error));
  app.replaceChildren(element('h1', {}, t.myLines), ...lines.value.data.map(lineCard));
}

function renderLogin(message) {
  nav(false);
  const login = element('input', { id: 'login', name: 'login', type: 'tel', autocomplete: 'username', placeholder: t.numberHint, required: true });
  const password = element('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = element('form', { onsubmit: async (event) => {
    event.preventDefault();
    const answer = await api('POST', '/v1/auth/login', { body: { login: login.value, password: password.value } });
    if (answer.ok) return start();
    renderLogin(answer.code === 'rate_limited' ? t.tooMany : t.wrongLogin);
  } },
  element('label', { for: 'login' }, t.number), login, element('label', { for: 'password' }, t.password), password,
  message ? element('p', { class: 'error', role: 'alert' }, message) : null, element('button', { type: 'submit' }, t.login));
  app.replaceChildren(element('h1', {}, t.account), form);
}

function lineCard(line) {
  const details = element('div', { class: 'details' });
  const path = `/v1/lines/${encodeURIComponent(line.msisdn)}`;
  return element('section', { class: 'card', 'data-msisdn': line.msisdn },
    element('div', { class: 'row' }, element('strong', {}, line.msisdn), element('span', { class: 'muted' }, t.statuses[line.status] ?? line.status)),
    element('div', { class: 'muted' }, t.balance), element('div', { class: 'big balance' }, formatTenge(line.balance.main, language)),
    line.balance.bonus ? element('div', { class: 'row' }, element('span', {}, t.bonus), element('span', {}, formatTenge(line.balance.bonus, language))) : null,
    element('div', { class: 'row' }, element('span', {}, t.validUntil), element('span', {}, formatDate(line.validUntil, language))),
    smsLanguageRow(line, path),
    element('div', { class: 'row buttons' },
      element('button', { type: 'button', class: 'secondary small', onclick: () => showPackages(line, path, details) }, t.packages),
      element('button', { type: 'button', class: 'secondary small', onclick: () => showHistory(path, details) }, t.history),
      element('button', { type: 'button', class: 'secondary small', onclick: () => showMessages(path, details) }, t.messages),
      element('button', { type: 'button', class: 'small', onclick: () => showOfferings(line, details) }, t.buyPackage)),
    details);
}

/** The language the line's SMS, receipts and slips come in; one click makes it the page's. */
function smsLanguageRow(line, path) {
  const row = element('div', { class: 'row sms-language' }, element('span', {}, t.smsLanguage), element('span', { lang: line.language }, LANGUAGES[line.language] ?? line.language));
  if (line.language !== language) {
    row.append(element('button', { type: 'button', class: 'secondary small', onclick: async (event) => {
      event.target.disabled = true;
      const changed = await api('PATCH', path, { body: { language } });
      if (changed.ok) return start();
      event.target.disabled = false;
      row.append(element('p', { class: 'error', role: 'alert' }, t.error));
    } }, t.useThisLanguage));
  }
  return row;
}

async function showPackages(line, path, holder) {
  // The catalog priced for this line gives each package's renewal price and whether it may renew by itself.
  const [answer, catalog] = await Promise.all([api('GET', `${path}/packages?language=${language}`), api('GET', catalogPath(line))]);
  if (!answer.ok) return holder.replaceChildren(element('p', { class: 'error' }, t.error));
  if (answer.value.data.length === 0) return holder.replaceChildren(element('p', { class: 'muted' }, t.noPackages));
  const offerings = new Map(catalog.ok ? catalog.value.data.map((offering) => [offering.code, offering]) : []);
  holder.replaceChildren(element('h2', {}, t.packages), element('ul', { class: 'plain' }, answer.value.data.map((pack) => element('li', { 'data-package': pack.id },
    element('strong', {}, pack.name),
    element('div', { class: 'muted' }, pack.status === 'awaiting_funds' ? t.awaitingFunds : fill(t.expires, { date: formatDate(pack.expiresAt, language) })),
    ...pack.allowances.map((allowance) => element('div', {}, fill(t.remaining, { amount: formatUnits(allowance.unit, allowance.remaining, language) }))),
    packageActions(path, pack, offerings.get(pack.offering), holder)))));
}

/** Renew now (at the catalog's price today) and the auto-renew switch, where the offering allows it. */
function packageActions(path, pack, offering, holder) {
  if (!offering) return null;
  const packagePath = `${path}/packages/${encodeURIComponent(pack.id)}`;
  const problem = (code) => holder.prepend(element('p', { class: 'error', role: 'alert' }, problemText(code)));
  const renew = element('button', { type: 'button', class: 'small', 'data-renew': pack.id, onclick: async () => {
    renew.disabled = true;
    const renewed = await api('POST', `${packagePath}/renew`, { idempotencyKey: crypto.randomUUID(), body: { expectedPrice: offering.price } });
    renew.disabled = false;
    if (renewed.ok) return start();
    problem(renewed.code);
  } }, fill(t.renewNow, { price: formatTenge(offering.price, language) }));
  const automatic = offering.autoRenewAllowed ? element('input', { type: 'checkbox', id: `auto-${pack.id}`, checked: pack.autoRenew, onchange: async () => {
    automatic.disabled = true;
    const changed = await api('PATCH', packagePath, { body: { autoRenew: automatic.checked } });
    automatic.disabled = false;
    if (changed.ok) return;
    automatic.checked = !automatic.checked;
    problem(changed.code);
  } }) : null;
  return element('p', { class: 'actions' }, renew, automatic ? element('label', { for: `auto-${pack.id}`, class: 'inline' }, automatic, ` ${t.autoRenew}`) : null);
}

async function showHistory(path, holder) {
  const answer = await api('GET', `${path}/transactions?limit=20`);
  if (!answer.ok) return holder.replaceChildren(element('p', { class: 'error' }, t.error));
  if (answer.value.data.length === 0) return holder.replaceChildren(element('p', { class: 'muted' }, t.noHistory));
  // A card payment's reservation, once paid or released, is shown by the line that settled it alone.
  const settled = new Set(answer.value.data.map((entry) => entry.pendingId).filter(Boolean));
  const entries = answer.value.data.filter((entry) => !settled.has(entry.id));
  holder.replaceChildren(element('h2', {}, t.history), element('ul', { class: 'plain' }, entries.map((entry) => element('li', { class: 'row' },
    element('span', {}, `${movementLabel(entry.code, language, entry.kind)} · ${formatDate(entry.createdAt, language)}`),
    element('strong', {}, entry.unit === 'KZT' ? formatTenge(entry.amount, language) : formatUnits(entry.unit, entry.amount, language))))));
}

/** The SMS the line was sent, newest first, each in the language it was written in. */
async function showMessages(path, holder) {
  const answer = await api('GET', `${path}/messages?limit=20`);
  if (!answer.ok) return holder.replaceChildren(element('p', { class: 'error' }, t.error));
  if (answer.value.data.length === 0) return holder.replaceChildren(element('p', { class: 'muted' }, t.noMessages));
  holder.replaceChildren(element('h2', {}, t.messages), element('ul', { class: 'plain' }, answer.value.data.map((message) => element('li', { 'data-message': message.id },
    element('div', { class: 'muted' }, formatDate(message.sentAt ?? message.createdAt, language)), element('div', { lang: message.language }, message.text)))));
}

/** The offerings on sale, priced for this line (its promotions), in the page's language. */
function catalogPath(line) {
  return `/v1/offerings?language=${language}&msisdn=${encodeURIComponent(line.msisdn)}`;
}

function problemText(code) {
  return code === 'balance_insufficient' ? t.insufficient : code === 'price_changed' ? t.priceChanged : t.error;
}

async function showOfferings(line, holder) {
  const answer = await api('GET', catalogPath(line));
  if (!answer.ok) return holder.replaceChildren(element('p', { class: 'error' }, t.error));
  holder.replaceChildren(element('h2', {}, t.buyPackage), element('ul', { class: 'plain' }, answer.value.data.filter((o) => o.kind !== 'tariff').map((offering) => element('li', {},
    element('div', { class: 'row' }, element('strong', {}, offering.name), element('span', {}, formatTenge(offering.price, language))),
    element('div', { class: 'muted' }, `${offering.description} · ${formatDays(offering.validityDays, language)}`),
    element('button', { type: 'button', class: 'small', 'data-offering': offering.code, onclick: async (event) => {
      event.target.disabled = true;
      const bought = await api('POST', '/v1/purchases', { idempotencyKey: crypto.randomUUID(), body: { msisdn: line.msisdn, offering: offering.code, expectedPrice: offering.price } });
      event.target.disabled = false;
      if (bought.ok) { await start(); return; }
      holder.prepend(element('p', { class: 'error', role: 'alert' }, problemText(bought.code)));
    } }, `${t.buy} ${formatTenge(offering.price, language)}`)))));
}

start();
