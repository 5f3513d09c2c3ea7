import { NotFound } from '../errors.js';
import type { SearchRecord } from '../search/records.js';
import type { ReadFreshness, Store } from '../store/store.js';

/** The tenant's search (`freshness` as in `Store.getSearch`); throws `NotFound` for an unknown id, another tenant's included. */
export async function requireSearch(deps: { readonly store: Store }, tenantId: string, searchId: string, freshness?: ReadFreshness): Promise<SearchRecord> {
  const search = await deps.store.getSearch(tenantId, searchId, freshness);
  if (!search) throw new NotFound('search', searchId);
  return search;
}
