import { storeCardAccountId, storeCashAccountId } from './store-accounts.ts';
import type { StoreRow } from './stores-repository.ts';

export interface StoreView {
  id: string;
  name: string;
  active: boolean;
  cashAccountId: string;
  cardAccountId: string;
  createdAt: string;
}

/** A store as the admin API shows it. */
export function storeView(store: StoreRow): StoreView {
  return {
    id: store.id, name: store.name, active: Number(store.active) === 1,
    cashAccountId: storeCashAccountId(store.id), cardAccountId: storeCardAccountId(store.id), createdAt: store.created_at,
  };
}
