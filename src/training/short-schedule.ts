import type { TrialSchedule } from '../search/records.js';
import type { TrainingSchedule } from '../search/training-spec.js';

/**
 * The short/long schedule of MOE/RNAS (Booysen & Bosman 2024): a child whose validation loss after a
 * short first phase barely differs from its parent's has not changed enough to be worth the whole
 * schedule, so it stops there; a child that changed more, and a trial with no parent to compare with,
 * trains the whole (long) schedule.
 */

/** The parent as the rule compares with it: its trial number and final validation loss. */
export interface ScheduleParent {
  readonly trialNumber: number;
  readonly validationLoss?: number;
}

const percent = (share: number) => `${(share * 100).toFixed(share < 0.01 ? 2 : 1)}%`;

/**
 * Which schedule a trial trains, or `undefined` while that depends on the validation loss after the short
 * phase (`lossAfterShortPhase`, absent until that epoch is done). `undefined` too for a search without a
 * short schedule.
 */
export function decideSchedule(
  schedule: TrainingSchedule,
  parent: ScheduleParent | undefined,
  lossAfterShortPhase: number | undefined,
): TrialSchedule | undefined {
  const short = schedule.shortSchedule;
  if (!short) return undefined;
  const long = (reason: string): TrialSchedule => ({ name: 'long', epochs: schedule.epochs, reason });
  if (!parent) return long('no parent to compare with');
  const parentLoss = parent.validationLoss;
  if (parentLoss === undefined || !Number.isFinite(parentLoss)) return long(`parent trial ${parent.trialNumber} has no validation loss to compare with`);
  if (lossAfterShortPhase === undefined) return undefined;
  const change = Math.abs(lossAfterShortPhase - parentLoss);
  const measured = `validation loss ${lossAfterShortPhase.toFixed(4)} after ${short.epochs} epoch${short.epochs === 1 ? '' : 's'}`;
  const against = `parent trial ${parent.trialNumber}'s ${parentLoss.toFixed(4)}`;
  // Compared as |child - parent| <= threshold x parent, so a parent loss of 0 does not divide by zero.
  if (change <= short.threshold * Math.abs(parentLoss)) {
    return { name: 'short', epochs: short.epochs, reason: `${measured} within ${percent(short.threshold)} of ${against}` };
  }
  const share = parentLoss === 0 ? 'from 0' : `by ${percent(change / Math.abs(parentLoss))}`;
  return long(`${measured} differs ${share} from ${against} (more than ${percent(short.threshold)})`);
}
