import { createHash, randomInt } from 'node:crypto';
import { ulid } from 'ulid';
import type { z } from 'zod';
import { checkCostLimit, estimateForProfile, type SearchCostEstimate } from '../cost/estimate.js';
import { jobProfileOf } from '../cost/job-profiles.js';
import type { JobInstance } from '../cost/prices.js';
import { Conflict, InvalidRequest } from '../errors.js';
import type { BenchmarkCatalog } from '../evaluators/benchmarks.js';
import type { Events } from '../events/events.js';
import { datasetAccessFor, type DatasetReaders } from '../jobs/dataset-access.js';
import { requireTeacherModel } from '../jobs/run-trial.js';
import { newSearchRecord } from './new-search.js';
import type { SearchRecord } from '../search/records.js';
import { ecrImageRepository, tenantRepositoryPrefix } from '../search/container-spec.js';
import { resolveSearchSpec } from './resolve-spec.js';
import type { SearchSpec, SearchSpecSchema } from '../search/spec.js';
import { checkWarmStart } from '../search/warm-start.js';
import type { Store } from '../store/store.js';
import type { PolicyRegistry } from '../strategies/rl/policy-registry.js';
import { requireSearch } from './require-search.js';
import { reserveSearchSlot } from './search-quota.js';

export interface CreateSearchDeps {
  readonly store: Store;
  readonly events: Events;
  /** Benchmarks a search may name (built-in and imported tables). */
  readonly benchmarks: BenchmarkCatalog;
  readonly clock: () => Date;
  /** Searches a tenant may have unfinished at once. */
  readonly maxActiveSearches: number;
  /** Where a spec's dataset may be read from (uploads, the operator's folder), to check it before accepting the search. */
  readonly datasets: DatasetReaders;
  /** The policy registries the controller hands strategies: a search naming a policy none holds is refused. */
  readonly policies?: readonly PolicyRegistry[];
  /** How this deployment runs `container` trials; absent: it does not, and such a search is refused. */
  readonly containerTrials?: ContainerTrials;
  /**
   * The AWS account the service runs in (the deployed API's `NAS_SERVICE_ACCOUNT`): a container image of its
   * ECR must be in one of the caller's own `tenants/<tenant id>/` repositories. Absent (locally): any image.
   */
  readonly serviceAccount?: string;
}

/**
 * How `container` trials run: `local-commands`, the command as a process on the service's own host (the
 * local service, when its operator allows it: `NAS_CONTAINER_COMMANDS=local`), never offered by a hosted
 * service, so that no tenant runs commands on the service's machines; `batch`, the user's image as an AWS
 * Batch job (the deployed stack), whose output is read once the job has ended.
 */
export type ContainerTrials = 'local-commands' | 'batch';

export interface CreateSearchRequest {
  readonly tenantId: string;
  /** The spec as the client sent it, validated but not yet resolved (defaults, seed, dataset). */
  readonly spec: z.output<typeof SearchSpecSchema>;
  /** The client's `Idempotency-Key`: a retry with the same key and spec returns the first request's search. */
  readonly idempotencyKey?: string;
}

export interface CreatedSearch {
  readonly search: SearchRecord;
  /** What the search would cost in the cloud deployment, and the machine it was priced on. */
  readonly estimate: { readonly cost: SearchCostEstimate; readonly instance: JobInstance };
  /** An earlier request with the same idempotency key created `search`; this one created nothing. */
  readonly replayed: boolean;
}

