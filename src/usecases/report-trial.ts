import type { Events } from '../events/events.js';
import { architectureMetrics, earlyStopOfCurve } from '../jobs/run-trial.js';
import { searchMetrics } from '../search/metrics.js';
import type { EpochObservation } from '../search/records.js';
import { TRIAL_TRANSITIONS } from '../search/states.js';
import type { Store } from '../store/store.js';
import {
  DEFAULT_LEASE_SECONDS,
  leaseExpiry,
  leaseHeld,
  leaseLost,
  requireDeclaredMetrics,
  requireReportingSearch,
  requireRunningLease,
  secondsSinceClaim,
} from './trial-leases.js';

export interface ReportTrialDeps {
  readonly store: Store;
  readonly events: Events;
  readonly clock: () => Date;
}

export interface TrialReport {
  readonly leaseId: string;
  /** The worker's step (an epoch, a number of batches): the learning curve's x, which early stopping compares at. */
  readonly step: number;
  /** Declared metrics measured at `step`; none only renews the lease. */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface ReportAnswer {
  /** `stop`: the early-stopping rule ended the trial (EARLY_STOPPED); the worker drops it and claims the next. */
  readonly decision: 'continue' | 'stop';
  /** When the lease now runs out (on `stop`: it ended now); a container trial's lease has no expiry. */
  readonly leaseExpiresAt?: string;
  /** Why the rule stopped the trial. */
  readonly reason?: string;
}

/**
 * A worker's (or a container trial's) intermediate result: it renews the lease (the heartbeat), joins the trial's learning curve
 * and is judged at once by the search's early-stopping rule against the other trials' curves, as the
 * training job judges its epochs (`run-trial.ts`). On `stop` the trial ends EARLY_STOPPED with the reported
 * metrics and the reason, and the controller is told, so the slot goes to a new trial.
 *
 * Throws `InvalidRequest` for an undeclared metric, `NotFound` for an unknown search or trial, `Conflict`
 * for a search of another evaluator or a lease that no longer holds the trial (then nothing changed).
 */
export async function reportTrial(deps: ReportTrialDeps, tenantId: string, searchId: string, trialNumber: number, report: TrialReport): Promise<ReportAnswer> {
  const { store } = deps;
  const { search, evaluator } = await requireReportingSearch(store, tenantId, searchId);
  requireDeclaredMetrics(evaluator, report.metrics);
  const now = deps.clock();
  const trial = await requireRunningLease(store, await store.getTrial(tenantId, searchId, trialNumber), search, trialNumber, report.leaseId, now);
  const at = now.toISOString();
  const measured = Object.keys(report.metrics).length > 0;
  // A repeated step (a retried report, a restarted worker) replaces what was recorded from it on.
  const curve: readonly EpochObservation[] = measured
    ? [...(trial.curve ?? []).filter((o) => o.epoch < report.step), { epoch: report.step, metrics: report.metrics, seconds: secondsSinceClaim(trial, now) }]
    : (trial.curve ?? []);
  // Workers train as many steps as they choose: no last step where ASHA would let every trial finish.
  const verdict = measured ? await earlyStopOfCurve(store, search, trial.number, curve, Number.POSITIVE_INFINITY) : { stop: false as const };

  if (verdict.stop) {
    const { from, to } = TRIAL_TRANSITIONS.stopEarly;
    const metrics = { ...report.metrics, ...architectureMetrics(search.spec, trial.arch, searchMetrics(search.spec)) };
    const patch = { status: to, curve, metrics, costSeconds: secondsSinceClaim(trial, now), earlyStopReason: verdict.reason, leaseExpiresAt: undefined, heartbeatAt: at, finishedAt: at, updatedAt: at };
    if (!(await store.updateTrial(tenantId, searchId, trialNumber, patch, leaseHeld(trial, report.leaseId, now, from)))) throw leaseLost(trialNumber, 'it changed meanwhile');
    deps.events.publish({ type: 'TrialJobEnded', tenantId, searchId, trialNumber });
    return { decision: 'stop', leaseExpiresAt: at, reason: verdict.reason };
  }
  // A container's lease does not expire: its job's state says whether it lives.
  const leaseExpiresAt = trial.leaseExpiresAt === undefined ? undefined : leaseExpiry(now, trial.leaseSeconds ?? DEFAULT_LEASE_SECONDS);
  const patch = { ...(measured ? { curve } : {}), ...(leaseExpiresAt ? { leaseExpiresAt } : {}), heartbeatAt: at, updatedAt: at };
  if (!(await store.updateTrial(tenantId, searchId, trialNumber, patch, leaseHeld(trial, report.leaseId, now, TRIAL_TRANSITIONS.report.from)))) {
    throw leaseLost(trialNumber, 'it changed meanwhile');
  }
  if (measured) await store.recordProgress(tenantId, searchId, at);
  return { decision: 'continue', ...(leaseExpiresAt ? { leaseExpiresAt } : {}) };
}

