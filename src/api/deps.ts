import type { BenchmarkCatalog } from '../evaluators/benchmarks.js';
import type { Events } from '../events/events.js';
import type { Store } from '../store/store.js';

/** Everything the HTTP app needs, handed in by the adapter that runs it (local server or Lambda). */
export interface ApiDeps {
  readonly store: Store;
  readonly events: Events;
  /** Benchmarks a search may name (built-in and imported tables). */
  readonly benchmarks: BenchmarkCatalog;
  readonly clock: () => Date;
}

export type ApiEnv = { Variables: { tenantId: string } };
