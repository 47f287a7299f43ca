// The public top-up page: number → confirm (masked number, operator) → amount → pay → result.
import { api, element } from './api.js';
import { currentLanguage, fill, formatTenge, groupSeparators, languageSwitcher, refusalText, TEXT } from './i18n.js';

const AMOUNTS_KZT = [1000, 2000, 5000, 10000];
let language = currentLanguage('topup');
let t = TEXT[language];
const app = document.getElementById('app');
// `paying`: a payment asked for and not yet answered; the amount step stays as it was sent until it is.
const state = { msisdn: sessionStorage.getItem('tolem.topup.msisdn') ?? '', confirmed: null, amountKzt: 2000, paymentKey: null, paying: false };
/** The payment result as shown now, drawn again in another language by the one loop that follows the payment (renderResult). */
let drawResult = null;

function nav() {
  const holder = document.getElementById('nav');
  holder.replaceChildren(element('a', { href: '/account' }, t.account), languageSwitcher(language, 'topup', (next) => {
    language = next;
    t = TEXT[next];
    render();
    holder.querySelector('select')?.focus();
  }));
}

function render() {
  nav();
  const payment = new URLSearchParams(location.search).get('payment');
  if (payment) return drawResult ? drawResult() : renderResult(payment);
  if (!state.confirmed) return renderNumber();
  return renderAmount();
}

function renderNumber(message) {
  const input = element('input', {
    id: 'msisdn', name: 'msisdn', type: 'tel', inputmode: 'tel', autocomplete: 'tel', placeholder: t.numberPlaceholder, value: state.msisdn,
    'aria-describedby': message ? 'msisdn-help msisdn-error' : 'msisdn-help', 'aria-invalid': message ? 'true' : null,
    // Kept as typed: a switch of language draws the form again with it.
    oninput: () => { state.msisdn = input.value; },
  });
  const form = element('form', { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    state.msisdn = input.value;
    if (!input.value.trim()) return renderNumber(t.invalidNumber);
    const button = form.querySelector('button');
    button.disabled = true;
    const answer = await api('GET', `/v1/payments/confirm-line?msisdn=${encodeURIComponent(input.value)}`);
    button.disabled = false;
    if (answer.ok && answer.value.canTopUp) {
      state.confirmed = answer.value;
      state.paymentKey = null;
      // The amount offered first is one the operator's limits allow (2,000 ₸ unless they leave it out).
      const { min, max } = limitsKzt();
      if (state.amountKzt === null || state.amountKzt < min || state.amountKzt > max) state.amountKzt = AMOUNTS_KZT.find((kzt) => kzt >= min && kzt <= max) ?? min;
      render();
      // The form the keyboard was in is gone: it goes on at the new step's heading, which a screen reader reads out.
      return document.getElementById('amount-step')?.focus();
    }
    renderNumber(answer.ok ? t.cannotTopUp : refusalText(language, answer, answer.code === 'msisdn_invalid' || answer.code === 'validation_failed' ? t.invalidNumber : t.notOurs));
  } },
  element('label', { for: 'msisdn' }, t.number), element('p', { class: 'muted hint', id: 'msisdn-help' }, t.numberHelp), input,
  message ? element('p', { class: 'error', role: 'alert', id: 'msisdn-error' }, message) : null,
  element('button', { type: 'submit' }, t.next));
  app.replaceChildren(element('h1', {}, t.title), element('p', { class: 'muted' }, t.tagline), form);
  // After a refusal the keyboard stays on the field to correct.
  if (message) input.focus();
}

/** The deployment's top-up limits in whole tenge, as the number's confirmation gave them (the server checks again). */
function limitsKzt() {
  return { min: Math.ceil(state.confirmed.amountMin / 100), max: Math.floor(state.confirmed.amountMax / 100) };
}

function amountHint() {
  const { min, max } = limitsKzt();
  return fill(t.amountHint, { min: formatTenge(min * 100, language), max: formatTenge(max * 100, language) });
}

/**
 * The amount typed, in whole tenge, or null when it is not a whole number. Digits may be grouped
 * by threes as the page writes amounts ("1 000", "1,000" in en and zh), with one separator
 * throughout; a fraction ("1000,50", "1000.5") is no whole number.
 */
function typedKzt(input) {
  const text = input.value.trim();
  const separator = groupSeparators(language).find((candidate) => text.includes(candidate));
  const [first, ...groups] = separator === undefined ? [text] : text.split(separator);
  const grouped = groups.length === 0 ? /^\d{1,9}$/.test(first) : /^\d{1,3}$/.test(first) && groups.every((group) => /^\d{3}$/.test(group));
  const digits = [first, ...groups].join('');
  return grouped && digits.length <= 9 ? Number(digits) : null;
}

