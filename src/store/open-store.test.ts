import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DIALECTS, createTestDatabase } from '../../test/support/databases.ts';
import { openStore, StoreOpenError } from './open-store.ts';

const postgres = DIALECTS.find((dialect) => dialect.name === 'postgres')!;

describe('opening a PostgreSQL database', { skip: postgres.skip }, () => {
  // A database made with the encoding of a Russian Windows (createdb -E WIN1251, as old CIS
  // installations have them) took Russian names but answered 500 to Kazakh ones (Қ, Ә…) and Chinese,
  // the server refusing to convert them (22P05): refused at once, in one line, instead.
  it('refuses a database whose encoding is not UTF8, naming it', async () => {
    for (const encoding of ['WIN1251', 'LATIN1', 'SQL_ASCII']) {
      const database = await createTestDatabase('postgres', { encoding });
      try {
        await assert.rejects(openStore(database.url), (error: Error) => {
          assert.ok(error instanceof StoreOpenError, String(error));
          assert.match(error.message, new RegExp(`^cannot use the database postgres://\\S+: its encoding is ${encoding}, not UTF8`));
          assert.equal(error.message.split('\n').length, 1);
          return true;
        });
      } finally {
        await database.drop();
      }
    }
  });

  it('opens a UTF8 database', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const store = await openStore(database.url);
      await store.close();
    } finally {
      await database.drop();
    }
  });
});
