// The public top-up page: number → confirm (masked number, operator) → amount → pay → result.
import { api, element } from './api.js';
import { currentLanguage, fill, formatTenge, languageSwitcher, TEXT } from './i18n.js';

const AMOUNTS_KZT = [1000, 2000, 5000, 10000];
let language = currentLanguage('topup');
let t = TEXT[language];
const app = document.getElementById('app');
const state = { msisdn: '', confirmed: null, amountKzt: 2000 };

function nav() {
  const holder = document.getElementById('nav');
  holder.replaceChildren(element('a', { href: '/account' }, t.account), languageSwitcher(language, 'topup', (next) => { language = next; t = TEXT[next]; render(); }));
}

function render() {
  nav();
  const payment = new URLSearchParams(location.search).get('payment');
  if (payment) return renderResult(payment);
  if (!state.confirmed) return renderNumber();
  return renderAmount();
}

function renderNumber(message) {
  const input = element('input', { id: 'msisdn', name: 'msisdn', type: 'tel', inputmode: 'tel', autocomplete: 'tel', placeholder: t.numberHint, value: state.msisdn, required: true });
  const form = element('form', { onsubmit: async (event) => {
    event.preventDefault();
    state.msisdn = input.value;
    const button = form.querySelector('button');
    button.disabled = true;
    const answer = await api('GET', `/v1/payments/confirm-line?msisdn=${encodeURIComponent(input.value)}`);
    button.disabled = false;
    if (answer.ok && answer.value.canTopUp) { state.confirmed = answer.value; return render(); }
    renderNumber(answer.ok ? t.cannotTopUp : answer.code === 'rate_limited' ? t.tooMany : t.notOurs);
  } },
  element('label', { for: 'msisdn' }, t.number), input, message ? element('p', { class: 'error', role: 'alert' }, message) : null,
  element('button', { type: 'submit' }, t.next));
  app.replaceChildren(element('h1', {}, t.title), element('p', { class: 'muted' }, t.tagline), form);
}

/** The deployment's top-up limits in whole tenge, as the number's confirmation gave them (the server checks again). */
function limitsKzt() {
  return { min: Math.ceil(state.confirmed.amountMin / 100), max: Math.floor(state.confirmed.amountMax / 100) };
}

function amountHint() {
  const { min, max } = limitsKzt();
  return fill(t.amountHint, { min: formatTenge(min * 100, language), max: formatTenge(max * 100, language) });
}

function renderAmount(message) {
  const { min, max } = limitsKzt();
  const custom = element('input', { id: 'amount', name: 'amount', type: 'number', inputmode: 'numeric', min, max, step: 1, value: state.amountKzt });
  const chips = element('div', { class: 'chips' }, AMOUNTS_KZT.filter((kzt) => kzt >= min && kzt <= max).map((kzt) => element('button', {
    type: 'button', 'aria-pressed': String(kzt === state.amountKzt), onclick: () => { state.amountKzt = kzt; renderAmount(); },
  }, formatTenge(kzt * 100, language))));
  const form = element('form', { onsubmit: async (event) => {
    event.preventDefault();
    state.amountKzt = Number(custom.value);
    if (!Number.isInteger(state.amountKzt) || state.amountKzt < min || state.amountKzt > max) return renderAmount(amountHint());
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    button.textContent = t.paying;
    const answer = await api('POST', '/v1/payments', {
      idempotencyKey: crypto.randomUUID(),
      body: { msisdn: state.msisdn, amount: state.amountKzt * 100, currency: 'KZT', purpose: 'topup', language },
    });
    if (!answer.ok) return renderAmount(answer.code === 'rate_limited' ? t.tooMany : t.error);
    sessionStorage.setItem(`tolem.payment.${answer.value.id}`, answer.value.clientSecret);
    if (answer.value.redirectUrl) location.assign(answer.value.redirectUrl);
    else location.assign(`/?payment=${answer.value.id}`);
  } },
  element('div', { class: 'card' }, element('div', { class: 'muted' }, t.confirm), element('div', { class: 'big', id: 'confirmed-number' }, state.confirmed.msisdn),
    state.confirmed.operator ? element('div', { class: 'muted' }, fill(t.labelled, { label: t.operator, value: state.confirmed.operator })) : null,
    element('button', { type: 'button', class: 'secondary small', onclick: () => { state.confirmed = null; render(); } }, t.change)),
  element('label', { for: 'amount' }, t.amount), chips, custom, element('p', { class: 'muted' }, amountHint()),
  message ? element('p', { class: 'error', role: 'alert' }, message) : null,
  element('button', { type: 'submit' }, `${t.pay} ${formatTenge(state.amountKzt * 100, language)}`));
  app.replaceChildren(element('h1', {}, t.title), form);
}

async function renderResult(paymentId) {
  const secret = sessionStorage.getItem(`tolem.payment.${paymentId}`) ?? '';
  app.replaceChildren(element('h1', {}, t.title), element('p', { class: 'muted', id: 'status' }, t.waiting));
  for (let attempt = 0; attempt < 120; attempt++) {
    const answer = await api('GET', `/v1/payments/${encodeURIComponent(paymentId)}`, { headers: { 'x-payment-client-secret': secret } });
    if (!answer.ok) break;
    const payment = answer.value;
    if (payment.status === 'succeeded') {
      return app.replaceChildren(element('h1', {}, t.title),
        element('p', { class: 'success', id: 'status' }, t.succeeded),
        element('div', { class: 'card' }, element('div', { class: 'big' }, formatTenge(payment.amount, language)), element('div', {}, payment.msisdn),
          payment.receiptNumber ? element('div', { class: 'muted' }, fill(t.labelled, { label: t.receipt, value: payment.receiptNumber })) : null),
        element('button', { type: 'button', onclick: () => location.assign('/') }, t.another));
    }
    if (['failed', 'canceled', 'expired'].includes(payment.status)) {
      return app.replaceChildren(element('h1', {}, t.title),
        element('p', { class: 'error', id: 'status', role: 'alert' }, payment.status === 'expired' ? t.expired : t.failed),
        element('p', { class: 'muted' }, t.retry),
        element('button', { type: 'button', onclick: () => location.assign('/') }, t.another));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  app.replaceChildren(element('h1', {}, t.title), element('p', { class: 'error', id: 'status' }, t.error));
}

render();
