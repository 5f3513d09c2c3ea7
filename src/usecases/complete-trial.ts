import type { Events } from '../events/events.js';
import { InvalidRequest } from '../errors.js';
import { architectureMetrics } from '../jobs/run-trial.js';
import { ARCHITECTURE_METRICS, searchMetrics } from '../search/metrics.js';
import type { TrialRecord } from '../search/records.js';
import { TRIAL_TRANSITIONS } from '../search/states.js';
import type { SearchSpec } from '../search/spec.js';
import type { Store } from '../store/store.js';
import { leaseHeld, leaseLost, requireDeclaredMetrics, requireReportingSearch, requireRunningLease, secondsSinceClaim } from './trial-leases.js';

export interface CompleteTrialDeps {
  readonly store: Store;
  readonly events: Events;
  readonly clock: () => Date;
}

/** A worker's final word on its attempt: the measured metrics, or that training failed and why. */
export type TrialCompletion =
  | { readonly leaseId: string; readonly status?: 'SUCCEEDED'; readonly metrics: Readonly<Record<string, number>> }
  | { readonly leaseId: string; readonly status: 'FAILED'; readonly reason: string };

/**
 * Records the outcome of a leased attempt: SUCCEEDED with the reported metrics (and `params`/`flops`, which
 * the service computes from the architecture) or FAILED with the worker's reason; the controller is told,
 * so the next trial is proposed at once. A retried completion whose answer was lost finds its own outcome
 * and gets the trial again, changing nothing. Returns the trial as recorded.
 *
 * Throws `InvalidRequest` naming `metrics.<name>` for an undeclared metric or a missing one the search
 * ranks on, `NotFound` for an unknown search or trial, `Conflict` for a search of another evaluator or a
 * lease that no longer holds the trial (then nothing changed).
 */
export async function completeTrial(deps: CompleteTrialDeps, tenantId: string, searchId: string, trialNumber: number, completion: TrialCompletion): Promise<TrialRecord> {
  const { store } = deps;
  const { search, evaluator } = await requireReportingSearch(store, tenantId, searchId);
  if ('metrics' in completion) {
    requireDeclaredMetrics(evaluator, completion.metrics);
    requireRankedMetrics(search.spec, completion.metrics);
  }
  const { from, to } = 'metrics' in completion ? TRIAL_TRANSITIONS.succeed : TRIAL_TRANSITIONS.reject;
  const recorded = await store.getTrial(tenantId, searchId, trialNumber);
  if (recorded?.leaseId === completion.leaseId && recorded.status === to) return recorded;
  const now = deps.clock();
  const trial = await requireRunningLease(store, recorded, search, trialNumber, completion.leaseId, now);
  const at = now.toISOString();
  const outcome =
    'metrics' in completion
      ? { metrics: { ...completion.metrics, ...architectureMetrics(search.spec, trial.arch, searchMetrics(search.spec)) } }
      : { error: { message: completion.reason, retryable: false } };
  const patch = { status: to, ...outcome, costSeconds: secondsSinceClaim(trial, now), leaseExpiresAt: undefined, heartbeatAt: at, finishedAt: at, updatedAt: at };
  if (!(await store.updateTrial(tenantId, searchId, trialNumber, patch, leaseHeld(trial, completion.leaseId, now, from)))) {
    throw leaseLost(trialNumber, 'it changed meanwhile');
  }
  deps.events.publish({ type: 'TrialJobEnded', tenantId, searchId, trialNumber });
  return { ...trial, ...patch };
}

/** Refuses (400, naming `metrics.<name>`) a completion without a metric the search ranks trials on. */
function requireRankedMetrics(spec: SearchSpec, metrics: Readonly<Record<string, number>>): void {
  const missing = searchMetrics(spec).find((metric) => !ARCHITECTURE_METRICS.includes(metric) && metrics[metric] === undefined);
  if (missing !== undefined) throw new InvalidRequest(`metrics.${missing}`, 'missing: the search ranks its trials on it (an objective or evaluator.metric)');
}