/** The amount step; `message` a refusal to show (focus goes to the amount), `focusKzt` the amount button just pressed (it keeps the focus). */
function renderAmount(message, focusKzt) {
  const { min, max } = limitsKzt();
  const custom = element('input', {
    id: 'amount', name: 'amount', type: 'text', inputmode: 'numeric', autocomplete: 'off', value: state.amountKzt ?? '', readonly: state.paying,
    'aria-describedby': message ? 'amount-help amount-error' : 'amount-help', 'aria-invalid': message ? 'true' : null,
    // The button says what will be charged, whatever was typed or tapped last.
    oninput: () => {
      state.amountKzt = typedKzt(custom);
      payButton.textContent = payLabel();
      for (const chip of chips.children) chip.setAttribute('aria-pressed', String(Number(chip.dataset.kzt) === state.amountKzt));
    },
  });
  const chips = element('div', { class: 'chips', role: 'group', 'aria-labelledby': 'amount-label' }, AMOUNTS_KZT.filter((kzt) => kzt >= min && kzt <= max).map((kzt) => element('button', {
    type: 'button', 'data-kzt': kzt, 'aria-pressed': String(kzt === state.amountKzt), disabled: state.paying, onclick: () => { state.amountKzt = kzt; renderAmount(undefined, kzt); },
  }, formatTenge(kzt * 100, language))));
  const payLabel = () => (state.amountKzt ? `${t.pay} ${formatTenge(state.amountKzt * 100, language)}` : t.pay);
  // While a payment is asked for, another amount (a chip, a switch of language drawing the step
  // again) would start a second payment, and the first answer would take the payer to its checkout.
  const payButton = element('button', { type: 'submit', disabled: state.paying }, state.paying ? t.paying : payLabel());
  const form = element('form', { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    if (state.paying) return;
    state.amountKzt = typedKzt(custom);
    if (state.amountKzt === null || state.amountKzt < min || state.amountKzt > max) {
      return renderAmount(fill(t.amountInvalid, { min: formatTenge(min * 100, language), max: formatTenge(max * 100, language) }));
    }
    state.paying = true;
    payButton.disabled = true;
    payButton.textContent = t.paying;
    // The chips and Change too: each would draw the step again with a Pay button to press.
    for (const button of form.querySelectorAll('button')) button.disabled = true;
    custom.readOnly = true;
    // One key per amount and number until a payment is made: a retry after a lost answer finds
    // the payment the first try made instead of starting a second one.
    const body = { msisdn: state.msisdn, amount: state.amountKzt * 100, currency: 'KZT', purpose: 'topup', language };
    const fingerprint = JSON.stringify([body.msisdn, body.amount, body.language]);
    if (state.paymentKey?.fingerprint !== fingerprint) state.paymentKey = { fingerprint, key: crypto.randomUUID() };
    const answer = await api('POST', '/v1/payments', { idempotencyKey: state.paymentKey.key, body });
    if (!answer.ok) {
      state.paying = false;
      return renderAmount(paymentRefusal(answer));
    }
    sessionStorage.setItem(`tolem.payment.${answer.value.id}`, answer.value.clientSecret);
    sessionStorage.setItem('tolem.topup.msisdn', state.msisdn);
    if (answer.value.redirectUrl) location.assign(answer.value.redirectUrl);
    else location.assign(`/?payment=${encodeURIComponent(answer.value.id)}&secret=${encodeURIComponent(answer.value.clientSecret)}`);
  } },
  element('div', { class: 'card' }, element('h2', { class: 'step', id: 'amount-step', tabindex: -1 }, t.confirm), element('div', { class: 'big', id: 'confirmed-number' }, state.confirmed.msisdn),
    state.confirmed.operator ? element('div', { class: 'muted' }, fill(t.labelled, { label: t.operator, value: state.confirmed.operator })) : null,
    element('button', { type: 'button', class: 'secondary small', disabled: state.paying, onclick: () => { state.confirmed = null; render(); document.getElementById('msisdn')?.focus(); } }, t.change)),
  element('label', { for: 'amount', id: 'amount-label' }, t.amount), chips, custom, element('p', { class: 'muted', id: 'amount-help' }, amountHint()),
  message ? element('p', { class: 'error', role: 'alert', id: 'amount-error' }, message) : null,
  payButton);
  app.replaceChildren(element('h1', {}, t.title), form);
  if (message) custom.focus();
  else if (focusKzt !== undefined) chips.querySelector(`[data-kzt="${focusKzt}"]`)?.focus();
}

/** Why a payment was refused, in words the payer can act on: what is left of today's limit, the amounts allowed. */
function paymentRefusal(answer) {
  const { min, max } = limitsKzt();
  if (answer.code === 'daily_limit_exceeded') {
    // In whole tenge, rounded down: the amount field takes whole tenge, and 6 499,50 ₸ left allows 6 499 ₸.
    const remaining = Math.floor(Number(answer.details?.remaining) / 100) * 100;
    return Number.isFinite(remaining) && remaining >= min * 100 ? fill(t.dailyLimitLeft, { remaining: formatTenge(remaining, language) }) : t.dailyLimitReached;
  }
  if (answer.code === 'amount_below_minimum' || answer.code === 'amount_above_maximum' || answer.code === 'amount_invalid') {
    return fill(t.amountInvalid, { min: formatTenge(min * 100, language), max: formatTenge(max * 100, language) });
  }
  if (answer.code === 'line_terminated' || answer.code === 'line_not_found') return t.cannotTopUp;
  return refusalText(language, answer, t.error);
}

