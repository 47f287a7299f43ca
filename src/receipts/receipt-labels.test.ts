import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseLanguage } from './receipt-labels.ts';

describe('the receipt page\'s language', () => {
  it('takes ?lang, else the supported Accept-Language tag of the highest weight, never one of q=0, else the fallback', () => {
    for (const [query, header, expected] of [
      ['kk', 'ru', 'kk'],
      [undefined, 'ru-RU,ru;q=0.9,en;q=0.8', 'ru'],
      [undefined, 'en;q=0.1, ru;q=0.9', 'ru'],
      [undefined, 'ru;q=0, kk', 'kk'],
      [undefined, 'de-DE, zh-Hans-CN;q=0.7, en;q=0.5', 'zh'],
      [undefined, 'kk;q=0.8, ru;q=0.8', 'kk'],
      [undefined, 'ru;q=0', 'en'],
      [undefined, 'ru;q=2, kk;q=0.5', 'kk'],
      [undefined, 'ru;level=1;q=0.4, en;q=0.3', 'ru'],
      [undefined, 'fr, *', 'en'],
      [undefined, undefined, 'en'],
    ] as const) assert.equal(chooseLanguage(query, header), expected, `${query} ${header}`);
    assert.equal(chooseLanguage(undefined, 'de', 'zh'), 'zh');
  });
});
