import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { receiptToken } from './receipt-link.ts';

/** Text of a PDF as poppler's pdftotext reads it: proof that the glyphs map back to the characters. */
export function pdfText(pdf: Buffer): string {
  return execFileSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf }).toString('utf8');
}

/** Renders page 1 to a grey PNG and returns the share of pixels that are not white. */
export function inkedShare(pdf: Buffer, keepAs?: string): number {
  const folder = mkdtempSync(join(tmpdir(), 'tolem-receipt-'));
  try {
    writeFileSync(join(folder, 'r.pdf'), pdf);
    execFileSync('pdftoppm', ['-r', '60', '-f', '1', '-l', '1', '-gray', join(folder, 'r.pdf'), join(folder, 'page')]);
    execFileSync('pdftoppm', ['-r', '60', '-f', '1', '-l', '1', '-png', join(folder, 'r.pdf'), join(folder, 'png')]);
    if (keepAs) writeFileSync(keepAs, readFileSync(join(folder, 'png-1.png')));
    const pgm = readFileSync(join(folder, 'page-1.pgm'));
    // P5 header: magic, width, height, maxval, each followed by whitespace; pixels follow.
    const header = pgm.subarray(0, 40).toString('latin1').match(/^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/);
    assert.ok(header);
    const pixels = pgm.subarray(header[0].length);
    let inked = 0;
    for (const value of pixels) if (value < 200) inked += 1;
    return inked / pixels.length;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

for (const dialect of DIALECTS) {
  describe(`receipts [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let number: string;
    before(async () => {
      t = await startTestApp(dialect.name, { publicUrl: 'https://pay.example.kz', secretKey: 'receipt-test-secret' });
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77011234567' } })).status, 201);
      const topUp = await t.request('POST', '/v1/topups', { body: { msisdn: '+77011234567', amount: 45_678_00, currency: 'KZT' }, headers: { 'idempotency-key': 'r1' } });
      assert.equal(topUp.status, 201);
      number = topUp.body.receiptNumber;
    });
    after(async () => t?.close());

    const pdfOf = async (path: string, token = t.adminKey) => {
      const response = await t.app.server.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}` } });
      return { status: response.statusCode, type: String(response.headers['content-type']), bytes: response.rawPayload };
    };

    const expectations = {
      en: ['Receipt', 'Balance top-up', '45,678 ₸', '+7701***4567'],
      ru: ['Чек', 'Пополнение баланса', 'Сумма', '45 678 ₸'],
      kk: ['Түбіртек', 'Балансты толықтыру', 'Сома', 'нөмірі', 'Рахмет', 'сәтті', 'түпнұсқалығын', '45 678 ₸'],
      zh: ['收据', '余额充值', '金额', '谢谢', '45,678 ₸'],
    };
    for (const [language, words] of Object.entries(expectations)) {
      it(`renders a PDF in ${language} whose text and glyphs come back out`, async () => {
        const response = await pdfOf(`/v1/receipts/${number}.pdf?lang=${language}`);
        assert.equal(response.status, 200);
        assert.equal(response.type, 'application/pdf');
        const text = pdfText(response.bytes).replace(/\u00a0/g, ' ');
        for (const word of words) assert.ok(text.includes(word), `${language} PDF holds "${word}": ${text}`);
        // Almaty time, the day as each reader writes it.
        const day = { en: /\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} \(UTC\+5\)/, ru: /\d{2}\.\d{2}\.\d{4} \d{2}:\d{2} \(UTC\+5\)/, kk: /\d{2}\.\d{2}\.\d{4} \d{2}:\d{2} \(UTC\+5\)/, zh: /\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} \(UTC\+5\)/ }[language]!;
        assert.match(text, day, `${language} date`);
        assert.ok(text.includes(number));
        const share = inkedShare(response.bytes, process.env.TOLEM_KEEP_RECEIPT_PNG ? `${process.env.TOLEM_KEEP_RECEIPT_PNG}-${language}-${dialect.name}.png` : undefined);
        assert.ok(share > 0.01 && share < 0.5, `page 1 has ink (${share})`);
      });
    }

    it('a refund receipt reads Қайтару in Kazakh and 退款 in Chinese', async () => {
      const line = await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', '+77011234567').executeTakeFirstOrThrow();
      // Refunds are written by the payments capability through allocateReceipt; a row stands in for one here.
      await t.app.ctx.db.insertInto('receipts').values({ number: 'R-2026-90000001', year: 2026n, kind: 'refund', reference_id: 'rf_test', line_id: line.id, amount: 1_500_50n, currency: 'KZT', created_at: t.clock.now().toISOString() }).execute();
      const kk = pdfText((await pdfOf('/v1/receipts/R-2026-90000001.pdf?lang=kk')).bytes).replace(/\u00a0/g, ' ');
      assert.ok(kk.includes('Қайтару'), kk);
      assert.ok(kk.includes('1 500,50 ₸'), kk);
      const zh = pdfText((await pdfOf('/v1/receipts/R-2026-90000001.pdf?lang=zh')).bytes);
      assert.ok(zh.includes('退款'), zh);
      // Money given back closes with that, not with "the payment went through".
      assert.ok(kk.includes('Ақша қайтарылды.') && !kk.includes('Төлем сәтті өтті'), kk);
      const en = pdfText((await pdfOf('/v1/receipts/R-2026-90000001.pdf?lang=en')).bytes);
      assert.ok(en.includes('The money has been returned.') && !en.includes('The payment went through'), en);
    });

    it('renders the 80 mm slip with a QR link', async () => {
      const response = await t.request('GET', `/v1/receipts/${number}/slip?lang=kk`);
      assert.equal(response.status, 200);
      assert.match(String(response.headers['content-type']), /text\/html/);
      assert.match(response.text, /@page \{ size: 80mm/);
      assert.match(response.text, /monospace/);
      assert.match(response.text, /<svg/);
      assert.ok(response.text.includes('Түбіртек'));
    });

    it('lets clerks and agents read, hides receipts from other roles and other subscribers', async () => {
      assert.equal((await pdfOf(`/v1/receipts/${number}.pdf`, await t.keyFor('clerk'))).status, 200);
      // An agent reprints its own receipts through /v1/pos/receipts, not anyone's here.
      assert.equal((await pdfOf(`/v1/receipts/${number}.pdf`, await t.keyFor('agent'))).status, 403);
      const partner = await t.request('GET', `/v1/receipts/${number}/slip`, { token: await t.keyFor('partner') });
      assert.equal(partner.body.error.code, 'forbidden');
      assert.equal((await t.request('GET', `/v1/receipts/${number}/slip`, { token: null })).body.error.code, 'unauthenticated');
      await t.request('POST', '/v1/users', { body: { login: '+77011234567', password: 'correct horse', role: 'subscriber' } });
      await t.request('POST', '/v1/users', { body: { login: '+77015550002', password: 'correct horse', role: 'subscriber' } });
      const owner = (await t.request('POST', '/v1/auth/login', { token: null, body: { login: '+77011234567', password: 'correct horse' } })).body.token;
      const stranger = (await t.request('POST', '/v1/auth/login', { token: null, body: { login: '+77015550002', password: 'correct horse' } })).body.token;
      assert.equal((await t.request('GET', `/v1/receipts/${number}/slip`, { token: owner })).status, 200);
      const denied = await t.request('GET', `/v1/receipts/${number}/slip`, { token: stranger });
      assert.equal(denied.status, 404);
      assert.equal(denied.body.error.code, 'receipt_not_found');
      assert.equal((await t.request('GET', '/v1/receipts/R-2026-99999999/slip')).body.error.code, 'receipt_not_found');
    });

    it('the QR link says genuine for a real receipt and not genuine for a forged one', async () => {
      const token = receiptToken('receipt-test-secret', number);
      const pdf = pdfText((await pdfOf(`/v1/receipts/${number}.pdf?lang=en`)).bytes).replace(/\s+/g, '');
      assert.ok(pdf.includes(`https://pay.example.kz/receipts/verify/${token}`.replace(/\s+/g, '')), 'the printed link is the signed one');
      const json = await t.request('GET', `/receipts/verify/${token}`, { token: null, headers: { accept: 'application/json' } });
      assert.equal(json.body.genuine, true);
      assert.equal(json.body.amount, 45_678_00);
      assert.equal(json.body.msisdn, '+7701***4567');
      const page = await t.request('GET', `/receipts/verify/${token}`, { token: null, headers: { 'accept-language': 'ru-RU,ru;q=0.9' } });
      assert.match(page.text, /data-genuine="true"/);
      assert.ok(page.text.includes('Подлинный чек'));
      const zh = await t.request('GET', `/receipts/verify/${token}?lang=zh`, { token: null });
      assert.ok(zh.text.includes('真实收据'));
      // ?language= as on the API's receipt routes; it wins over an older link's ?lang=.
      assert.ok((await t.request('GET', `/receipts/verify/${token}?language=zh&lang=ru`, { token: null })).text.includes('真实收据'));
      const otherNumber = number.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
      // The same signature bytes written otherwise: the last character's spare low bit flipped.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const sibling = token.slice(0, -1) + alphabet[alphabet.indexOf(token.at(-1)!) ^ 1];
      assert.deepEqual(Buffer.from(sibling.split('.')[1]!, 'base64url'), Buffer.from(token.split('.')[1]!, 'base64url'));
      const forgeries = [`${otherNumber}.${token.split('.')[1]}`, `${number}.${'A'.repeat(22)}`, receiptToken('wrong-secret', number), number, 'garbage', sibling];
      for (const forged of forgeries) {
        const answer = await t.request('GET', `/receipts/verify/${encodeURIComponent(forged)}`, { token: null, headers: { accept: 'application/json' } });
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body, { genuine: false }, forged);
      }
      const kk = await t.request('GET', `/receipts/verify/${number}.xyz?lang=kk`, { token: null });
      assert.ok(kk.text.includes('Түбіртек түпнұсқа емес'));
    });

    it('the QR page writes the amount and the date in its own language, as the PDF does', async () => {
      const line = await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', '+77011234567').executeTakeFirstOrThrow();
      await t.app.ctx.db.insertInto('receipts').values({ number: 'R-2026-90000002', year: 2026n, kind: 'refund', reference_id: 'rf_verify', line_id: line.id, amount: 1_500_50n, currency: 'KZT', created_at: '2026-03-01T10:00:00.000Z' }).execute();
      const token = receiptToken('receipt-test-secret', 'R-2026-90000002');
      const shown = { en: ['1,500.50 ₸', '1 Mar 2026 15:00'], ru: ['1 500,50 ₸', '01.03.2026 15:00'], kk: ['1 500,50 ₸', '01.03.2026 15:00'], zh: ['1,500.50 ₸', '2026年3月1日 15:00'] };
      for (const [language, [amount, date]] of Object.entries(shown)) {
        const page = (await t.request('GET', `/receipts/verify/${token}?language=${language}`, { token: null })).text.replace(/\u00a0/g, ' ');
        assert.ok(page.includes(`<dd>${amount}</dd>`), `${language}: ${page}`);
        assert.ok(page.includes(`<dd>${date} (UTC+5)</dd>`), `${language}: ${page}`);
        const json = await t.request('GET', `/receipts/verify/${token}?language=${language}`, { token: null, headers: { accept: 'application/json' } });
        assert.deepEqual([json.body.amountText.replace(/\u00a0/g, ' '), json.body.displayDate.replace(/\u00a0/g, ' ')], [amount, `${date} (UTC+5)`]);
      }
      // The scanning phone's language, when the link names none.
      const russian = await t.request('GET', `/receipts/verify/${token}`, { token: null, headers: { 'accept-language': 'ru-RU,ru;q=0.9' } });
      assert.ok(russian.text.replace(/\u00a0/g, ' ').includes('<dd>1 500,50 ₸</dd>'), russian.text);
      const english = await t.request('GET', `/receipts/verify/${token}`, { token: null, headers: { accept: 'application/json' } });
      assert.equal(english.body.amountText, '1,500.50\u00a0₸');
    });

    it('a reversed top-up\'s receipt names the reversal\'s receipt, and the reversal\'s names the top-up\'s (PDF, slip, QR page)', async () => {
      const msisdn = '+77051234567';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      const agent = await t.request('POST', '/v1/admin/agents', { body: { name: 'Kiosk R', commissionBasisPoints: 100 } });
      assert.equal(agent.status, 201, JSON.stringify(agent.body));
      const deposit = await t.request('POST', `/v1/admin/agents/${agent.body.id}/deposits`, { body: { amount: 1_000_000, reference: 'bank r' }, headers: { 'idempotency-key': 'dep-r' } });
      assert.equal(deposit.status, 201, JSON.stringify(deposit.body));
      const agentKey = await t.keyFor('agent', agent.body.floatAccountId);
      const sale = await t.request('POST', '/v1/pos/topups', { token: agentKey, body: { msisdn, amount: 200_000 }, headers: { 'idempotency-key': 'sale-r' } });
      assert.equal(sale.status, 201, JSON.stringify(sale.body));
      const topUpNumber = sale.body.topUp.receiptNumber as string;
      // Downloaded once before the reversal: a copy kept from then must not hide it afterwards.
      assert.ok(!pdfText((await pdfOf(`/v1/receipts/${topUpNumber}.pdf?language=en`)).bytes).includes('Reversed'));
      const reversed = await t.request('POST', `/v1/pos/topups/${sale.body.topUp.id}/reverse`, { token: agentKey });
      assert.equal(reversed.status, 200, JSON.stringify(reversed.body));
      const reversalNumber = reversed.body.receiptNumber as string;

      const topUpPdf = pdfText((await pdfOf(`/v1/receipts/${topUpNumber}.pdf?language=en`)).bytes);
      assert.ok(topUpPdf.includes('Reversed by receipt') && topUpPdf.includes(reversalNumber), topUpPdf);
      const reversalPdf = pdfText((await pdfOf(`/v1/receipts/${reversalNumber}.pdf?language=en`)).bytes);
      assert.ok(reversalPdf.includes('Reverses receipt') && reversalPdf.includes(topUpNumber), reversalPdf);
      assert.ok((await t.request('GET', `/v1/receipts/${topUpNumber}/slip?language=ru`)).text.includes(`<span>Отменён чеком</span><b>${reversalNumber}</b>`));
      assert.ok((await t.request('GET', `/v1/receipts/${reversalNumber}/slip?language=kk`)).text.includes(`<b>${topUpNumber}</b>`));

      // Scanning the top-up's QR code after the reversal: genuine, and reversed.
      const topUpToken = receiptToken('receipt-test-secret', topUpNumber);
      const json = await t.request('GET', `/receipts/verify/${topUpToken}`, { token: null, headers: { accept: 'application/json' } });
      assert.equal(json.body.genuine, true);
      assert.equal(json.body.reversedBy, reversalNumber);
      assert.equal(json.body.reverses, null);
      const page = await t.request('GET', `/receipts/verify/${topUpToken}?language=zh`, { token: null });
      assert.ok(page.text.includes(`<dd>${reversalNumber}</dd>`), page.text);
      const reversalJson = await t.request('GET', `/receipts/verify/${receiptToken('receipt-test-secret', reversalNumber)}`, { token: null, headers: { accept: 'application/json' } });
      assert.deepEqual([reversalJson.body.reverses, reversalJson.body.reversedBy], [topUpNumber, null]);
      // A receipt nothing reversed says so too.
      const plain = await t.request('GET', `/receipts/verify/${receiptToken('receipt-test-secret', number)}`, { token: null, headers: { accept: 'application/json' } });
      assert.deepEqual([plain.body.reverses, plain.body.reversedBy], [null, null]);
    });

    it('shows the number a receipt was issued to after that number went to a new line (its old line now reads +7…#ln_…)', async () => {
      const msisdn = '+77021234567';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      const topUp = await t.request('POST', '/v1/topups', { body: { msisdn, amount: 1_000_00, currency: 'KZT' }, headers: { 'idempotency-key': 'released-1' } });
      assert.equal(topUp.status, 201);
      assert.equal((await t.request('POST', `/v1/lines/${msisdn}/terminate`, { body: { reason: 'SIM handed back' } })).status, 200);
      t.clock.advanceDays(t.app.ctx.settings.lifecycle.quarantineDays + 1);
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201, 'the number goes to a new line');
      const token = receiptToken('receipt-test-secret', topUp.body.receiptNumber);
      const json = await t.request('GET', `/receipts/verify/${token}`, { token: null, headers: { accept: 'application/json' } });
      assert.equal(json.body.msisdn, '+7702***4567');
      assert.ok((await t.request('GET', `/receipts/verify/${token}`, { token: null })).text.includes('<dd>+7702***4567</dd>'));
      assert.ok((await t.request('GET', `/v1/receipts/${topUp.body.receiptNumber}/slip`)).text.includes('<b>+7702***4567</b>'));
      assert.ok(pdfText((await pdfOf(`/v1/receipts/${topUp.body.receiptNumber}.pdf?language=en`)).bytes).includes('+7702***4567'));
    });
  });
}