/**
 * Where the payer lands back from the provider. The payment is read with its client secret (kept
 * in this tab, or in the return link when the bank's app opened another browser) until it ends;
 * a payment the bank has not settled yet is never shown as an error that invites paying again.
 */
async function renderResult(paymentId) {
  const params = new URLSearchParams(location.search);
  const secret = params.get('secret') ?? sessionStorage.getItem(`tolem.payment.${paymentId}`) ?? '';
  if (params.has('secret')) {
    // Kept in the tab, out of the address bar and its history once read.
    sessionStorage.setItem(`tolem.payment.${paymentId}`, secret);
    params.delete('secret');
    history.replaceState(null, '', `${location.pathname}?${params}`);
  }
  const again = (label) => element('button', { type: 'button', onclick: () => location.assign('/') }, label);
  // `parts` makes what is shown in the page's language of the moment, now and after every switch;
  // parts left out are null: replaceChildren would show null as the text "null".
  const show = (parts) => {
    drawResult = () => app.replaceChildren(element('h1', {}, t.title), ...parts().filter(Boolean));
    drawResult();
  };
  if (!secret) return show(() => [element('p', { class: 'muted', id: 'status' }, t.statusElsewhere), again(t.topUpLink)]);
  show(() => [element('p', { class: 'muted', id: 'status', role: 'status' }, t.waiting)]);
  // Every second for two minutes, then every ten seconds for eight more.
  for (let attempt = 0; attempt < 168; attempt++) {
    const answer = await api('GET', `/v1/payments/${encodeURIComponent(paymentId)}`, { headers: { 'x-payment-client-secret': secret } });
    if (!answer.ok && answer.status === 404) return show(() => [element('p', { class: 'muted', id: 'status' }, t.statusElsewhere), again(t.topUpLink)]);
    const payment = answer.ok ? answer.value : null;
    if (payment?.status === 'succeeded') {
      sessionStorage.removeItem('tolem.topup.msisdn');
      return show(() => [
        element('p', { class: 'success', id: 'status', role: 'status' }, t.succeeded),
        element('div', { class: 'card' }, element('div', { class: 'big' }, formatTenge(payment.amount, language)), element('div', {}, payment.msisdn),
          payment.receiptNumber ? element('div', { class: 'muted' }, fill(t.labelled, { label: t.receipt, value: payment.receiptNumber })) : null),
        payment.receiptNumber ? receiptButton(payment, secret) : null,
        again(t.another)]);
    }
    if (payment && ['failed', 'canceled', 'expired'].includes(payment.status)) {
      return show(() => {
        const headline = payment.status === 'expired' ? t.expired : payment.status === 'canceled' ? t.canceled : t.failed;
        // Charged, but the line could not take it (docs/payments.md): refunded, and another card would fare no better.
        const refunded = payment.status === 'failed' && String(payment.failureReason ?? '').startsWith('credit_refused:');
        const reason = payment.status !== 'failed' ? null : refunded ? t.creditRefused : t.failureReasons[payment.failureReason];
        return [
          element('p', { class: 'error', id: 'status', role: 'alert' }, headline),
          reason ? element('p', { id: 'reason' }, reason) : null,
          refunded ? null : element('p', { class: 'muted' }, t.retry),
          again(t.tryAgain)];
      });
    }
    await new Promise((resolve) => setTimeout(resolve, attempt < 120 ? 1000 : 10_000));
  }
  show(() => [element('p', { class: 'muted', id: 'status', role: 'status' }, t.stillChecking),
    element('button', { type: 'button', onclick: () => location.reload() }, t.checkAgain)]);
}

/**
 * The receipt's PDF for a payer who has no account: read with the payment's client secret (a header,
 * so the secret is in no link), handed to the browser as a download in the page's language.
 */
function receiptButton(payment, secret) {
  const problem = element('p', { class: 'error', role: 'alert', hidden: true }, t.receiptUnavailable);
  const button = element('button', { type: 'button', class: 'secondary', 'data-receipt': payment.receiptNumber, onclick: async () => {
    button.disabled = true;
    problem.hidden = true;
    try {
      const response = await fetch(`/v1/payments/${encodeURIComponent(payment.id)}/receipt.pdf?language=${language}`, { headers: { 'x-payment-client-secret': secret } });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const url = URL.createObjectURL(await response.blob());
      const link = element('a', { href: url, download: `${payment.receiptNumber}.pdf`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch {
      problem.hidden = false;
    } finally {
      button.disabled = false;
      button.focus(); // disabled while it fetched, it lost the focus: the keyboard stays on it
    }
  } }, t.downloadReceipt);
  return element('div', {}, button, problem);
}

render();
