import { spendOf, trialsWithinCost } from '../cost/estimate.js';
import { JOB_PROFILES, jobKindOf } from '../cost/job-profiles.js';
import type { SearchRecord } from '../search/records.js';
import type { CompletionReason } from '../search/states.js';
import type { SearchSummary } from '../search/summaries.js';

/** Why the search must fail now, regardless of running trials. */
export function failureReason(search: SearchRecord, summary: SearchSummary): CompletionReason | undefined {
  const { maxFailedTrialCount } = search.spec.budget;
  // Katib's rule: the search fails once more trials than allowed have failed.
  if (maxFailedTrialCount !== undefined && summary.trialStatusCounters.failed > maxFailedTrialCount) {
    return 'MaxFailedTrialsReached';
  }
  return undefined;
}

/**
 * Why no new trial may start. Trials already running finish: their cost is committed, and killing them
 * would throw away work that was paid for.
 */
export function exhaustedBudget(search: SearchRecord, trialCount: number, summary: SearchSummary): CompletionReason | undefined {
  const { maxTrialCount, maxRuntimeSeconds } = search.spec.budget;
  if (trialCount >= maxTrialCount) return 'MaxTrialsReached';
  if (maxRuntimeSeconds !== undefined && summary.elapsedSeconds >= maxRuntimeSeconds) return 'BudgetExhausted';
  return undefined;
}

/** How many more trials may start before the spend could pass `maxCostUsd` (unbounded without one). */
export function trialsWithinBudget(search: SearchRecord, costUsd: number, activeTrialCount: number): number {
  const { maxCostUsd } = search.spec.budget;
  if (maxCostUsd === undefined) return Number.POSITIVE_INFINITY;
  const profile = JOB_PROFILES[jobKindOf(search.spec.evaluator.kind)];
  return trialsWithinCost({ maxCostUsd, spentUsd: costUsd, activeTrialCount, usdPerTrial: spendOf(profile.expectedTrialSeconds, profile.instance) });
}

/** Room for new trials under `parallelTrialCount` and `maxTrialCount`. */
export function freeSlots(search: SearchRecord, trialCount: number, activeCount: number): number {
  const { maxTrialCount, parallelTrialCount } = search.spec.budget;
  return Math.max(0, Math.min(parallelTrialCount - activeCount, maxTrialCount - trialCount));
}
