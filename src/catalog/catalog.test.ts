import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { findOffering, writeOfferings } from './catalog-repository.ts';
import { importCatalog } from './import-catalog.ts';
import { parseOffering, periodEnd } from './offering.ts';
import { seedCatalog } from './seed-catalog.ts';

const NAMES = { en: 'Test', ru: 'Тест', kk: 'Сынақ', zh: '测试' };

describe('catalog rules', () => {
  it('declares 1 GB = 1024³ bytes and checks definitions field by field', () => {
    const parsed = parseOffering({ code: 'X1', kind: 'data', price: 100, validityDays: 7, allowances: { dataGb: 1, dataMb: 512 }, names: NAMES });
    assert.ok(parsed.ok);
    assert.equal(parsed.value.terms.dataBytes, 1024n ** 3n + 512n * 1024n ** 2n);
    const bad: [Record<string, unknown>, string][] = [
      [{ code: 'x', kind: 'data' }, 'code'], [{ kind: 'gold' }, 'kind'], [{ price: -1 }, 'price'], [{ validityDays: 0 }, 'validityDays'],
      [{ allowances: {} }, 'allowances'], [{ names: { en: 'only' } }, 'names'], [{ feePeriod: 'daily' }, 'feePeriod'],
      // A description in some languages only: a subscriber of another would read English.
      [{ descriptions: { en: 'Fast data', ru: 'Быстрый интернет' } }, 'descriptions'], [{ descriptions: { en: 'x', ru: 'x', kk: 'x', zh: ' ' } }, 'descriptions'],
      [{ availableFrom: '2026-02-01', availableUntil: '2026-01-01' }, 'availableUntil'], [{ features: ['free_money'] }, 'features'],
      // JSON types, as a YAML file gives them: never turned into text or truthiness.
      [{ code: 12345 }, 'code'], [{ kind: 1 }, 'kind'], [{ price: '100' }, 'price'], [{ price: undefined }, 'price'], [{ validityDays: '7' }, 'validityDays'],
      [{ names: { ...NAMES, en: 123 } }, 'names.en'], [{ names: 'Test' }, 'names'], [{ names: { ...NAMES, de: 'Test' } }, 'names.de'],
      [{ features: 'messengers_unlimited' }, 'features'], [{ features: [1] }, 'features'], [{ autoRenewAllowed: 'no' }, 'autoRenewAllowed'],
      // Each field within its bound but the total beyond (2⁵⁰ bytes or seconds): stored, no later PATCH could be laid over it.
      [{ allowances: { dataGb: 2 ** 20, dataMb: 1 } }, 'allowances'], [{ allowances: { voiceMinutes: Math.floor(2 ** 50 / 60), voiceSeconds: 60 } }, 'allowances'],
      [{ stacks: [1] }, 'stacks'], [{ allowances: 'lots' }, 'allowances'], [{ allowances: { dataGB: 1 } }, 'allowances.dataGB'],
      [{ allowances: { dataGb: '1' } }, 'allowances.dataGb'], [{ availableFrom: 20260101 }, 'availableFrom'], [{ name: 'Test' }, 'name'],
      [{ kind: 'tariff', feePeriod: 'monthly', payAsYouGo: [] }, 'payAsYouGo'], [{ descriptions: null }, 'descriptions'],
      // Texts the databases cannot store alike, or that show nothing.
      [{ names: { ...NAMES, en: 'a\u0000b' } }, 'names'], [{ names: { ...NAMES, ru: '\ud800' } }, 'names'],
      [{ descriptions: { ...NAMES, zh: 'x\udc00' } }, 'descriptions'], [{ names: { ...NAMES, kk: '\u200b' } }, 'names'],
    ];
    const undescribed = parseOffering({ code: 'X1', kind: 'data', price: 100, validityDays: 7, allowances: { dataGb: 1 }, names: NAMES });
    assert.ok(undescribed.ok);
    assert.deepEqual(undescribed.value.descriptions, { en: '', ru: '', kk: '', zh: '' });
    for (const entry of [null, 'X1', [], 5]) {
      const result = parseOffering(entry);
      assert.ok(!result.ok && result.error.details?.field === 'entry');
    }
    const flags = parseOffering({ code: 'X1', kind: 'data', price: 100, validityDays: 7, allowances: { dataGb: 1 }, names: NAMES, autoRenewAllowed: false, stacks: false });
    assert.ok(flags.ok && flags.value.autoRenewAllowed === false && flags.value.stacks === false);
    for (const [patch, field] of bad) {
      const result = parseOffering({ code: 'X1', kind: 'data', price: 100, validityDays: 7, allowances: { dataGb: 1 }, names: NAMES, ...patch } as never);
      assert.ok(!result.ok && result.error.code === 'offering_invalid' && result.error.details?.field === field, `${JSON.stringify(patch)} → ${JSON.stringify(result)}`);
    }
  });

  it('monthly tariffs end on the same day next month, clamped to the month\'s end', () => {
    assert.equal(periodEnd(new Date('2026-01-31T10:00:00Z'), { feePeriod: 'monthly', validityDays: 30 }).toISOString(), '2026-02-28T10:00:00.000Z');
    assert.equal(periodEnd(new Date('2026-03-15T10:00:00Z'), { feePeriod: 'monthly', validityDays: 30 }).toISOString(), '2026-04-15T10:00:00.000Z');
    assert.equal(periodEnd(new Date('2026-03-15T10:00:00Z'), { feePeriod: 'every_28_days', validityDays: 28 }).toISOString(), '2026-04-12T10:00:00.000Z');
    // Chained end to end from the 31st, the anchor gives the day back once a month has it.
    const monthly = { feePeriod: 'monthly' as const, validityDays: 30 };
    const anchor = new Date('2027-01-31T10:00:00Z');
    const ends: string[] = [];
    for (let start = anchor, i = 0; i < 4; i++) ends.push((start = periodEnd(start, monthly, anchor)).toISOString().slice(0, 10));
    assert.deepEqual(ends, ['2027-02-28', '2027-03-31', '2027-04-30', '2027-05-31']);
    // A fresh start (a renewal after a gap) mid-month keeps its own day.
    assert.equal(periodEnd(new Date('2027-02-20T10:00:00Z'), monthly, anchor).toISOString(), '2027-03-20T10:00:00.000Z');
    // Months are Almaty's: 03:00 on 31 March there is 30 March in UTC; the period ends on 30 April, 03:00 local.
    assert.equal(periodEnd(new Date('2027-03-30T22:00:00Z'), monthly).toISOString(), '2027-04-29T22:00:00.000Z');
  });
});

