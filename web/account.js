// Self-care: log in with the phone number, see every line on the login — balance, validity,
// packages with what is left, history, the SMS it was sent — buy or renew a package from the
// balance, take a promised payment, and send balance to another number (confirmed by an SMS code).
import { api, element } from './api.js';
import { currentLanguage, fill, formatDate, formatDays, formatMsisdn, formatPeriod, formatTenge, formatTime, formatUnits, LANGUAGES, languageSwitcher, movementLabel, refusalText, TEXT } from './i18n.js';

let language = currentLanguage('account');
let t = TEXT[language];
const app = document.getElementById('app');

function nav(signedIn) {
  const links = [
    element('a', { href: '/' }, t.topUpLink),
    signedIn ? element('button', { type: 'button', class: 'link', id: 'logout', onclick: async () => {
      await api('POST', '/v1/auth/logout');
      await start();
      document.getElementById('page-heading')?.focus(); // the button pressed is gone with the page it was on
    } }, t.logout) : null,
    languageSwitcher(language, 'account', async (next) => {
      language = next;
      t = TEXT[next];
      // Logged out, the login form comes back in the new language with what was typed in it.
      const login = document.getElementById('login');
      if (login) renderLogin(undefined, login.value, document.getElementById('password')?.value);
      else await start();
      document.querySelector('#nav select')?.focus();
    }),
  ];
  document.getElementById('nav').replaceChildren(...links.filter(Boolean));
}

/** A message next to what it is about (the button pressed), in place of the one shown there before. */
function say(after, text, kind = 'error') {
  after.closest('.details')?.querySelectorAll('p.error, p.success').forEach((old) => old.remove());
  const message = element('p', { class: kind, role: kind === 'error' ? 'alert' : 'status' }, text);
  after.after(message);
  message.scrollIntoView({ block: 'nearest' });
}

/** Draws the lines afresh; `notice` ({ msisdn, text }) says on that line's card what was just done. */
async function start(notice) {
  const me = await api('GET', '/v1/auth/me');
  if (!me.ok) return renderLogin();
  nav(true);
  // Self-care shows a subscriber their own lines. Staff may list every line (all of them, page
  // after page, as "My lines", with buttons that change them): here they are told so instead.
  if (me.value.role !== 'subscriber') {
    return app.replaceChildren(element('h1', { id: 'page-heading', tabindex: -1 }, t.account), element('p', { class: 'error', role: 'alert', id: 'staff-login' }, t.staffLogin));
  }
  const lines = await allLines();
  if (sessionEnded(lines)) return;
  if (!lines.ok) return app.replaceChildren(element('p', { class: 'error', role: 'alert' }, refusalText(language, lines, t.error)));
  // A traveller's phone may keep home time: every time on the page is Almaty's, and says so once.
  app.replaceChildren(element('h1', { id: 'page-heading', tabindex: -1 }, t.myLines), ...lines.value.data.map((line) => lineCard(line, notice?.msisdn === line.msisdn ? notice.text : null)),
    element('p', { class: 'muted hint' }, t.timesNote));
  // The page is drawn afresh after an action: the keyboard goes on from what the action did.
  if (notice) app.querySelector('.details > p.success')?.focus();
}

