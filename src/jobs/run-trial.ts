import { InvalidArchitecture } from '../errors.js';
import type { Evaluator } from '../evaluators/evaluator.js';
import { isActiveTrial } from '../search/records.js';
import { ARCHITECTURE_METRICS, searchMetrics } from '../search/resolve-spec.js';
import type { SearchSpec } from '../search/spec.js';
import { resolveSpace } from '../spaces/registry.js';
import type { Store } from '../store/store.js';
import type { TrialJob } from './job-queue.js';

export interface RunTrialDeps {
  readonly store: Store;
  readonly evaluator: Evaluator;
  readonly clock: () => Date;
  /**
   * Real seconds to wait per simulated training second of a benchmark trial (0: answer at once). Lets a
   * benchmark search unfold at a watchable pace in the dashboard and in restart tests.
   */
  readonly simulatedTimeScale: number;
  /**
   * Whether this container may take over an attempt already RUNNING: AWS Batch retries the same attempt
   * after a Spot interruption, and the new container must finish what the reclaimed one started.
   * @default false
   */
  readonly reclaimRunning?: boolean;
  /**
   * How often a running job records a heartbeat on its trial.
   * @default 30
   */
  readonly heartbeatSeconds?: number;
}

/** The architecture metrics (`params`, `flops`) among `wanted`, from the space's cost model. */
function architectureMetrics(spec: SearchSpec, arch: string, wanted: readonly string[]): Record<string, number> {
  if (!wanted.some((metric) => ARCHITECTURE_METRICS.includes(metric))) return {};
  const space = resolveSpace(spec.space, spec.spaceConfig);
  const { params, flops } = space.cost(space.parse(arch));
  return Object.fromEntries(Object.entries({ params, flops }).filter(([metric]) => wanted.includes(metric)));
}

/**
 * The body of a trial job, the same in an AWS Batch container and in the local pool: claim the trial
 * attempt, evaluate the architecture, record the outcome on the trial. Every write is conditional on the
 * attempt, so a superseded or duplicated job changes nothing.
 *
 * Resolves when the outcome is recorded (an architecture the evaluator rejects is recorded as a
 * non-retryable failure); rejects for failures worth retrying, which the queue reports as a failed job.
 */
export async function runTrialJob(deps: RunTrialDeps, job: TrialJob): Promise<void> {
  const { store, evaluator, clock } = deps;
  const search = await store.getSearch(job.tenantId, job.searchId);
  const trial = await store.getTrial(job.searchId, job.trialNumber);
  if (!search || !trial || trial.attempt !== job.attempt || !isActiveTrial(trial.status)) return;

  const expect = { attempt: job.attempt };
  const started = clock().toISOString();
  const claimed = await store.updateTrial(
    job.searchId,
    job.trialNumber,
    { status: 'RUNNING', startedAt: started, heartbeatAt: started, updatedAt: started },
    { ...expect, status: deps.reclaimRunning ? ['PENDING', 'RUNNING'] : ['PENDING'] },
  );
  if (!claimed) return;

  // Beats until the outcome is written; a write after a newer attempt took over fails its condition.
  const heartbeat = setInterval(() => {
    const now = clock().toISOString();
    store.updateTrial(job.searchId, job.trialNumber, { heartbeatAt: now }, { ...expect, status: ['RUNNING'] }).catch(() => undefined);
  }, (deps.heartbeatSeconds ?? 30) * 1000);
  try {
    const wanted = searchMetrics(search.spec);
    const measured = await evaluator.evaluate({
      space: search.spec.space,
      arch: trial.arch,
      evaluator: search.spec.evaluator,
      metrics: wanted.filter((metric) => !ARCHITECTURE_METRICS.includes(metric)),
    });
    const { costSeconds } = measured;
    const metrics = { ...measured.metrics, ...architectureMetrics(search.spec, trial.arch, wanted) };
    if (deps.simulatedTimeScale > 0) {
      await new Promise((resolve) => setTimeout(resolve, costSeconds * deps.simulatedTimeScale * 1000));
    }
    const finished = clock().toISOString();
    await store.updateTrial(
      job.searchId,
      job.trialNumber,
      { status: 'SUCCEEDED', metrics, costSeconds, finishedAt: finished, updatedAt: finished },
      { ...expect, status: ['RUNNING'] },
    );
  } catch (error) {
    if (!(error instanceof InvalidArchitecture)) throw error;
    const finished = clock().toISOString();
    await store.updateTrial(
      job.searchId,
      job.trialNumber,
      { status: 'FAILED', error: { message: error.message, retryable: false }, finishedAt: finished, updatedAt: finished },
      { ...expect, status: ['RUNNING'] },
    );
  } finally {
    clearInterval(heartbeat);
  }
}
