import { TooManyRequests } from '../errors.js';
import { isActiveSearch } from '../search/states.js';
import type { Store } from '../store/store.js';
import { takeSlot } from '../store/tenant-slots.js';

/**
 * How long a reserved search id may go unwritten before its slot counts as left by a crash: a create
 * writes within milliseconds of reserving, or within seconds while the store's client retries.
 */
const UNWRITTEN_RESERVATION_MS = 60_000;
/** Searches run for minutes: a client waiting for a slot has no use for asking more often than this. */
const QUOTA_RETRY_SECONDS = 30;

/**
 * Reserves a slot of the tenant's active-search quota for `searchId` before the search is written, with
 * one conditional write, so that concurrent creates on any number of API instances never pass the quota.
 * The controller frees the slot when the search finishes; a full quota first frees the slots of searches
 * that finished (a release lost to a crash) or were never written. Throws `TooManyRequests` when full.
 */
export async function reserveSearchSlot(
  deps: { readonly store: Store; readonly clock: () => Date; readonly maxActiveSearches: number },
  tenantId: string,
  searchId: string,
): Promise<void> {
  const { maxActiveSearches } = deps;
  const now = deps.clock().getTime();
  const result = await takeSlot(deps.store, { tenantId, pool: 'searches', holder: searchId, stamp: now, max: maxActiveSearches }, async ({ holder, stamp }) => {
    const search = await deps.store.getSearch(tenantId, holder);
    return search ? !isActiveSearch(search.status) : now - stamp > UNWRITTEN_RESERVATION_MS;
  });
  if (!result.taken) {
    throw new TooManyRequests(`this tenant already has its quota of ${maxActiveSearches} unfinished searches: wait for one or stop one`, QUOTA_RETRY_SECONDS);
  }
}