for (const dialect of DIALECTS) {
  describe(`catalog [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let folder: string;
    before(async () => {
      t = await startTestApp(dialect.name);
      folder = mkdtempSync(join(tmpdir(), 'tolem-catalog-'));
    });
    after(async () => {
      rmSync(folder, { recursive: true, force: true });
      await t?.close();
    });

    it('admins add offerings; others may not; codes are unique', async () => {
      const body = { code: 'SMS_100_30D', kind: 'sms', price: 50_000, validityDays: 30, allowances: { sms: 100 }, names: NAMES };
      const created = await t.request('POST', '/v1/admin/offerings', { body });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.allowances.sms, 100);
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body })).body.error.code, 'offering_exists');
      const clerk = await t.keyFor('clerk');
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body: { ...body, code: 'OTHER' }, token: clerk })).status, 403);
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body: { ...body, code: 'OTHER', extra: 1 } })).body.error.code, 'validation_failed');
      assert.equal((await t.request('PATCH', '/v1/admin/offerings/NOPE', { body: { price: 1 } })).body.error.code, 'offering_not_found');
      // A total of data beyond 2⁵⁰ bytes is refused at once, not stored where no later PATCH (a window's) could be laid over it.
      const huge = { ...body, code: 'DATA_HUGE', kind: 'data', allowances: { dataGb: 2 ** 20, dataMb: 1 } };
      const refused = await t.request('POST', '/v1/admin/offerings', { body: huge });
      assert.deepEqual([refused.status, refused.body.error?.details?.field], [422, 'allowances']);
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body: { ...huge, allowances: { dataGb: 2 ** 20 } } })).status, 201);
      const until = new Date(t.clock.now().getTime() + 60_000).toISOString();
      assert.equal((await t.request('PATCH', '/v1/admin/offerings/DATA_HUGE', { body: { availableUntil: until } })).status, 200);
    });

    it('lists what is on sale in the language asked, publicly; hides what is outside its window', async () => {
      await seedCatalog(t.app.ctx);
      await t.request('PATCH', '/v1/admin/offerings/DATA_20GB_30D', { body: { availableFrom: new Date(t.clock.now().getTime() + 86_400_000).toISOString() } });
      const zh = await t.request('GET', '/v1/offerings?language=zh', { token: null });
      assert.equal(zh.status, 200);
      const codes = zh.body.data.map((o: { code: string }) => o.code);
      assert.ok(codes.includes('TOURIST_COMBO_15D') && !codes.includes('DATA_20GB_30D'));
      assert.equal(zh.body.data.find((o: { code: string }) => o.code === 'DATA_1GB_7D').name, '7天 1 GB 流量包');
      const tariff = zh.body.data.find((o: { code: string }) => o.code === 'TARIFF_TRAVEL');
      assert.deepEqual(tariff.payAsYouGo, { perMb: 1_500, perMinute: 2_000, perSms: 1_000 });
      assert.equal((await t.request('GET', '/v1/offerings?all=true')).body.data.length, codes.length + 1);
      assert.equal((await t.request('GET', '/v1/offerings?all=true', { token: null })).status, 401);
      assert.equal((await t.request('GET', '/v1/offerings?all=true', { token: await t.keyFor('partner') })).status, 403);
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77012220001' } });
      const forLine = await t.request('GET', '/v1/offerings?msisdn=%2B77012220001');
      assert.ok(forLine.body.data.every((o: { affordable: boolean }) => o.affordable === false));
      // For a line, in the line's language unless another is asked for.
      await t.request('PATCH', '/v1/lines/+77012220001', { body: { language: 'zh' } });
      const inLinesLanguage = await t.request('GET', '/v1/offerings?msisdn=%2B77012220001');
      assert.equal(inLinesLanguage.body.data.find((o: { code: string }) => o.code === 'DATA_1GB_7D').name, '7天 1 GB 流量包');
      const asked = await t.request('GET', '/v1/offerings?msisdn=%2B77012220001&language=ru');
      const askedPack = asked.body.data.find((o: { code: string }) => o.code === 'DATA_1GB_7D');
      assert.equal(askedPack.name, askedPack.names.ru);
      assert.notEqual(askedPack.name, '7天 1 GB 流量包');
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77012220001', offering: 'DATA_20GB_30D' }, headers: { 'idempotency-key': 'x' } });
      assert.equal(bought.body.error.code, 'offering_unavailable');
    });

    it('lists offerings by kind (data, voice, sms, combo, tariff), then cheapest first, then by code', async () => {
      await seedCatalog(t.app.ctx);
      // Two of one kind at one price: their codes decide, whichever was added first.
      for (const code of ['VOICE_TIE_B', 'VOICE_TIE_A']) {
        const body = { code, kind: 'voice', price: 129_000, validityDays: 30, allowances: { voiceMinutes: 10 }, names: NAMES };
        assert.equal((await t.request('POST', '/v1/admin/offerings', { body })).status, 201);
      }
      const listed = (await t.request('GET', '/v1/offerings?all=true')).body.data as { code: string; kind: string; listPrice: number }[];
      const kinds = ['data', 'voice', 'sms', 'combo', 'tariff'];
      const expected = [...listed].sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind) || a.listPrice - b.listPrice || (a.code < b.code ? -1 : 1));
      assert.deepEqual(listed.map((o) => o.code), expected.map((o) => o.code));
      const codes = listed.map((o) => o.code);
      assert.ok(codes.indexOf('DATA_5GB_30D') < codes.indexOf('DATA_20GB_30D'), codes.join());
      assert.deepEqual(codes.filter((code) => code.startsWith('VOICE_')), ['VOICE_100MIN_30D', 'VOICE_TIE_A', 'VOICE_TIE_B']);
      assert.equal(codes.at(-1), 'TARIFF_TRAVEL');
    });

    it('imports a YAML or JSON catalog: new codes are created, known ones patched into a new version', async () => {
      const yamlPath = join(folder, 'catalog.yaml');
      writeFileSync(yamlPath, 'offerings:\n  - code: DATA_3GB_14D\n    kind: data\n    price: 249000\n    validityDays: 14\n    allowances: { dataGb: 3 }\n    names: { en: 3 GB, ru: 3 ГБ, kk: 3 ГБ, zh: 3 GB }\n');
      const first = await importCatalog(t.app.ctx, SYSTEM_ACTOR, yamlPath);
      assert.ok(first.ok && first.value.created[0] === 'DATA_3GB_14D');
      const jsonPath = join(folder, 'catalog.json');
      writeFileSync(jsonPath, JSON.stringify([{ code: 'DATA_3GB_14D', kind: 'data', price: 259_000, validityDays: 14, allowances: { dataGb: 3 }, names: NAMES }]));
      const second = await importCatalog(t.app.ctx, SYSTEM_ACTOR, jsonPath);
      assert.ok(second.ok && second.value.updated[0] === 'DATA_3GB_14D');
      const quote = await t.request('GET', '/v1/offerings/DATA_3GB_14D/quote', { token: null });
      assert.deepEqual([quote.body.version, quote.body.price], [2, 259_000]);
      writeFileSync(jsonPath, JSON.stringify([{ code: 'OK_ONE', kind: 'data', price: 1, validityDays: 1, allowances: { dataMb: 1 }, names: NAMES }, { code: 'bad' }]));
      const refused = await importCatalog(t.app.ctx, SYSTEM_ACTOR, jsonPath);
      assert.ok(!refused.ok && refused.error.code === 'offering_invalid' && refused.error.details?.index === 1);
      assert.equal((await t.request('GET', '/v1/offerings/OK_ONE/quote', { token: null })).body.error.code, 'offering_not_found');
    });

    it('refuses a catalog file whose fields have the wrong JSON types, naming the field, and writes none of it', async () => {
      const before = (await t.request('GET', '/v1/offerings?all=true')).body.data.length;
      const yamlPath = join(folder, 'typed.yaml');
      const valid = '  - code: TYPED_OK\n    kind: data\n    price: 100\n    validityDays: 7\n    allowances: { dataGb: 1 }\n    names: { en: a, ru: b, kk: c, zh: d }\n';
      const cases: [string, string][] = [
        ['  - code: 12345\n    kind: data\n    price: 100\n    validityDays: 7\n    allowances: { dataGb: 1 }\n    names: { en: a, ru: b, kk: c, zh: d }\n', 'code'],
        ['  - code: TYPED_X\n    kind: data\n    price: 100\n    validityDays: 7\n    allowances: { dataGb: 1 }\n    names: { en: 123, ru: b, kk: c, zh: d }\n', 'names.en'],
        ['  - code: TYPED_X\n    kind: data\n    price: 100\n    validityDays: 30\n    features: messengers_unlimited\n    names: { en: a, ru: b, kk: c, zh: d }\n', 'features'],
        ['  - code: TYPED_X\n    kind: data\n    price: 100\n    validityDays: 7\n    allowances: { dataGb: 1 }\n    autoRenewAllowed: "no"\n    names: { en: a, ru: b, kk: c, zh: d }\n', 'autoRenewAllowed'],
        ['  - code: TYPED_X\n    kind: data\n    price: 100\n    validityDays: 7\n    allowances: { dataGb: 1 }\n    stacks: [1]\n    names: { en: a, ru: b, kk: c, zh: d }\n', 'stacks'],
        ['  - code: TYPED_X\n    kind: data\n    price: 100\n    validityDays: 7\n    allowances: { dataGb: 1 }\n    names: { en: "a\\0", ru: b, kk: c, zh: d }\n', 'names'],
        ['  - code: TYPED_X\n    kind: data\n    price: 100\n    validityDays: 7\n    allowances: { dataGb: 1 }\n    names: { en: "\\ud800", ru: b, kk: c, zh: d }\n', 'names'],
      ];
      for (const [entry, field] of cases) {
        writeFileSync(yamlPath, `offerings:\n${valid}${entry}`);
        const result = await importCatalog(t.app.ctx, SYSTEM_ACTOR, yamlPath);
        assert.ok(!result.ok && result.error.code === 'offering_invalid' && result.error.details?.field === field && result.error.details?.index === 1, `${field} → ${JSON.stringify(result)}`);
      }
      assert.equal((await t.request('GET', '/v1/offerings?all=true')).body.data.length, before);
    });

    it('reads a catalog file as UTF-8: one in Windows-1251 is refused, not stored with U+FFFD for its Cyrillic; a BOM is dropped', async () => {
      const entry = (code: string, ru: string) => `offerings:\n  - code: ${code}\n    kind: data\n    price: 100\n    validityDays: 7\n    allowances: { dataGb: 1 }\n    names: { en: One GB, ru: ${ru}, kk: Bir GB, zh: 1 GB }\n`;
      const [head, tail] = entry('CP1251_1GB', '@').split('@');
      // "Один ГБ" as Windows-1251 writes it.
      writeFileSync(join(folder, 'cp1251.yaml'), Buffer.concat([Buffer.from(head!), Buffer.from([0xce, 0xe4, 0xe8, 0xed, 0x20, 0xc3, 0xc1]), Buffer.from(tail!)]));
      const refused = await importCatalog(t.app.ctx, SYSTEM_ACTOR, join(folder, 'cp1251.yaml'));
      assert.ok(!refused.ok && refused.error.code === 'offering_invalid', JSON.stringify(refused));
      assert.equal(await findOffering(t.app.ctx, 'CP1251_1GB'), undefined);
      writeFileSync(join(folder, 'bom.yaml'), `\uFEFF${entry('BOM_YAML_1GB', 'Один ГБ')}`);
      writeFileSync(join(folder, 'bom.json'), `\uFEFF${JSON.stringify([{ code: 'BOM_JSON_1GB', kind: 'data', price: 100, validityDays: 7, allowances: { dataGb: 1 }, names: NAMES }])}`);
      for (const file of ['bom.yaml', 'bom.json']) {
        const imported = await importCatalog(t.app.ctx, SYSTEM_ACTOR, join(folder, file));
        assert.ok(imported.ok, `${file}: ${JSON.stringify(imported)}`);
      }
      assert.equal(JSON.parse((await findOffering(t.app.ctx, 'BOM_YAML_1GB'))!.offering.names).ru, 'Один ГБ');
    });

    it('refuses a code given twice or a kind change of a known offering, and writes nothing then', async () => {
      await seedCatalog(t.app.ctx);
      const jsonPath = join(folder, 'kinds.json');
      const fresh = { code: 'FRESH_1', kind: 'data', price: 100, validityDays: 7, allowances: { dataMb: 100 }, names: NAMES };
      writeFileSync(jsonPath, JSON.stringify({ offerings: [fresh, { ...fresh, price: 200 }] }));
      const twice = await importCatalog(t.app.ctx, SYSTEM_ACTOR, jsonPath);
      assert.ok(!twice.ok && twice.error.code === 'offering_invalid' && twice.error.details?.field === 'code' && twice.error.details?.index === 1);
      // A name twice in one entry of a JSON file (YAML refuses it when parsing): JSON.parse would keep the last.
      const priced = JSON.stringify(fresh).replace('"price":100', '"price":100,"price":1');
      for (const [text, index, field] of [[`{"offerings":[${priced}]}`, 0, 'price'], [`[${JSON.stringify(fresh).replace('"en":"Test"', '"en":"Test","en":"X"')}]`, 0, 'names.en']] as const) {
        writeFileSync(jsonPath, text);
        const repeated = await importCatalog(t.app.ctx, SYSTEM_ACTOR, jsonPath);
        assert.ok(!repeated.ok && repeated.error.code === 'offering_invalid' && repeated.error.details?.index === index && repeated.error.details?.field === field, JSON.stringify(repeated));
      }
      assert.equal(await findOffering(t.app.ctx, 'FRESH_1'), undefined);
      const voice = { code: 'DATA_1GB_7D', kind: 'voice', price: 100, validityDays: 7, allowances: { voiceMinutes: 100 }, names: NAMES };
      writeFileSync(jsonPath, JSON.stringify([fresh, voice]));
      const kindChange = await importCatalog(t.app.ctx, SYSTEM_ACTOR, jsonPath);
      assert.ok(!kindChange.ok && kindChange.error.code === 'offering_exists' && kindChange.error.details?.index === 1 && kindChange.error.details?.kind === 'data');
      const pack = await t.request('GET', '/v1/offerings?all=true');
      const kept = pack.body.data.find((o: { code: string }) => o.code === 'DATA_1GB_7D');
      assert.deepEqual([kept.kind, kept.version, kept.allowances.voiceSeconds], ['data', 1, 0]);
      assert.ok(!pack.body.data.some((o: { code: string }) => o.code === 'FRESH_1'));
      writeFileSync(jsonPath, JSON.stringify([fresh, { ...voice, kind: 'data', allowances: { dataGb: 2 } }]));
      const same = await importCatalog(t.app.ctx, SYSTEM_ACTOR, jsonPath);
      assert.ok(same.ok, JSON.stringify(same));
      assert.deepEqual([same.value.created, same.value.updated], [['FRESH_1'], ['DATA_1GB_7D']]);
    });

    it('two edits at once both hold: an edit of the names does not write back the window another just changed', async () => {
      const ctx = t.app.ctx;
      await seedCatalog(ctx);
      const until = new Date(t.clock.now().getTime() + 60_000).toISOString();
      const renamed = { en: 'One GB', ru: 'Один ГБ', kk: 'Бір ГБ', zh: '一 GB' };
      const answers = await Promise.all([
        t.request('PATCH', '/v1/admin/offerings/DATA_1GB_7D', { body: { availableUntil: until } }),
        t.request('PATCH', '/v1/admin/offerings/DATA_1GB_7D', { body: { names: renamed } }),
        t.request('PATCH', '/v1/admin/offerings/DATA_1GB_7D', { body: { autoRenewAllowed: false } }),
      ]);
      assert.deepEqual(answers.map((answer) => answer.status), [200, 200, 200], JSON.stringify(answers.map((answer) => answer.body)));
      const stored = (await t.request('GET', '/v1/offerings?all=true')).body.data.find((o: { code: string }) => o.code === 'DATA_1GB_7D');
      assert.deepEqual([stored.availableUntil, stored.names, stored.autoRenewAllowed], [until, renamed, false]);
    });

    it('refuses a tariff whose validityDays contradicts its fee period, and changes nothing', async () => {
      await seedCatalog(t.app.ctx);
      const tariff = { code: 'TARIFF_WEEK', kind: 'tariff', price: 50_000, feePeriod: 'monthly', validityDays: 7, allowances: { dataGb: 1 }, names: NAMES };
      const created = await t.request('POST', '/v1/admin/offerings', { body: tariff });
      assert.deepEqual([created.status, created.body.error?.code, created.body.error?.details?.field], [422, 'offering_invalid', 'validityDays'], JSON.stringify(created.body));
      assert.equal((await t.request('GET', '/v1/offerings/TARIFF_WEEK/quote', { token: null })).body.error.code, 'offering_not_found');
      // The fee period's own length is no contradiction.
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body: { ...tariff, feePeriod: 'every_28_days', validityDays: 28 } })).status, 201);
      const before = (await t.request('GET', '/v1/offerings?all=true')).body.data.find((o: { code: string }) => o.code === 'TARIFF_TRAVEL');
      const patched = await t.request('PATCH', '/v1/admin/offerings/TARIFF_TRAVEL', { body: { validityDays: 7 } });
      assert.deepEqual([patched.status, patched.body.error?.code, patched.body.error?.details?.field], [422, 'offering_invalid', 'validityDays']);
      const after = (await t.request('GET', '/v1/offerings?all=true')).body.data.find((o: { code: string }) => o.code === 'TARIFF_TRAVEL');
      assert.deepEqual(after, before);
    });

    it('writes a catalog in one transaction: an offering changed meanwhile or a code taken leaves nothing written', async () => {
      const ctx = t.app.ctx;
      await seedCatalog(ctx);
      const stale = (await findOffering(ctx, 'DATA_5GB_30D'))!;
      assert.equal((await t.request('PATCH', '/v1/admin/offerings/DATA_5GB_30D', { body: { price: 400_000 } })).status, 200);
      const parse = (entry: Record<string, unknown>) => {
        const parsed = parseOffering({ kind: 'data', price: 100, validityDays: 7, allowances: { dataMb: 100 }, names: NAMES, ...entry });
        assert.ok(parsed.ok);
        return parsed.value;
      };
      const created = { definition: parse({ code: 'TX_NEW' }), current: null, newVersion: false, audit: {} };
      const changed = { definition: parse({ code: 'DATA_5GB_30D', price: 1 }), current: stale, newVersion: true, audit: {} };
      assert.equal(await writeOfferings(ctx, SYSTEM_ACTOR, [created, changed]), false);
      assert.equal(await writeOfferings(ctx, SYSTEM_ACTOR, [created, { ...created, definition: parse({ code: 'DATA_1GB_7D' }) }]), false);
      assert.equal(await findOffering(ctx, 'TX_NEW'), undefined);
      assert.equal(Number((await findOffering(ctx, 'DATA_5GB_30D'))!.version.price), 400_000);
      assert.equal(await writeOfferings(ctx, SYSTEM_ACTOR, [created]), true);
      assert.ok(await findOffering(ctx, 'TX_NEW'));
    });
  });
}