/** Every line on the login, page after page (one login may hold many SIMs); a refusal as the API gave it. */
async function allLines() {
  const data = [];
  let cursor = null;
  do {
    const page = await api('GET', `/v1/lines?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (!page.ok) return page;
    data.push(...page.value.data);
    cursor = page.value.nextCursor;
  } while (cursor);
  return { ok: true, status: 200, value: { data } };
}

/**
 * A session that ended while the page was open (logged out in another tab, expired): the login
 * form again, saying so, in place of an error that no retry would mend. True when it did.
 */
function sessionEnded(answer) {
  if (answer.ok || answer.status !== 401) return false;
  renderLogin(t.sessionEnded);
  document.getElementById('login')?.focus();
  return true;
}

/**
 * The login form; after a refusal the number stays as typed and the password is asked again;
 * drawn again in another language, both stay as typed (`typedPassword`, set as the field's value, never an attribute).
 */
function renderLogin(message, typed = '', typedPassword = '') {
  nav(false);
  const login = element('input', { id: 'login', name: 'login', type: 'tel', autocomplete: 'username', placeholder: t.numberPlaceholder, required: true, value: typed });
  const password = element('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': message ? 'login-error' : null });
  password.value = typedPassword;
  // The page's own words for what is wrong, not the browser's (in the browser's language).
  const form = element('form', { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    if (!login.value.trim() || !password.value) return renderLogin(t.wrongLogin, login.value);
    button.disabled = true;
    const answer = await api('POST', '/v1/auth/login', { body: { login: login.value, password: password.value } });
    if (answer.ok) {
      await start();
      // The form is gone: the keyboard goes on at the heading of what replaced it, which a screen reader reads out.
      return document.getElementById('page-heading')?.focus();
    }
    button.disabled = false;
    renderLogin(refusalText(language, answer, t.wrongLogin), login.value);
  } },
  element('label', { for: 'login' }, t.number), login, element('label', { for: 'password' }, t.password), password,
  message ? element('p', { class: 'error', role: 'alert', id: 'login-error' }, message) : null, element('button', { type: 'submit' }, t.login));
  app.replaceChildren(element('h1', { id: 'page-heading', tabindex: -1 }, t.account), form);
  if (typed) password.focus();
}

function lineCard(line, notice) {
  const details = element('div', { class: 'details' }, notice ? element('p', { class: 'success', role: 'status', tabindex: -1 }, notice) : null);
  const path = `/v1/lines/${encodeURIComponent(line.msisdn)}`;
  // A closed line takes nothing any more (no top-up, package, transfer or promised payment) and its
  // validity no longer counts: it keeps what it was, its history with the receipts, and its SMS.
  const closed = line.status === 'terminated';
  // Each tap opens its panel in a new view that says at once it is loading (seconds on a slow
  // connection); an earlier tap's answer, arriving later, fills its own view, no longer shown.
  const button = (text, show, attributes = {}) => element('button', { type: 'button', class: 'secondary small', ...attributes, onclick: () => {
    const view = element('div', { class: 'view' }, element('p', { class: 'muted', role: 'status' }, t.loading));
    details.replaceChildren(view);
    return show(view);
  } }, text);
  return element('section', { class: 'card', 'data-msisdn': line.msisdn },
    element('div', { class: 'row' }, element('strong', { class: 'msisdn' }, formatMsisdn(line.msisdn)), element('span', { class: 'muted' }, t.statuses[line.barred ? 'barred' : line.status] ?? line.status)),
    element('div', { class: 'muted' }, t.balance), element('div', { class: 'big balance' }, formatTenge(line.balance.main, language)),
    line.balance.bonus ? element('div', { class: 'row' }, element('span', {}, t.bonus), element('span', {}, formatTenge(line.balance.bonus, language))) : null,
    closed ? null : element('div', { class: 'row' }, element('span', {}, t.validUntil), element('span', {}, formatDate(line.validUntil, language))),
    closed ? null : smsLanguageRow(line, path),
    element('div', { class: 'row buttons' }, closed
      ? [button(t.history, (view) => showHistory(line, path, view)), button(t.messages, (view) => showMessages(path, view))]
      : [
        button(t.packages, (view) => showPackages(line, path, view)),
        button(t.history, (view) => showHistory(line, path, view)),
        button(t.messages, (view) => showMessages(path, view)),
        button(t.promisedPayment, (view) => showPromisedPayment(line, path, view)),
        button(t.sendBalance, (view) => showTransfer(line, view), { 'data-action': 'transfer' }),
        button(t.buyPackage, (view) => showOfferings(line, view), { class: 'small' }),
      ]),
    details);
}

/** The language the line's SMS, receipts and slips come in; one click makes it the page's. */
function smsLanguageRow(line, path) {
  const row = element('div', { class: 'row sms-language', tabindex: -1 }, element('span', {}, t.smsLanguage), element('span', { lang: line.language, class: 'nowrap' }, LANGUAGES[line.language] ?? line.language));
  if (line.language !== language) {
    row.append(element('button', { type: 'button', class: 'secondary small', onclick: async (event) => {
      event.target.disabled = true;
      const changed = await api('PATCH', path, { body: { language } });
      if (sessionEnded(changed)) return;
      if (changed.ok) {
        // Drawn afresh without the button: the keyboard goes on at the row that says the new language.
        await start();
        return document.querySelector(`section.card[data-msisdn="${CSS.escape(line.msisdn)}"] .sms-language`)?.focus();
      }
      event.target.disabled = false;
      event.target.focus();
      row.append(element('p', { class: 'error', role: 'alert' }, t.error));
    } }, t.useThisLanguage));
  }
  return row;
}

async function showPackages(line, path, holder) {
  // The catalog priced for this line gives each package's renewal price and whether it may renew by itself.
  const [answer, catalog] = await Promise.all([api('GET', `${path}/packages?language=${language}`), api('GET', catalogPath(line))]);
  if (sessionEnded(answer)) return;
  if (!answer.ok) return holder.replaceChildren(element('p', { class: 'error' }, t.error));
  if (answer.value.data.length === 0) return holder.replaceChildren(element('p', { class: 'muted' }, t.noPackages));
  const offerings = new Map(catalog.ok ? catalog.value.data.map((offering) => [offering.code, offering]) : []);
  holder.replaceChildren(element('h2', {}, t.packages), element('ul', { class: 'plain' }, answer.value.data.map((pack) => element('li', { 'data-package': pack.id },
    element('strong', {}, pack.name),
    element('div', { class: 'muted' }, pack.status === 'awaiting_funds' ? t.awaitingFunds : fill(t.expires, { date: formatDate(pack.expiresAt, language) })),
    ...pack.allowances.map((allowance) => element('div', {}, fill(t.remaining, { amount: formatUnits(allowance.unit, allowance.remaining, language) }))),
    packageActions(line, path, holder, pack, offerings.get(pack.offering))))));
}

/** Renew now (at the catalog's price today) and the auto-renew switch, where the offering allows it or the pack renews itself. */
function packageActions(line, path, holder, pack, offering) {
  if (!offering) return null;
  const packagePath = `${path}/packages/${encodeURIComponent(pack.id)}`;
  const problem = (answer) => sessionEnded(answer) || say(actions, problemText(answer, line));
  const renew = element('button', { type: 'button', class: 'small', 'data-renew': pack.id, onclick: async () => {
    renew.disabled = true;
    const renewed = await api('POST', `${packagePath}/renew`, { idempotencyKey: crypto.randomUUID(), body: { expectedPrice: offering.price } });
    // Done: the button stays disabled while the lines are read again (seconds on a slow
    // connection), or a second tap renews, and charges, once more.
    if (renewed.ok) return start({ msisdn: line.msisdn, text: t.renewed });
    renew.disabled = false;
    renew.focus(); // a disabled button loses the focus: the keyboard stays where it was
    if (renewed.code === 'price_changed') {
      // Shown again at today's price, the message beside the pack's new Renew button.
      await showPackages(line, path, holder);
      const again = holder.querySelector(`[data-renew="${CSS.escape(pack.id)}"]`);
      if (again) { say(again.parentElement, t.priceChanged); again.focus(); }
      return;
    }
    problem(renewed);
  } }, fill(t.renewNow, { price: formatTenge(offering.price, language) }));
  // A pack that renews itself can always be stopped, also once the offering no longer allows
  // auto-renewal (the subscriber agreed to it before); it cannot be turned on again then.
  const automatic = offering.autoRenewAllowed || pack.autoRenew ? element('input', { type: 'checkbox', id: `auto-${pack.id}`, checked: pack.autoRenew, onchange: async () => {
    automatic.disabled = true;
    const changed = await api('PATCH', packagePath, { body: { autoRenew: automatic.checked } });
    automatic.disabled = false;
    automatic.focus(); // a disabled box loses the focus
    if (changed.ok) {
      // Turned off for good: the box stays, unticked and disabled; the keyboard goes on at Renew beside it.
      if (!offering.autoRenewAllowed && !automatic.checked) { automatic.disabled = true; renew.focus(); }
      return;
    }
    automatic.checked = !automatic.checked;
    problem(changed);
  } }) : null;
  const actions = element('p', { class: 'actions' }, renew, automatic ? element('label', { for: `auto-${pack.id}`, class: 'inline' }, automatic, ` ${t.autoRenew}`) : null);
  return actions;
}

async function showHistory(line, path, holder) {
  // A package's movements name it in the page's language: as the catalog does, or, once off sale,
  // as the line's own packages (those of the last 90 days) do; else "Package" alone, never its code.
  const [catalog, held] = await Promise.all([api('GET', catalogPath(line)), api('GET', `${path}/packages?include=all&language=${language}`)]);
  const names = new Map([
    ...(held.ok ? held.value.data.map((pack) => [pack.offering, pack.name]) : []),
    ...(catalog.ok ? catalog.value.data.map((offering) => [offering.code, offering.name]) : []),
  ]);
  // A card payment's reservation, once paid or released, is shown by the line that settled it
  // alone (the settling line is newer, so it comes first, on the same page or an earlier one).
  const settled = new Set();
  await showPaged(holder, `${path}/transactions`, t.history, t.noHistory, (entries) => {
    for (const entry of entries) if (entry.pendingId) settled.add(entry.pendingId);
    return entries.filter((entry) => !settled.has(entry.id)).map((entry) => historyItem(entry, names));
  });
}

/** A movement: what it was, when, its receipt; what the bonus balance paid is marked as such, a cancelled card payment's amount struck through, never bold like money in. */
function historyItem(entry, names) {
  const kind = movementLabel(entry.code, language, entry.kind);
  const name = entry.offering ? names.get(entry.offering) : undefined;
  const label = name ? fill(t.labelled, { label: kind, value: name }) : kind;
  const amount = entry.unit === 'KZT' ? formatTenge(entry.amount, language) : formatUnits(entry.unit, entry.amount, language);
  // A movement issued with a receipt links to its PDF, in the page's language.
  const receipt = entry.receipt ? element('a', { href: `/v1/receipts/${encodeURIComponent(entry.receipt)}.pdf?language=${language}`, target: '_blank', rel: 'noopener', 'data-receipt': entry.receipt }, t.receipt) : null;
  return element('li', { class: 'row' },
    element('span', {}, entry.account === 'line_bonus' && !entry.code.startsWith('topup_bonus') ? fill(t.fromBonus, { label }) : label, ' · ',
      element('span', { class: 'nowrap' }, formatDate(entry.createdAt, language)), receipt ? ' · ' : null, receipt),
    entry.kind === 'void_pending' ? element('s', { class: 'muted' }, amount) : element('strong', {}, amount));
}

/** The SMS the line was sent, newest first, each in the language it was written in. */
async function showMessages(path, holder) {
  // A reminder canceled before it went (it no longer held in the morning) was never on the phone.
  await showPaged(holder, `${path}/messages`, t.messages, t.noMessages, (messages) => messages.filter((message) => message.status !== 'canceled').map((message) => element('li', { 'data-message': message.id },
    element('div', { class: 'muted' }, formatDate(message.sentAt ?? message.createdAt, language),
      // Given up (the network refused it, or retries ran out): listed, but not as if the phone had it.
      message.status === 'failed' || message.status === 'undeliverable' ? [' · ', element('span', { 'data-undelivered': '' }, t.notDelivered)]
        // Still waiting (retried while the SMSC is unreachable, a reminder held through the night): not on the phone yet either.
        : message.status === 'queued' ? [' · ', element('span', { 'data-unsent': '' }, t.notSentYet)] : null),
    element('div', { lang: message.language }, message.text))));
}

/**
 * A paged list of the API (newest first) under its heading, 20 at a time: "Show more" fetches the
 * next page with its cursor and adds it below; the keyboard goes on at the first item added.
 * `itemsOf` makes a page's rows into list items.
 */
async function showPaged(holder, url, title, empty, itemsOf) {
  const list = element('ul', { class: 'plain' });
  const more = element('button', { type: 'button', class: 'secondary small', 'data-more': url, hidden: true });
  more.textContent = t.showMore;
  let cursor = null;
  /** Adds the next page; false when the first page could not be shown as a list (refused, or empty). */
  const load = async () => {
    more.disabled = true;
    const answer = await api('GET', `${url}?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    more.disabled = false;
    if (sessionEnded(answer)) return false;
    if (!answer.ok) {
      if (cursor !== null) {
        more.focus(); // disabled while it asked, it lost the focus: the keyboard stays on it, to ask again
        return say(more, refusalText(language, answer, t.error));
      }
      holder.replaceChildren(element('p', { class: 'error' }, t.error));
      return false;
    }
    const items = itemsOf(answer.value.data);
    // A page whose rows all left no item (a canceled SMS was never on the phone): the next one, or "none".
    if (items.length === 0 && answer.value.nextCursor) {
      cursor = answer.value.nextCursor;
      return load();
    }
    if (list.children.length === 0 && items.length === 0) {
      holder.replaceChildren(element('p', { class: 'muted' }, empty));
      return false;
    }
    for (const item of items) item.tabIndex = -1;
    list.append(...items);
    if (cursor !== null) items[0]?.focus();
    cursor = answer.value.nextCursor;
    more.hidden = !cursor;
    return true;
  };
  more.addEventListener('click', load);
  if (await load()) holder.replaceChildren(element('h2', {}, title), list, more);
}

/** The offerings on sale, priced for this line (its promotions), in the page's language. */
function catalogPath(line) {
  return `/v1/offerings?language=${language}&msisdn=${encodeURIComponent(line.msisdn)}`;
}

/** Why buying or renewing a package for `line` was refused, in words the subscriber can act on. */
function problemText(answer, line) {
  // The server says how much is missing: the amount to top up, at least.
  if (answer.code === 'balance_insufficient') return typeof answer.details?.shortfall === 'number' ? shortText(answer.details.shortfall) : t.insufficient;
  if (answer.code === 'price_changed') return t.priceChanged;
  if (answer.code === 'package_already_active') return t.packageAlreadyActive;
  // Its sale ended (or it left the catalog) while the page was open: trying again would not help.
  if (answer.code === 'offering_unavailable' || answer.code === 'offering_not_found') return t.offeringUnavailable;
  // A line in grace or suspended buys nothing until a top-up brings it back; one the operator
  // blocked (a lost or stolen SIM) stays blocked whatever is paid: customer service lifts it.
  if (answer.code === 'line_status_invalid') return line?.barred ? t.lineBarred : t.lineNotActive;
  return answer.code.startsWith('promo_code_') ? promoText(answer.code) : refusalText(language, answer, t.error);
}

/**
 * The packages on sale for this line, at its price, each with a Buy button; a promo code, once
 * applied, reprices each package it is valid for (the server's quote, the price the purchase will
 * charge) and goes with those purchases.
 */
async function showOfferings(line, holder, promo = null, message = null) {
  const answer = await api('GET', catalogPath(line));
  if (sessionEnded(answer)) return;
  if (!answer.ok) return holder.replaceChildren(element('p', { class: 'error' }, t.error));
  const offerings = answer.value.data.filter((o) => o.kind !== 'tariff');
  const codeInput = element('input', { id: `promo-${line.id}`, name: 'promoCode', autocomplete: 'off', autocapitalize: 'characters', maxlength: 32, value: promo?.code ?? '' });
  const promoForm = element('form', { class: 'promo', onsubmit: async (event) => {
    event.preventDefault();
    const code = codeInput.value.trim();
    if (!code) {
      // No code: the list at its own prices, drawn afresh; the keyboard stays in the field.
      await showOfferings(line, holder);
      return document.getElementById(codeInput.id)?.focus();
    }
    promoForm.querySelector('button').disabled = true;
    const quotes = await Promise.all(offerings.map((offering) => api('GET', `/v1/offerings/${encodeURIComponent(offering.code)}/quote?msisdn=${encodeURIComponent(line.msisdn)}&promoCode=${encodeURIComponent(code)}`)));
    if (quotes.some(sessionEnded)) return;
    const prices = new Map(quotes.flatMap((quote, index) => (quote.ok && quote.value.promoCode ? [[offerings[index].code, quote.value.price]] : [])));
    // The code as the server knows it (TRAVEL20 for travel20), shown and sent with the purchases.
    const known = quotes.find((quote) => quote.ok && quote.value.promoCode)?.value.promoCode ?? code;
    const refused = quotes.find((quote) => !quote.ok && quote.code !== 'promo_code_invalid');
    if (prices.size > 0) await showOfferings(line, holder, { code: known, prices }, null);
    else await showOfferings(line, holder, null, promoText(refused?.code ?? (quotes.some((quote) => quote.ok) ? 'promo_code_not_better' : 'promo_code_invalid')));
    // The form was drawn afresh: the keyboard goes on in its field (to correct the code, or to see what it did).
    document.getElementById(codeInput.id)?.focus();
  } },
  element('label', { for: codeInput.id }, t.promo.label), element('div', { class: 'row' }, codeInput, element('button', { type: 'submit', class: 'secondary small' }, t.promo.apply)),
  message ? element('p', { class: 'error', role: 'alert' }, message) : null,
  promo ? element('p', { class: 'success', role: 'status' }, fill(t.promo.applied, { code: promo.code })) : null);
  const spendable = line.balance.main + line.balance.bonus;
  holder.replaceChildren(element('h2', {}, t.buyPackage), promoForm, element('ul', { class: 'plain' }, offerings.map((offering) => {
    const promoPrice = promo?.prices.get(offering.code);
    const price = promoPrice ?? offering.price;
    // What the balance cannot pay for is shown, not offered: the way to it is a top-up.
    const short = price > spendable;
    return element('li', {},
      element('div', { class: 'row' }, element('strong', {}, offering.name), element('span', { class: 'price' },
        promoPrice !== undefined ? element('s', { class: 'muted' }, formatTenge(offering.price, language)) : null, promoPrice !== undefined ? ' ' : null, formatTenge(price, language))),
      element('div', { class: 'muted' }, [sentence(offering.description), formatPeriod(offering, language)].filter(Boolean).join(' · ')),
      element('button', { type: 'button', class: 'small', 'data-offering': offering.code, disabled: short, 'aria-describedby': short ? `short-${line.id}-${offering.code}` : null, onclick: async (event) => {
        const button = event.currentTarget;
        button.disabled = true;
        const body = { msisdn: line.msisdn, offering: offering.code, expectedPrice: price, ...(promoPrice !== undefined ? { promoCode: promo.code } : {}) };
        const bought = await api('POST', '/v1/purchases', { idempotencyKey: crypto.randomUUID(), body });
        // Bought: disabled while the lines are read again, or a second tap buys once more.
        if (bought.ok) { await start({ msisdn: line.msisdn, text: t.bought }); return; }
        button.disabled = false;
        button.focus(); // a disabled button loses the focus: the keyboard stays where it was
        if (sessionEnded(bought)) return;
        if (bought.code === 'price_changed') {
          // Shown again at today's prices (a promo code's too, once applied again), saying why.
          await showOfferings(line, holder, null, t.priceChanged);
          holder.querySelector(`[data-offering="${CSS.escape(offering.code)}"]`)?.focus();
          return;
        }
        if (bought.code === 'offering_unavailable' || bought.code === 'offering_not_found') {
          // Shown again without it, saying why; the keyboard goes on at the message (its button is gone).
          await showOfferings(line, holder, null, problemText(bought, line));
          const said = holder.querySelector('form.promo p.error');
          said?.setAttribute('tabindex', '-1');
          said?.focus();
          return;
        }
        say(button, problemText(bought, line));
      } }, `${t.buy} ${formatTenge(price, language)}`),
      short ? element('p', { class: 'muted', id: `short-${line.id}-${offering.code}` }, shortText(price - spendable), ' ', element('a', { href: '/' }, t.topUpLink)) : null);
  })));
}

/** Not enough balance, by how much (minor units). */
function shortText(shortfall) {
  return fill(t.insufficientBy, { shortfall: formatTenge(shortfall, language) });
}

/** A description as a part of a line joined with " · ": without its closing full stop ("…a short trip." → "…a short trip"). */
function sentence(text) {
  return (text ?? '').trim().replace(/[.。]$/u, '');
}

function promoText(code) {
  return t.promo.problems[code] ?? t.error;
}

/**
 * What the line owes on a promised payment, and what it may take now: the server's offer (the
 * amounts with their fees) or the reason it may not, in the words the subscriber can act on.
 */
async function showPromisedPayment(line, path, holder) {
  const answer = await api('GET', `${path}/promised-payment`);
  if (sessionEnded(answer)) return;
  if (!answer.ok) return holder.replaceChildren(element('p', { class: 'error' }, t.error));
  const { owed, offer, data } = answer.value;
  const open = data.findLast((credit) => credit.status !== 'closed');
  const parts = [element('h2', {}, t.promisedPayment)];
  if (owed > 0) parts.push(element('p', { class: 'owed' }, fill(t.credit.owed, { amount: formatTenge(owed, language), date: formatDate(open?.dueAt, language) })));
  if (!offer.available) {
    parts.push(element('p', { class: 'muted refusal' }, creditRefusalText(offer.refusal) ?? t.error));
    return holder.replaceChildren(...parts);
  }
  parts.push(element('p', { class: 'muted' }, fill(t.credit.offer, { days: formatDays(offer.termDays, language) })));
  const buttons = offer.amounts.map((choice) => element('button', { type: 'button', class: 'small', 'data-credit': choice.amount, onclick: async (event) => {
    for (const button of buttons) button.disabled = true;
    const taken = await api('POST', `${path}/promised-payment`, { idempotencyKey: crypto.randomUUID(), body: { amount: choice.amount } });
    if (taken.ok) return start({ msisdn: line.msisdn, text: fill(t.credit.taken, { amount: formatTenge(taken.value.amount, language) }) });
    if (sessionEnded(taken)) return;
    for (const button of buttons) button.disabled = false;
    // The grant answers a refusal as the offer words it: credit_not_eligible's details, or credit_open.
    say(actions, creditRefusalText(taken.code === 'credit_open' ? { reason: 'credit_open' } : taken.details) ?? refusalText(language, taken, t.error));
    event.target.focus();
  } }, fill(t.credit.take, { amount: formatTenge(choice.amount, language), fee: formatTenge(choice.fee, language) })));
  const actions = element('p', { class: 'actions' }, buttons);
  holder.replaceChildren(...parts, actions);
}

/** Why a line may not take a promised payment, in the page's language, or null for a reason the page has no words for. */
function creditRefusalText(refusal) {
  const text = t.credit.refusals[refusal?.reason];
  const count = refusal?.tenureDaysMin ?? refusal?.recentTopupDays;
  return text ? fill(text, { days: typeof count === 'number' ? formatDays(count, language) : '' }) : null;
}

/** A refusal of a transfer in the page's language, its money figures formatted, never a raw code. */
function transferProblem(answer) {
  const text = t.transfer.problems[answer.code];
  if (!text) return refusalText(language, answer, t.error);
  const money = (value) => (typeof value === 'number' ? formatTenge(value, language) : '');
  const { minimum, maximum, remaining, required, attemptsLeft } = answer.details ?? {};
  return fill(text, { minimum: money(minimum), maximum: money(maximum), remaining: money(remaining), required: money(required), attemptsLeft: attemptsLeft ?? '' });
}

/** The field a transfer's refusal is about: the number it goes to, the amount, or none (the sending line's state, too many tries). */
function transferField(answer, to, amount) {
  if (answer.details?.field === 'to' || ['msisdn_invalid', 'line_not_found', 'transfer_same_line'].includes(answer.code)) return to;
  return ['amount_invalid', 'amount_below_minimum', 'amount_above_maximum', 'balance_insufficient', 'transfer_daily_limit_exceeded'].includes(answer.code) ? amount : null;
}

/**
 * Sending balance: the number and amount, then the server's confirmation (amount, fee, receiver)
 * with the one-time code it sent by SMS to the sending line; the money moves only on that code.
 */
function showTransfer(line, holder, message) {
  const to = element('input', { id: `transfer-to-${line.id}`, name: 'to', type: 'tel', inputmode: 'tel', autocomplete: 'off', placeholder: t.numberPlaceholder, required: true });
  const amount = element('input', { id: `transfer-amount-${line.id}`, name: 'amount', type: 'number', inputmode: 'numeric', min: 1, step: 1, required: true });
  // A refusal above the button, in place of the one before; what was typed stays, `field` (the one to correct) takes the keyboard.
  const refuse = (text, field) => {
    form.querySelector('p.error')?.remove();
    form.querySelector('button[type=submit]').before(element('p', { class: 'error', role: 'alert' }, text));
    field?.focus();
  };
  const form = element('form', { class: 'transfer', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const kzt = Number(amount.value);
    if (!Number.isInteger(kzt) || kzt <= 0) return refuse(t.transfer.problems.amount_invalid, amount);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    const asked = await api('POST', '/v1/transfers', { idempotencyKey: crypto.randomUUID(), body: { from: line.msisdn, to: to.value, amount: kzt * 100 } });
    button.disabled = false;
    if (sessionEnded(asked)) return;
    // The button was disabled meanwhile, and the keyboard with it: it goes to the field the refusal is about.
    if (!asked.ok) return refuse(transferProblem(asked), transferField(asked, to, amount) ?? button);
    showTransferCode(line, holder, asked.value);
  } },
  element('label', { for: to.id }, t.transfer.to), to, element('label', { for: amount.id }, t.transfer.amount), amount,
  message ? element('p', { class: 'error', role: 'alert' }, message) : null, element('button', { type: 'submit' }, t.next));
  holder.replaceChildren(element('h2', {}, t.sendBalance), form);
  to.focus();
}

