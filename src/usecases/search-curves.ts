import type { CurveOf } from '../search/early-stopping.js';
import type { SearchRecord, TrialRecord } from '../search/records.js';
import { isActiveTrial } from '../search/states.js';
import { ledgerTrialCount } from '../search/trial-ledger.js';
import type { Store } from '../store/store.js';

/**
 * The curves early stopping compares a running trial with: every other trial's of the search. Asked at
 * every epoch of every training job and every report of every worker, so reading the whole search each
 * time would make a report cost O(trials) (issue #18). A finished trial's curve never changes, so each is
 * read once and kept; only trials still active (at most the search's parallelism, and those created since)
 * are read again each time. The search record's `ledger` says how many trials exist, so the caller passes
 * a fresh one. Kept per process for the most recent searches.
 */
export class SearchCurves {
  private readonly finished = new Map<string, Map<number, CurveOf>>();

  constructor(private readonly maxSearches = 16) {}

  async of(store: Pick<Store, 'allTrials' | 'getTrials'>, search: SearchRecord): Promise<CurveOf[]> {
    const { ledger } = search;
    if (!ledger) return (await store.allTrials(search.tenantId, search.id)).map(curveOf);
    const known = this.finishedOf(search);
    // Trials are numbered from 1 in the order they were created.
    const unread: number[] = [];
    for (let number = 1; number <= ledgerTrialCount(ledger); number++) if (!known.has(number)) unread.push(number);
    const read = unread.length > 0 ? await store.getTrials(search.tenantId, search.id, unread) : [];
    const running: CurveOf[] = [];
    for (const trial of read) {
      if (isActiveTrial(trial.status)) running.push(curveOf(trial));
      else known.set(trial.number, curveOf(trial));
    }
    return [...known.values(), ...running];
  }

  private finishedOf(search: SearchRecord): Map<number, CurveOf> {
    const key = `${search.tenantId}/${search.id}`;
    const known = this.finished.get(key) ?? new Map<number, CurveOf>();
    // Most recently used last: the oldest search is forgotten first.
    this.finished.delete(key);
    this.finished.set(key, known);
    if (this.finished.size > this.maxSearches) this.finished.delete(this.finished.keys().next().value!);
    return known;
  }
}

function curveOf(trial: TrialRecord): CurveOf {
  return { number: trial.number, status: trial.status, ...(trial.curve ? { curve: trial.curve } : {}) };
}
