import type { PredictorService } from '../predictors/predictor-service.js';
import type { DatasetFolders } from '../training/datasets/dataset-access.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { BenchmarkCatalog } from '../evaluators/benchmarks.js';
import type { Events } from '../events/events.js';
import type { ReadFreshness, Store } from '../store/store.js';
import type { PolicyRegistry } from '../strategies/rl/policy-registry.js';
import type { ContainerTrials } from '../usecases/create-search.js';

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
  /** The tenants' performance predictors (POST /v1/predictions); absent where there is no artifact store (503). */
  readonly predictors?: PredictorService;
  /** Where datasets may come from besides a tenant's uploads. */
  readonly datasets?: DatasetPlaces;
  /** The search policies the controller hands strategies (`rl`), so that a missing one is refused at creation. */
  readonly policies?: readonly PolicyRegistry[];
  /** How `container` trials run here; absent: `container` searches are refused (400). */
  readonly containerTrials?: ContainerTrials;
  /**
   * Seconds an API key or dashboard session found in the store is trusted before it is read again: how
   * long one revoked or ended by another process still opens this one (src/auth/credential-cache.ts);
   * 0 reads them on every request. Default `DEFAULT_CREDENTIAL_CACHE_SECONDS` (5).
   */
  readonly credentialCacheSeconds?: number;
  /**
   * Seconds a search's record may be old when a read route (a search, its list, trials, best, front,
   * events) answers from it: writes through this process show at once, others' (trial jobs' progress,
   * another API Lambda's stop) after at most this long; 0 reads the store on every request (issue #18).
   * Default `DEFAULT_SEARCH_CACHE_SECONDS` (1).
   */
  readonly searchCacheSeconds?: number;
  /** The AWS account the service runs in: a container image of its ECR must be under the caller's `tenants/<tenant>/` (see `CreateSearchDeps`). */
  readonly serviceAccount?: string;
}

export interface DatasetPlaces {
  /** The operator's folder that `dir:` datasets are named in; absent (the cloud default): `dir:` is refused. */
  readonly folders?: DatasetFolders;
  /** Buckets of the service itself, which no tenant may register as a dataset source. */
  readonly serviceBuckets?: readonly string[];
}

/** Per-tenant limits, counted in the record store so that every API instance (every Lambda) shares them. */
export interface TenantLimits {
  /** Requests per minute per tenant on `/v1`. */
  readonly requestsPerMinute: number;
  /** Searches a tenant may have unfinished at once. */
  readonly maxActiveSearches: number;
  /** Event streams (`GET /v1/searches/{id}/events`) a tenant may hold open at once: each holds a Lambda. */
  readonly maxEventStreams: number;
}

export const DEFAULT_SEARCH_CACHE_SECONDS = 1;

/** What the read routes ask of the store: records at most `searchCacheSeconds` old, or read now (0). */
export function searchReadFreshness({ searchCacheSeconds = DEFAULT_SEARCH_CACHE_SECONDS }: Pick<ApiDeps, 'searchCacheSeconds'>): ReadFreshness | undefined {
  return searchCacheSeconds > 0 ? { maxAgeMs: searchCacheSeconds * 1000 } : undefined;
}

export const DEFAULT_LIMITS: TenantLimits = { requestsPerMinute: 600, maxActiveSearches: 20, maxEventStreams: 5 };

export type ApiEnv = { Variables: { tenantId: string } };
