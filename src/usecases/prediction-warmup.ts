import type { SearchRecord } from '../search/records.js';
import { isActiveSearch } from '../search/states.js';
import { warmPredictions, type PredictDeps } from './predict.js';

/** Searches remembered as warmed: a finished search ticked again (a late event) is not warmed twice. */
const REMEMBERED = 1000;
/** Warm-ups waiting their turn at most; those beyond are skipped (their predictors train on first use). */
const MAX_WAITING = 16;

/**
 * Warms the predictors of each search that finishes, one search at a time in the background: the first
 * `POST /v1/predictions` after a search then finds its predictor trained (issue #18). One at a time, so
 * that searches ending together do not take every core from the searches still running. Where the
 * predictors fit in a process of their own (the local service's `EnsembleFitProcess`), the warm-up holds
 * this event loop only for reading the trials and encoding them, a slice at a time.
 */
export class PredictionWarmup {
  private readonly warmed = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private waiting = 0;
  private closed = false;

  /**
   * @param settled awaited before each warm-up: the local controller's quiet period, so that a warm-up does
   *   not take the cores from searches that run (absent: each warm-up starts at once).
   */
  constructor(
    private readonly deps: PredictDeps,
    private readonly onError: (error: unknown, search: SearchRecord) => void,
    private readonly settled: () => Promise<void> = async () => {},
  ) {}

  /** Called with every search a tick returns; queues a warm-up for one that has just finished. */
  afterTick(search: SearchRecord | undefined): void {
    if (this.closed || !search || isActiveSearch(search.status)) return;
    const key = `${search.tenantId}/${search.id}`;
    if (this.warmed.has(key) || this.waiting >= MAX_WAITING) return;
    this.warmed.add(key);
    if (this.warmed.size > REMEMBERED) this.warmed.delete(this.warmed.values().next().value!);
    this.waiting++;
    this.queue = this.queue
      .then(() => (this.closed ? undefined : this.settled()))
      .then(() => (this.closed ? undefined : warmPredictions(this.deps, search)))
      .catch((error: unknown) => {
        if (!this.closed) this.onError(error, search);
      })
      .finally(() => this.waiting--);
  }

  /**
   * Starts no more warm-ups and reports no more errors: a warm-up cut short when the service closes (its
   * training process ended) is no failure; its predictor is trained on next use. `idle()` still tells when
   * the one under way has ended.
   */
  close(): void {
    this.closed = true;
  }

  /** Resolves once every queued warm-up has ended. */
  idle(): Promise<void> {
    return this.queue;
  }
}
