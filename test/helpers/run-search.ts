import { tick, type ControllerDeps } from '../../src/controller/tick.js';
import type { Evaluator } from '../../src/evaluators/evaluator.js';
import { runTrialJob, type RunTrialDeps } from '../../src/jobs/run-trial.js';
import type { SearchRecord } from '../../src/search/records.js';
import type { Store } from '../../src/store/store.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import type { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { SearchSpecSchema } from '../../src/search/spec.js';
import { newSearchRecord } from '../../src/usecases/new-search.js';
import { resolveSearchSpec } from '../../src/usecases/resolve-spec.js';
import { ScriptedJobQueue } from './scripted-queue.js';

export interface RunSearchOptions {
  readonly evaluator: Evaluator;
  /** What else the controller gets (predictors, artifacts); the store, a scripted queue and the clock are given. */
  readonly controller?: Partial<ControllerDeps>;
  /** What else each trial job gets (the artifact store of training jobs). */
  readonly job?: Partial<RunTrialDeps>;
  readonly clock?: () => Date;
}

/**
 * Drives a created search to its end exactly as the service does, but in step: tick, run every queued
 * trial job, tick again, until the search is neither CREATED nor RUNNING. Resolves the last search record.
 */
export async function runSearchToEnd(store: Store, tenantId: string, searchId: string, options: RunSearchOptions): Promise<SearchRecord | undefined> {
  const clock = options.clock ?? (() => new Date());
  const queue = new ScriptedJobQueue();
  const deps: ControllerDeps = { store, queue, clock, ...options.controller };
  const job: RunTrialDeps = { store, evaluator: options.evaluator, clock, simulatedTimeScale: 0, ...options.job };
  let search = await tick(deps, tenantId, searchId);
  while (search && ['CREATED', 'RUNNING'].includes(search.status)) {
    await queue.runQueued((trialJob) => runTrialJob(job, trialJob));
    search = await tick(deps, tenantId, searchId);
  }
  return search;
}

export interface RandomNb201SearchOptions {
  readonly catalog: BenchmarkCatalog;
  readonly tenantId: string;
  readonly id: string;
  readonly trials: number;
  readonly seed: number;
  /** The objective, maximised. */
  readonly metric: string;
  readonly clock: () => Date;
}

/** The record of a new random NB201 benchmark search of `trials` trials, as the API would create it. */
export async function randomNb201SearchRecord(options: RandomNb201SearchOptions): Promise<SearchRecord> {
  const { catalog, tenantId, id, trials, seed, metric, clock } = options;
  const spec = await resolveSearchSpec(
    SearchSpecSchema.parse({
      space: 'nb201',
      objectives: [{ metric, direction: 'maximize' }],
      strategy: { name: 'random' },
      evaluator: { kind: 'benchmark', benchmark: 'nb201' },
      budget: { maxTrialCount: trials, parallelTrialCount: 10 },
      seed,
    }),
    catalog,
    () => 0,
  );
  return newSearchRecord(tenantId, id, spec, clock().toISOString());
}

/** Creates a random NB201 benchmark search and runs it to its end: a finished search to learn predictors from. */
export async function finishedRandomNb201Search(store: Store, options: RandomNb201SearchOptions): Promise<SearchRecord> {
  await store.createSearch(await randomNb201SearchRecord(options));
  const { tenantId, id, catalog, clock } = options;
  return (await runSearchToEnd(store, tenantId, id, { evaluator: createBenchmarkEvaluator(catalog), clock }))!;
}
