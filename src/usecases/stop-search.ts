import { VersionConflict } from '../errors.js';
import type { Events } from '../events/events.js';
import type { SearchRecord } from '../search/records.js';
import { moveSearch } from '../search/states.js';
import type { Store } from '../store/store.js';
import { requireSearch } from './require-search.js';

export interface StopSearchDeps {
  readonly store: Store;
  readonly events: Events;
  readonly clock: () => Date;
}

/** The controller saves the search on every tick, so a stop may lose a few races before it lands. */
const MAX_STOP_ATTEMPTS = 5;

/**
 * Asks a search to stop: it becomes STOPPING and the next tick kills its active trials and finishes it
 * STOPPED. Stopping a STOPPING search again changes nothing. Returns the search as saved; throws
 * `NotFound` for an unknown search and `InvalidTransition` (a `Conflict`) for a finished one.
 */
export async function stopSearch(deps: StopSearchDeps, tenantId: string, searchId: string): Promise<SearchRecord> {
  for (let attempt = 1; ; attempt++) {
    const search = await requireSearch(deps, tenantId, searchId);
    if (search.status === 'STOPPING') return search;
    const stopping = { ...moveSearch(search, 'stop'), updatedAt: deps.clock().toISOString() };
    try {
      const saved = await deps.store.saveSearch(stopping);
      deps.events.publish({ type: 'SearchStopRequested', tenantId, searchId });
      return saved;
    } catch (error) {
      if (!(error instanceof VersionConflict) || attempt >= MAX_STOP_ATTEMPTS) throw error;
    }
  }
}