/** Same request body, same fingerprint: key order does not matter. */
function fingerprint(body: unknown): string {
  const canonical = JSON.stringify(body, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}

/** The resolved spec's cost in the cloud; refuses one whose estimate exceeds `budget.maxCostUsd`. */
function priceWithinLimit(spec: SearchSpec): CreatedSearch['estimate'] {
  const profile = jobProfileOf(spec.evaluator);
  const cost = estimateForProfile(profile, spec.budget);
  const limit = checkCostLimit(cost, spec.budget.maxCostUsd);
  if (!limit.ok) throw new InvalidRequest('budget.maxCostUsd', limit.message);
  return { cost, instance: profile.instance };
}

/**
 * Refuses a container image of the service's own ECR outside the caller's `tenants/<tenant>/` repositories:
 * the others are other tenants' (or the service's), and the caller's execution role may not pull them
 * (cdk/container-jobs.ts). An image of another account is the tenant's own, granted by its repository policy.
 */
function checkContainerImage(serviceAccount: string | undefined, tenantId: string, evaluator: SearchSpec['evaluator']): void {
  if (evaluator.kind !== 'container' || !serviceAccount) return;
  const image = ecrImageRepository(evaluator.image);
  const prefix = tenantRepositoryPrefix(tenantId);
  if (image && (image.account !== serviceAccount || (prefix && image.repository.startsWith(prefix)))) return;
  const where = prefix ? `must be in a repository under ${prefix}` : `cannot be yours (tenant ${tenantId} names no ECR repository: they are lower case)`;
  throw new InvalidRequest(
    'evaluator.image',
    `an image in this service's own ECR (account ${serviceAccount}) ${where}; ` +
      'or push it to your own account and grant your execution role in its repository policy (docs/training.md, "Your own container")',
  );
}

/**
 * Accepts a search: resolves the spec (the tenant's dataset access included), checks its warm-start
 * parents and distillation teacher, refuses an estimate over `maxCostUsd`, binds the idempotency key,
 * reserves a slot of the tenant's active-search quota, writes the search and publishes `SearchCreated`.
 *
 * Throws `InvalidRequest` for a spec that breaks a rule, `Conflict` for an idempotency key reused with a
 * different spec, `TooManyRequests` when the tenant's quota of unfinished searches is full.
 */
export async function createSearch(deps: CreateSearchDeps, request: CreateSearchRequest): Promise<CreatedSearch> {
  const { store, clock } = deps;
  const { tenantId, spec: body, idempotencyKey: key } = request;
  if (body.evaluator.kind === 'container' && !deps.containerTrials) {
    throw new InvalidRequest('evaluator.kind', 'this service runs no container trials (a local service runs them when started with NAS_CONTAINER_COMMANDS=local)');
  }
  const datasets = await datasetAccessFor(store, tenantId, body.evaluator, deps.datasets);
  const spec = await resolveSearchSpec(body, deps.benchmarks, () => randomInt(2 ** 31 - 1), datasets, deps.policies);
  checkContainerImage(deps.serviceAccount, tenantId, spec.evaluator);
  await checkWarmStart(store, tenantId, spec);
  if (spec.evaluator.kind === 'train' && spec.evaluator.distillation) {
    await requireTeacherModel(store, tenantId, spec.evaluator.distillation.teacher);
  }
  const estimate = priceWithinLimit(spec);
  const replay = (search: SearchRecord): CreatedSearch => ({ search, estimate, replayed: true });
  let id = ulid();
  if (key !== undefined) {
    const binding = await store.claimIdempotencyKey(tenantId, key, { searchId: id, requestHash: fingerprint(body) });
    if (binding.requestHash !== fingerprint(body)) throw new Conflict(`Idempotency-Key '${key}' was already used with a different request`);
    id = binding.searchId;
    const existing = await store.getSearch(tenantId, id);
    if (existing) return replay(existing);
  }
  await reserveSearchSlot(deps, tenantId, id);
  const search = newSearchRecord(tenantId, id, spec, clock().toISOString());
  try {
    await store.createSearch(search);
  } catch (error) {
    // A concurrent request with the same key created it first: answer with its search.
    if (!(error instanceof Conflict) || key === undefined) throw error;
    return replay(await requireSearch(deps, tenantId, id));
  }
  deps.events.publish({ type: 'SearchCreated', tenantId, searchId: id });
  return { search, estimate, replayed: false };
}
