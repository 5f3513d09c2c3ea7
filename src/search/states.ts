import { InvalidTransition } from '../errors.js';

/**
 * The search and trial state machines, as Katib, NNI and SageMaker have them: a status enum and the named
 * transitions between statuses, each with the statuses it may start from. This table is the one place that
 * says which changes exist: every conditional write of a trial's status expects the `from` of its
 * transition, and every change of a search's status goes through `moveSearch`. docs/architecture.md draws
 * the same table, and test/search/states.test.ts keeps the drawing and the table alike.
 */
export interface Transition<S extends string> {
  readonly from: readonly S[];
  readonly to: S;
}

export const SEARCH_STATUSES = ['CREATED', 'RUNNING', 'STOPPING', 'SUCCEEDED', 'FAILED', 'STOPPED'] as const;
export type SearchStatus = (typeof SEARCH_STATUSES)[number];
export const INITIAL_SEARCH_STATUS: SearchStatus = 'CREATED';

export const SEARCH_TRANSITIONS = {
  /** A tick saves the search's progress; the first one starts it. */
  run: { from: ['CREATED', 'RUNNING'], to: 'RUNNING' },
  /** A user asked to stop it; the next tick kills its active trials. */
  stop: { from: ['CREATED', 'RUNNING'], to: 'STOPPING' },
  /** A budget is spent, or the space exhausted, and no trial is active any more. */
  succeed: { from: ['CREATED', 'RUNNING'], to: 'SUCCEEDED' },
  /**
   * More trials failed than `maxFailedTrialCount` allows, every trial failed (nothing was measured), or the
   * strategy cannot propose (it threw: a missing policy, a bug); retrying would fail the same way.
   */
  fail: { from: ['CREATED', 'RUNNING'], to: 'FAILED' },
  /** A tick has killed the active trials of a stopping search. */
  finishStop: { from: ['STOPPING'], to: 'STOPPED' },
} as const satisfies Record<string, Transition<SearchStatus>>;
export type SearchTransitionName = keyof typeof SEARCH_TRANSITIONS;

/** Why a search ended. */
export type CompletionReason =
  | 'MaxTrialsReached'
  | 'BudgetExhausted'
  | 'SearchSpaceExhausted'
  | 'MaxFailedTrialsReached'
  /** The search ended with trials, none of which succeeded: nothing was measured (FAILED). */
  | 'AllTrialsFailed'
  /** The strategy threw when asked for candidates; the search's `message` says why (FAILED). */
  | 'StrategyFailed'
  | 'Stopped';

export const TRIAL_STATUSES = [
  'PENDING',
  'RUNNING',
  'SUCCEEDED',
  'EARLY_STOPPED',
  'FAILED',
  'STALE',
  'KILLED',
  'INFEASIBLE',
] as const;
export type TrialStatus = (typeof TRIAL_STATUSES)[number];
export const INITIAL_TRIAL_STATUS: TrialStatus = 'PENDING';

/**
 * Trial transitions are named by who makes them and why, because the same status can be reached from
 * different places by different writers: the job moves only the attempt it claimed (RUNNING), while the
 * controller reconciles any active trial with what the queue says of its job.
 */
export const TRIAL_TRANSITIONS = {
  /** The job takes its attempt. */
  claim: { from: ['PENDING'], to: 'RUNNING' },
  /** AWS Batch retries an attempt after a Spot interruption: the new container finishes what the old one started. */
  reclaim: { from: ['PENDING', 'RUNNING'], to: 'RUNNING' },
  /** The job shows it is alive (a heartbeat, a recorded epoch); a superseded attempt learns it here. */
  report: { from: ['RUNNING'], to: 'RUNNING' },
  succeed: { from: ['RUNNING'], to: 'SUCCEEDED' },
  /** The search's early-stopping rule ended training; the trial keeps its curve but is never the best. */
  stopEarly: { from: ['RUNNING'], to: 'EARLY_STOPPED' },
  /** The job found the architecture, spec or dataset wrong: retrying would fail the same way. */
  reject: { from: ['RUNNING'], to: 'FAILED' },
  /** Reserved for constraint checks: an evaluation that finds the architecture outside the search's constraints. */
  markInfeasible: { from: ['RUNNING'], to: 'INFEASIBLE' },
  /** The controller: the queue says the job failed, or ended without recording an outcome. */
  failJob: { from: ['PENDING', 'RUNNING', 'STALE'], to: 'FAILED' },
  /**
   * The controller: the job is lost (unknown to the queue) or silent (no heartbeat). A STALE trial is
   * declared stale again when a crash came between this write and its resubmission.
   */
  loseJob: { from: ['PENDING', 'RUNNING', 'STALE'], to: 'STALE' },
  /** The controller resubmits a stale trial as its next attempt. */
  resubmit: { from: ['STALE'], to: 'PENDING' },
  /** The controller kills the active trials of a search that is stopping or failed. */
  kill: { from: ['PENDING', 'RUNNING', 'STALE'], to: 'KILLED' },
} as const satisfies Record<string, Transition<TrialStatus>>;
export type TrialTransitionName = keyof typeof TRIAL_TRANSITIONS;

/** Statuses some transition leaves: their record is not finished. */
function unfinished<S extends string>(statuses: readonly S[], transitions: Readonly<Record<string, Transition<S>>>): readonly S[] {
  const leaving = new Set(Object.values(transitions).flatMap((transition) => transition.from));
  return statuses.filter((status) => leaving.has(status));
}

export const ACTIVE_SEARCH_STATUSES: readonly SearchStatus[] = unfinished(SEARCH_STATUSES, SEARCH_TRANSITIONS);
/** Trials that hold a slot of `parallelTrialCount`: their job is queued or running. */
export const ACTIVE_TRIAL_STATUSES: readonly TrialStatus[] = unfinished(TRIAL_STATUSES, TRIAL_TRANSITIONS);

export function isActiveTrial(status: TrialStatus): boolean {
  return ACTIVE_TRIAL_STATUSES.includes(status);
}

export function isActiveSearch(status: SearchStatus): boolean {
  return ACTIVE_SEARCH_STATUSES.includes(status);
}

/**
 * `search` moved by the transition `name`; throws `InvalidTransition` (a `Conflict`: the API answers 409)
 * when the table does not let it leave its current status that way. Saving the result is the caller's
 * (`Store.saveSearch`, conditional on the version read), so a concurrent change is caught there.
 */
export function moveSearch<R extends { readonly id: string; readonly status: SearchStatus }>(search: R, name: SearchTransitionName): R {
  const { from, to }: Transition<SearchStatus> = SEARCH_TRANSITIONS[name];
  if (!from.includes(search.status)) throw new InvalidTransition('search', search.id, search.status, to);
  return { ...search, status: to };
}

/**
 * `trial` moved by the transition `name`, for a trial the controller evaluates in-process and writes once,
 * finished (a benchmark lookup: `claim` then `succeed` or `reject`). Throws `InvalidTransition` when the
 * table does not let it leave its current status that way, like `moveSearch`.
 */
export function moveTrial<R extends { readonly number: number; readonly status: TrialStatus }>(trial: R, name: TrialTransitionName): R {
  const { from, to }: Transition<TrialStatus> = TRIAL_TRANSITIONS[name];
  if (!from.includes(trial.status)) throw new InvalidTransition('trial', String(trial.number), trial.status, to);
  return { ...trial, status: to };
}