/** A transfer that cannot go on today: why, in place of its form; the keyboard goes on at the message. */
function transferStopped(holder, text) {
  const message = element('p', { class: 'error', role: 'alert', tabindex: -1 }, text);
  holder.replaceChildren(element('h2', {}, t.sendBalance), message);
  message.focus();
}

function showTransferCode(line, holder, confirmation, message) {
  const code = element('input', { id: `transfer-code-${line.id}`, name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6, required: true });
  const sum = (minor) => formatTenge(minor, language);
  const form = element('form', { class: 'transfer-code', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    const sent = await api('POST', `/v1/transfers/confirmations/${encodeURIComponent(confirmation.confirmationId)}`, { body: { code: code.value.trim() } });
    if (sent.ok) return start({ msisdn: line.msisdn, text: fill(t.transfer.sent, { amount: sum(sent.value.amount), to: formatMsisdn(sent.value.to) }) });
    button.disabled = false;
    if (sessionEnded(sent)) return;
    if (sent.code === 'transfer_confirmation_expired') return showTransfer(line, holder, transferProblem(sent));
    // The day's tries for the line are used up: every further code would be refused, so the form goes.
    if (sent.code === 'rate_limited') return transferStopped(holder, transferProblem(sent));
    // The field's pattern already asks for six digits; what the server refuses, it says why.
    showTransferCode(line, holder, confirmation, transferProblem(sent));
  } },
  element('p', { class: 'confirm' }, fill(t.transfer.confirm, { amount: sum(confirmation.amount), to: formatMsisdn(confirmation.to), fee: sum(confirmation.fee) })),
  // A code lasts minutes: the time alone says until when (Almaty time, as the page's note says).
  element('p', { class: 'muted' }, fill(t.transfer.codeSent, { from: formatMsisdn(confirmation.from), time: formatTime(confirmation.expiresAt) })),
  element('label', { for: code.id }, t.transfer.code), code,
  message ? element('p', { class: 'error', role: 'alert' }, message) : null,
  element('button', { type: 'submit' }, t.transfer.send),
  element('button', { type: 'button', class: 'secondary', onclick: () => {
    holder.replaceChildren();
    // The button pressed is gone with the form: the keyboard goes back to the card's "Send balance".
    holder.closest('section.card')?.querySelector('[data-action="transfer"]')?.focus();
  } }, t.transfer.cancel));
  holder.replaceChildren(element('h2', {}, t.sendBalance), form);
  code.focus();
}

start();
