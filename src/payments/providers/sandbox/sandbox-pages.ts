import { formatTenge } from '../../../domain/money.ts';
import type { SandboxSessionRow } from './sandbox-repository.ts';
import { SANDBOX_TEST_CARDS } from './sandbox-cards.ts';
import { SANDBOX_LABELS, type SandboxLanguage } from './sandbox-labels.ts';
import type { CheckoutView } from './sandbox-provider.ts';

/** The sandbox's hosted pages: plain HTML forms, no script, mobile first. */
const STYLE = `body{font:16px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1a1a1a}
main{max-width:420px;margin:0 auto;padding:16px}.card{background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin:0 0 8px}.note{background:#fff7d6;border-radius:8px;padding:8px 12px;font-size:.9rem;margin-bottom:16px}
label{display:block;margin:12px 0 4px;font-weight:600}input{width:100%;box-sizing:border-box;font-size:1.1rem;padding:12px;border:1px solid #bbb;border-radius:8px}
.row{display:flex;gap:12px}.row>div{flex:1}button{width:100%;font-size:1.1rem;padding:14px;border:0;border-radius:8px;margin-top:16px;background:#0a7c43;color:#fff}
button.secondary{background:#e3e5e8;color:#1a1a1a}.amount{font-size:1.6rem;font-weight:700}.error{color:#b00020;font-weight:600}
table{font-size:.8rem;border-collapse:collapse;margin-top:12px}td{padding:2px 6px;border-top:1px solid #eee}`;

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(lang: SandboxLanguage, title: string, body: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)}</title><style>${STYLE}</style></head><body><main><div class="card">${body}</div></main></body></html>`;
}

export function checkoutPage(session: SandboxSessionRow, lang: SandboxLanguage, error?: string): string {
  const t = SANDBOX_LABELS[lang];
  const action = `/sandbox/checkout/${encodeURIComponent(session.id)}?lang=${lang}`;
  const cards = SANDBOX_TEST_CARDS.map((c) => `<tr><td><code>${c.number.replace(/(\d{4})(?=\d)/g, '$1 ')}</code></td><td>${escape(t[`card_${c.outcome}`])}</td></tr>`).join('');
  return page(lang, t.title, `<h1>${escape(t.title)}</h1><p class="note">${escape(t.testMode)}</p>
<div>${escape(t.amount)}</div><div class="amount" id="amount">${escape(formatTenge(BigInt(session.amount), lang))}</div>
${session.description ? `<p id="description">${escape(session.description)}</p>` : ''}
${error ? `<p class="error" role="alert" id="error">${escape(error)}</p>` : ''}
<form method="post" action="${action}" autocomplete="off">
<label for="cardNumber">${escape(t.cardNumber)}</label><input id="cardNumber" name="cardNumber" inputmode="numeric" autocomplete="cc-number" maxlength="23" required placeholder="4242 4242 4242 4242">
<div class="row"><div><label for="expiry">${escape(t.expiry)}</label><input id="expiry" name="expiry" inputmode="numeric" autocomplete="cc-exp" maxlength="7" required placeholder="12/34"></div>
<div><label for="cvc">${escape(t.cvc)}</label><input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" maxlength="4" required placeholder="123"></div></div>
<button type="submit" id="pay" name="action" value="pay">${escape(t.pay)}</button>
<button type="submit" class="secondary" id="cancel" name="action" value="cancel" formnovalidate>${escape(t.cancel)}</button>
</form><details><summary>${escape(t.testCards)}</summary><table>${cards}</table></details>`);
}

export function challengePage(session: SandboxSessionRow, lang: SandboxLanguage): string {
  const t = SANDBOX_LABELS[lang];
  const action = `/sandbox/checkout/${encodeURIComponent(session.id)}/challenge?lang=${lang}`;
  return page(lang, t.challenge, `<h1 data-result="challenge">${escape(t.challenge)}</h1><p class="note">${escape(t.testMode)}</p>
<p>${escape(t.challengeText)}</p><div class="amount">${escape(formatTenge(BigInt(session.amount), lang))}</div>
<form method="post" action="${action}"><button type="submit" id="approve" name="decision" value="approve">${escape(t.approve)}</button>
<button type="submit" class="secondary" id="fail" name="decision" value="fail">${escape(t.fail)}</button></form>`);
}

export function resultPage(view: CheckoutView, lang: SandboxLanguage): string {
  const t = SANDBOX_LABELS[lang];
  const back = view.session ? `<p><a href="${escape(view.session.return_url)}">${escape(t.back)}</a></p>` : '';
  const reason = view.reason ? (t as Record<string, string>)[`reason_${view.reason}`] ?? view.reason : '';
  const [title, text] = {
    succeeded: [t.succeeded, t.succeededText], declined: [t.declined, `${reason} ${t.tryAnother}`], processing: [t.processing, t.processingText],
    unknown: [t.unknown, t.unknownText], canceled: [t.canceled, t.tryAnother], closed: [t.closed, ''], challenge: [t.challenge, ''],
  }[view.view];
  return page(lang, title!, `<h1 data-result="${view.view}" id="result">${escape(title!)}</h1>${text ? `<p>${escape(text)}</p>` : ''}${back}`);
}
