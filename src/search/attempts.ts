import type { AttemptSpan } from './attempt-spans.js';
import type { TrialError, TrialRecord } from './records.js';
import { DEFAULT_MAX_TRIAL_ATTEMPTS, type SearchSpec } from './spec.js';

/**
 * How many containers a trial may take, and what happens when one ends without an outcome. Pure functions
 * of the trial record: the controller (a `STALE` trial) and the job (a Spot interruption, AWS Batch's
 * retry of the same attempt) ask the same question and get the same answer.
 */

/** `budget.maxTrialAttempts`, or the default for specs that do not say (and searches stored before it existed). */
export function maxTrialAttemptsOf(spec: Pick<SearchSpec, 'budget'>): number {
  return spec.budget.maxTrialAttempts ?? DEFAULT_MAX_TRIAL_ATTEMPTS;
}

/**
 * Containers the trial has taken, the current one included: every span it recorded plus the one running
 * now. A trial resubmitted by a controller that did not record spans yet still counts its `attempt`.
 */
export function attemptsMade(trial: Pick<TrialRecord, 'attempt' | 'pastAttempts'>): number {
  return Math.max(trial.attempt, (trial.pastAttempts?.length ?? 0) + 1);
}

/** What to do with a trial whose current container ended without an outcome. */
export type AttemptVerdict =
  | { readonly retry: true; /** The attempt number to resubmit (`resubmit`), or to reclaim on Batch's own retry. */ readonly attempt: number }
  | { readonly retry: false; /** The trial's `FAILED` error: names the attempts made and the limit. */ readonly error: TrialError };

/**
 * Whether the trial may run once more after its current container ended without an outcome (`why`), given
 * `budget.maxTrialAttempts`. With `maxTrialAttempts` 3, the third container ending that way fails the trial.
 *
 * @example
 * const verdict = attemptVerdict(trial, maxTrialAttemptsOf(search.spec), 'stale');
 * if (verdict.retry) resubmit(trial, verdict.attempt); else failTrial(trial, verdict.error);
 */
export function attemptVerdict(
  trial: Pick<TrialRecord, 'attempt' | 'pastAttempts'>,
  maxTrialAttempts: number,
  why: AttemptSpan['endedBy'] = 'stale',
): AttemptVerdict {
  if (!Number.isInteger(maxTrialAttempts) || maxTrialAttempts < 1) {
    throw new RangeError(`maxTrialAttempts must be an integer >= 1, got ${maxTrialAttempts}`);
  }
  const made = attemptsMade(trial);
  if (made < maxTrialAttempts) return { retry: true, attempt: why === 'spot-reclaim' ? trial.attempt : trial.attempt + 1 };
  const causes = [...(trial.pastAttempts ?? []).map((span) => span.endedBy), why];
  return {
    retry: false,
    error: {
      message: `gave up after ${made} attempt${made === 1 ? '' : 's'} (budget.maxTrialAttempts ${maxTrialAttempts}): ${describeCauses(causes)}`,
      retryable: false,
    },
  };
}

const CAUSE_WORDS: Record<AttemptSpan['endedBy'], string> = {
  'spot-reclaim': 'Spot interruption',
  stale: 'no heartbeat',
  lost: 'job lost',
};

function describeCauses(causes: readonly AttemptSpan['endedBy'][]): string {
  return causes.map((cause, index) => `#${index + 1} ${CAUSE_WORDS[cause]}`).join(', ');
}

/**
 * The span that closes the trial's current container: what the controller adds to `pastAttempts` when it
 * declares the attempt `STALE` (`endedAt` = now: the job was terminated now and billed until then), and the
 * job when AWS Batch starts the attempt again after a Spot interruption (`endedAt` = the last heartbeat plus
 * one heartbeat interval, when the old host may last have been running).
 *
 * @example
 * // tick, resubmitting a STALE trial:
 * const patch = { ..., pastAttempts: withClosedAttempt(trial, 'stale', now) };
 */
export function withClosedAttempt(
  trial: Pick<TrialRecord, 'attempt' | 'startedAt' | 'pastAttempts'>,
  endedBy: AttemptSpan['endedBy'],
  endedAt: Date,
): readonly AttemptSpan[] {
  const span: AttemptSpan = { attempt: trial.attempt, ...(trial.startedAt ? { startedAt: trial.startedAt } : {}), endedAt: endedAt.toISOString(), endedBy };
  return [...(trial.pastAttempts ?? []), span];
}

/** Containers taken by all of a search's trials: the `attempts` counter a search shows beside its trial counters. */
export function totalAttempts(trials: readonly Pick<TrialRecord, 'attempt' | 'pastAttempts'>[]): number {
  return trials.reduce((sum, trial) => sum + attemptsMade(trial), 0);
}
