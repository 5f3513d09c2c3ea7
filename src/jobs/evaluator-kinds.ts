import type { EvaluatorSpec } from '../search/spec.js';
import type { Store } from '../store/store.js';
import type { TrialJob } from './job-queue.js';

/** Searches whose evaluator kind is remembered; past it the memory starts over (each search is read again). */
const MAX_REMEMBERED_SEARCHES = 10_000;

/**
 * Looks up the evaluator kind of a trial's search, to route its job. A search's spec never changes, so each
 * search is read once and its kind remembered for the life of the process (bounded, to keep memory flat).
 */
export function evaluatorKindLookup(store: Store): (job: TrialJob) => Promise<EvaluatorSpec['kind']> {
  const kinds = new Map<string, EvaluatorSpec['kind']>();
  return async (job) => {
    const key = `${job.tenantId}/${job.searchId}`;
    let kind = kinds.get(key);
    if (!kind) {
      const search = await store.getSearch(job.tenantId, job.searchId);
      if (!search) throw new Error(`search ${job.searchId} of tenant ${job.tenantId} not found while submitting its trial job`);
      kind = search.spec.evaluator.kind;
      if (kinds.size >= MAX_REMEMBERED_SEARCHES) kinds.clear();
      kinds.set(key, kind);
    }
    return kind;
  };
}
