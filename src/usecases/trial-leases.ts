import { Conflict, InvalidRequest, NotFound } from '../errors.js';
import type { SearchRecord, TrialRecord } from '../search/records.js';
import type { EvaluatorSpec } from '../search/spec.js';
import { TRIAL_TRANSITIONS, type TrialStatus } from '../search/states.js';
import type { Store, TrialExpectation } from '../store/store.js';
import { requireSearch } from './require-search.js';

/**
 * What claiming, reporting and completing a trial share (ask/tell over HTTP): a search whose trials
 * report through the API (trained by the user's external workers, or by its `container` trials' own code
 * with a trial token), the metrics they may report, and the lease that entitles one worker or container
 * to one attempt of a trial. Every write under a lease is conditional on it (`leaseHeld`), so a worker
 * whose lease ran out, or was revoked, changes nothing.
 */

export type ExternalEvaluator = Extract<EvaluatorSpec, { kind: 'external' }>;
/** Evaluators whose trials may report over the API: claimed by external workers, or run as the user's container. */
export type ReportingEvaluator = ExternalEvaluator | Extract<EvaluatorSpec, { kind: 'container' }>;

/** How long a lease lasts without a report when the claim does not say. */
export const DEFAULT_LEASE_SECONDS = 300;
export const MIN_LEASE_SECONDS = 5;
export const MAX_LEASE_SECONDS = 24 * 3600;

/** The tenant's search, if its trials are trained by external workers; `Conflict` (409) for another evaluator. */
export async function requireExternalSearch(store: Store, tenantId: string, searchId: string): Promise<{ search: SearchRecord; evaluator: ExternalEvaluator }> {
  const search = await requireSearch({ store }, tenantId, searchId);
  const { evaluator } = search.spec;
  if (evaluator.kind !== 'external') throw new Conflict(`search ${searchId} is evaluated by its '${evaluator.kind}' evaluator, not by external workers`);
  return { search, evaluator };
}

/** The tenant's search, if its trials report over the API (external workers, containers); `Conflict` (409) for another evaluator. */
export async function requireReportingSearch(store: Store, tenantId: string, searchId: string): Promise<{ search: SearchRecord; evaluator: ReportingEvaluator }> {
  const search = await requireSearch({ store }, tenantId, searchId);
  const { evaluator } = search.spec;
  if (evaluator.kind !== 'external' && evaluator.kind !== 'container') {
    throw new Conflict(`search ${searchId} is evaluated by its '${evaluator.kind}' evaluator: its trials do not report over the API`);
  }
  return { search, evaluator };
}

/** Refuses (400, naming `metrics.<name>`) a metric the evaluator does not declare: a typo would otherwise go unnoticed. */
export function requireDeclaredMetrics(evaluator: ReportingEvaluator, metrics: Readonly<Record<string, number>>): void {
  const [declared, where] = evaluator.kind === 'external' ? [evaluator.metrics, 'evaluator.metrics declares'] : [evaluator.metricDefinitions.map((d) => d.name), 'evaluator.metricDefinitions name'];
  const undeclared = Object.keys(metrics).find((name) => !declared.includes(name));
  if (undeclared !== undefined) {
    throw new InvalidRequest(`metrics.${undeclared}`, `not a metric of this search: ${where} ${declared.join(', ')}`);
  }
}

/**
 * The trial as read (`trial`), if `leaseId` holds its running attempt at `now`; else `NotFound` for no
 * such trial, or a `Conflict` (409) saying why: the worker must give the trial up. A container trial's
 * lease has no expiry (its job's state is its sign of life) and holds from submission: on AWS Batch its
 * code may report before the controller has seen the job start.
 */
export function requireLease(trial: TrialRecord | undefined, search: SearchRecord, trialNumber: number, leaseId: string, now: Date): TrialRecord {
  if (!trial) throw new NotFound('trial', `${search.id}/${trialNumber}`);
  const startable = search.spec.evaluator.kind === 'container' && trial.status === 'PENDING';
  if (trial.status !== 'RUNNING' && !startable) throw leaseLost(trialNumber, `the trial is ${trial.status}`);
  if (trial.leaseId !== leaseId) throw leaseLost(trialNumber, `attempt ${trial.attempt} is not held by this lease`);
  if (trial.leaseExpiresAt !== undefined && Date.parse(trial.leaseExpiresAt) <= now.getTime()) throw leaseLost(trialNumber, `the lease ran out at ${trial.leaseExpiresAt}`);
  if (search.spec.evaluator.kind === 'external' && trial.leaseExpiresAt === undefined) throw leaseLost(trialNumber, 'it is not leased');
  return trial;
}

/**
 * `requireLease`, and a container trial its code reports on before the controller saw its job start is
 * claimed (RUNNING from now) first: a report is the surest sign that it runs.
 */
export async function requireRunningLease(store: Store, trial: TrialRecord | undefined, search: SearchRecord, trialNumber: number, leaseId: string, now: Date): Promise<TrialRecord> {
  const leased = requireLease(trial, search, trialNumber, leaseId, now);
  if (leased.status === 'RUNNING') return leased;
  const { from, to } = TRIAL_TRANSITIONS.claim;
  const at = now.toISOString();
  const patch = { status: to, startedAt: at, heartbeatAt: at, updatedAt: at };
  if (!(await store.updateTrial(leased.tenantId, leased.searchId, leased.number, patch, leaseHeld(leased, leaseId, now, from)))) throw leaseLost(trialNumber, 'it changed meanwhile');
  return { ...leased, ...patch };
}

/** The condition of a write under the lease: the trial is still in one of `from`, at this attempt, held by `leaseId` (past `now`, if it expires). */
export function leaseHeld(trial: TrialRecord, leaseId: string, now: Date, from: readonly TrialStatus[]): TrialExpectation {
  return { status: from, attempt: trial.attempt, lease: { id: leaseId, ...(trial.leaseExpiresAt === undefined ? {} : { liveAt: now.toISOString() }) } };
}

/** What a write under a lease that no longer holds answers (409). */
export function leaseLost(trialNumber: number, why: string): Conflict {
  return new Conflict(`this lease no longer holds trial ${trialNumber}: ${why}`);
}

/** When a lease of `seconds` taken or extended at `now` runs out. */
export function leaseExpiry(now: Date, seconds: number): string {
  return new Date(now.getTime() + seconds * 1000).toISOString();
}

/** Seconds the worker has trained the attempt so far (its `costSeconds` once finished). */
export function secondsSinceClaim(trial: TrialRecord, now: Date): number {
  return trial.startedAt ? Math.max(0, (now.getTime() - Date.parse(trial.startedAt)) / 1000) : 0;
}
