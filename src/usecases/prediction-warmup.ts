import type { SearchRecord } from '../search/records.js';
import { isActiveSearch } from '../search/states.js';
import { warmPredictions, type PredictDeps } from './predict.js';

/** Searches remembered as warmed: a finished search ticked again (a late event) is not warmed twice. */
const REMEMBERED = 1000;

/**
 * Warms the predictors of each search that finishes, one search at a time in the background: the first
 * `POST /v1/predictions` after a search then finds its predictor trained (issue #18). One at a time, so
 * that searches ending together do not take every core from the searches still running.
 */
export class PredictionWarmup {
  private readonly warmed = new Set<string>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: PredictDeps,
    private readonly onError: (error: unknown, search: SearchRecord) => void,
  ) {}

  /** Called with every search a tick returns; queues a warm-up for one that has just finished. */
  afterTick(search: SearchRecord | undefined): void {
    if (!search || isActiveSearch(search.status)) return;
    const key = `${search.tenantId}/${search.id}`;
    if (this.warmed.has(key)) return;
    this.warmed.add(key);
    if (this.warmed.size > REMEMBERED) this.warmed.delete(this.warmed.values().next().value!);
    this.queue = this.queue.then(() => warmPredictions(this.deps, search)).catch((error: unknown) => this.onError(error, search));
  }

  /** Resolves once every queued warm-up has ended. */
  idle(): Promise<void> {
    return this.queue;
  }
}
