import type { Actor } from '../auth/actor.ts';
import { clearingAccountId } from '../ledger/accounts.ts';

/**
 * The operator's USSD gateway is a partner API key whose source account is `clearing:ussd`
 * (`tolem apikey create --role partner --name "USSD gateway" --source clearing:ussd`), as an agent's
 * key names its float and a clerk's its till. Other partner and admin keys may call /v1/ussd too,
 * but only the gateway relays many subscribers from one address.
 */
export const USSD_GATEWAY_SOURCE_ID = clearingAccountId('ussd');

export function isUssdGateway(actor: Actor): boolean {
  return actor.kind === 'api_key' && actor.role === 'partner' && actor.sourceAccountId === USSD_GATEWAY_SOURCE_ID;
}
