import type { ArtifactStore } from '../artifacts/artifact-store.js';
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
  /** Per-tenant limits; see `DEFAULT_LIMITS`. */
  readonly limits?: Partial<TenantLimits>;
  /** Trained models for export; absent where the service has no artifact store (exports answer 404). */
  readonly artifacts?: ArtifactStore;
}

export interface TenantLimits {
  /** Requests per minute per tenant on `/v1`, counted in this process (in the cloud: per function instance). */
  readonly requestsPerMinute: number;
  /** Searches a tenant may have unfinished at once. */
  readonly maxActiveSearches: number;
}

export const DEFAULT_LIMITS: TenantLimits = { requestsPerMinute: 600, maxActiveSearches: 20 };

export type ApiEnv = { Variables: { tenantId: string } };
