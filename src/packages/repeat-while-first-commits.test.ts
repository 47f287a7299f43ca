import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';

type Answer = Awaited<ReturnType<TestApp['request']>>;

/**
 * A repeat of a purchase (the same Idempotency-Key and body: a double tap, a retry after a timeout)
 * that looks for a stored answer just before its first run commits, and reads the prices just after:
 * what the first run changed (the one-use promo code it used up) must not refuse the repeat, which
 * answers what the first did.
 */
for (const dialect of DIALECTS) {
  describe(`a repeat while its first run commits [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let seq = 0;
    before(async () => {
      t = await startTestApp(dialect.name);
      await seedCatalog(t.app.ctx);
    });
    after(async () => t?.close());

    const newLine = async () => {
      const msisdn = `+7705392${String(++seq).padStart(4, '0')}`;
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 2_000_000, currency: 'KZT' }, headers: { 'idempotency-key': `tu-${seq}` } })).status, 201);
      return msisdn;
    };
    const oneUseCode = async (code: string) => {
      const created = await t.request('POST', '/v1/admin/promotions', { body: { code, discountKind: 'percent', discountValue: 10, usesMax: 1, startsAt: '2020-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    };

    /**
     * Sends `send` twice: the second once the first's command reaches the writer, and holds the
     * second, right after it found no stored answer, until the first has answered.
     */
    async function repeatWhileFirstCommits(commandName: string, send: () => Promise<Answer>): Promise<[Answer, Answer]> {
      const { writer, store } = t.app.ctx;
      const submit = writer.submit.bind(writer);
      const keyedRows = store.keyedRows;
      let first!: Promise<Answer>;
      let second!: Promise<Answer>;
      (writer as any).submit = async (command: any) => {
        if (command.name === commandName) {
          (writer as any).submit = submit;
          let looked!: () => void;
          const lookedUp = new Promise<void>((resolve) => { looked = resolve; });
          (store as any).keyedRows = async (query: { name: string }, ...rest: unknown[]) => {
            const rows = await (keyedRows as any)(query, ...rest);
            if (query.name === 'stored-answers') {
              (store as any).keyedRows = keyedRows;
              looked();
              await first;
            }
            return rows;
          };
          second = send();
          await lookedUp;
        }
        return submit(command);
      };
      first = send();
      return [await first, await second];
    }

    it('POST /v1/purchases with a one-use promo code: the repeat answers the purchase, not promo_code_exhausted', async () => {
      const msisdn = await newLine();
      await oneUseCode('TWIN1');
      const [a, b] = await repeatWhileFirstCommits('package_purchase', () => t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'DATA_1GB_7D', promoCode: 'TWIN1' }, headers: { 'idempotency-key': 'twin-buy' } }));
      assert.equal(a.status, 201, JSON.stringify(a.body));
      assert.equal(b.status, 201, JSON.stringify(b.body));
      assert.equal(b.text, a.text);
      assert.equal(b.headers['idempotent-replayed'], 'true');
      assert.equal((await t.app.ctx.db.selectFrom('packages').select('id').execute()).length, 1);
      await t.verify();
    });

    it('POST …/packages/{id}/renew sent twice at once at the price of a promotion the first uses up: both answer the renewal, not price_changed', async () => {
      const msisdn = await newLine();
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': 'twin-pack' } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      const promotion = await t.request('POST', '/v1/admin/promotions', { body: { offerings: ['DATA_1GB_7D'], discountKind: 'percent', discountValue: 10, usesMax: 1, startsAt: '2020-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z' } });
      assert.equal(promotion.status, 201, JSON.stringify(promotion.body));
      const quoted = await t.request('GET', `/v1/offerings/DATA_1GB_7D/quote?msisdn=${encodeURIComponent(msisdn)}`);
      assert.equal(quoted.body.price, 134_100);
      const renew = () => t.request('POST', `/v1/lines/${msisdn}/packages/${bought.body.id}/renew`, { body: { expectedPrice: 134_100 }, headers: { 'idempotency-key': 'twin-renew' } });
      const [a, b] = await Promise.all([renew(), renew()]);
      assert.equal(a.status, 201, JSON.stringify(a.body));
      assert.equal(b.status, 201, JSON.stringify(b.body));
      assert.equal(b.text, a.text);
      assert.equal((await t.app.ctx.db.selectFrom('package_periods').select('id').where('package_id', '=', bought.body.id).execute()).length, 2);
      await t.verify();
    });

    it('POST /v1/counter/packages with a one-use promo code: the repeat answers the sale, not promo_code_exhausted', async () => {
      const msisdn = await newLine();
      await oneUseCode('TWIN2');
      const store = (await t.request('POST', '/v1/admin/stores', { body: { name: 'Twin store' } })).body;
      const clerk = await t.keyFor('clerk', store.cashAccountId);
      const identification = (await t.request('POST', '/v1/counter/identifications', { token: clerk, body: { documentType: 'passport', documentNumber: 'N12345678' } })).body.id;
      const body = { msisdn, offering: 'DATA_1GB_7D', tender: 'cash', identificationId: identification, promoCode: 'TWIN2' };
      const [a, b] = await repeatWhileFirstCommits('counter_package_sale', () => t.request('POST', '/v1/counter/packages', { token: clerk, body, headers: { 'idempotency-key': 'twin-sale' } }));
      assert.equal(a.status, 201, JSON.stringify(a.body));
      assert.equal(b.status, 201, JSON.stringify(b.body));
      assert.equal(b.text, a.text);
      assert.equal(b.headers['idempotent-replayed'], 'true');
      await t.verify();
    });
  });
}
