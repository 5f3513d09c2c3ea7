import { tick, type ControllerDeps } from '../../src/controller/tick.js';
import type { Evaluator } from '../../src/evaluators/evaluator.js';
import { runTrialJob, type RunTrialDeps } from '../../src/jobs/run-trial.js';
import type { SearchRecord } from '../../src/search/records.js';
import type { Store } from '../../src/store/store.js';
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
