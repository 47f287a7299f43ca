import { toJsonAmount } from '../domain/money.ts';
import type { Language } from '../lines/line-view.ts';
import type { OfferingRecord } from './catalog-repository.ts';
import { termsOf, type OfferingDefinition, type OfferingKind, type Texts } from './offering.ts';

/** How an offering looks in the API: amounts in minor units, allowances in bytes, seconds and messages. */
export interface OfferingView {
  code: string;
  kind: string;
  version: number;
  name: string;
  description: string;
  names: Texts;
  descriptions: Texts;
  price: number;
  currency: 'KZT';
  validityDays: number;
  feePeriod: string | null;
  allowances: { dataBytes: number; voiceSeconds: number; sms: number };
  features: string[];
  payAsYouGo: { perMb: number | null; perMinute: number | null; perSms: number | null } | null;
  availableFrom: string | null;
  availableUntil: string | null;
  autoRenewAllowed: boolean;
  stacks: boolean;
}

export function toOfferingView({ offering, version }: OfferingRecord, language: Language): OfferingView {
  const names = JSON.parse(offering.names) as Texts;
  const descriptions = JSON.parse(offering.descriptions) as Texts;
  const terms = termsOf(version);
  const rate = (value: bigint | null) => (value === null ? null : toJsonAmount(value));
  return {
    code: offering.code, kind: offering.kind, version: Number(version.version), name: names[language], description: descriptions[language],
    names, descriptions, price: toJsonAmount(terms.price), currency: 'KZT', validityDays: terms.validityDays, feePeriod: terms.feePeriod,
    allowances: { dataBytes: Number(terms.dataBytes), voiceSeconds: Number(terms.voiceSeconds), sms: Number(terms.smsCount) },
    features: JSON.parse(offering.features) as string[],
    payAsYouGo: offering.kind === 'tariff' ? { perMb: rate(terms.ratePerMb), perMinute: rate(terms.ratePerMinute), perSms: rate(terms.ratePerSms) } : null,
    availableFrom: offering.available_from, availableUntil: offering.available_until,
    autoRenewAllowed: Number(offering.auto_renew_allowed) === 1, stacks: Number(offering.stacks) === 1,
  };
}

/** The stored offering as a definition, so that a PATCH can be merged onto it and checked whole. */
export function definitionOf({ offering, version }: OfferingRecord): OfferingDefinition {
  return {
    code: offering.code, kind: offering.kind as OfferingKind, terms: termsOf(version),
    names: JSON.parse(offering.names) as Texts, descriptions: JSON.parse(offering.descriptions) as Texts,
    features: JSON.parse(offering.features) as string[], availableFrom: offering.available_from, availableUntil: offering.available_until,
    autoRenewAllowed: Number(offering.auto_renew_allowed) === 1, stacks: Number(offering.stacks) === 1,
  };
}
