import { capVerdict, committedSpend, trialPricingOf, type CapVerdict, type SpendTrial, type TrialPricing } from '../cost/committed-spend.js';
import { jobProfileOf } from '../cost/job-profiles.js';
import type { SearchRecord, TrialLedger } from '../search/records.js';
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
 * Why no new trial may start by count or runtime. Trials already running finish: their cost is
 * committed, and killing them would throw away work that was paid for. `maxCostUsd` is `costCap`'s.
 */
export function exhaustedBudget(search: SearchRecord, trialCount: number, summary: SearchSummary): CompletionReason | undefined {
  const { maxTrialCount, maxRuntimeSeconds } = search.spec.budget;
  if (trialCount >= maxTrialCount) return 'MaxTrialsReached';
  if (maxRuntimeSeconds !== undefined && summary.elapsedSeconds >= maxRuntimeSeconds) return 'BudgetExhausted';
  return undefined;
}

/** How the search's trial containers are priced: one accounting for the spend it records and for its cap. */
function pricingOf(search: SearchRecord): TrialPricing {
  return trialPricingOf(jobProfileOf(search.spec.evaluator));
}

/** Dollars `trials` of the search have been billed by `now`, every container they took counted. */
export function trialsSpentUsd(search: SearchRecord, trials: readonly SpendTrial[], now: Date): number {
  return committedSpend(trials, pricingOf(search), now).spentUsd;
}

/** Dollars the search has spent: its folded trials', and what its open ones have run so far. */
export function searchSpentUsd(search: SearchRecord, ledger: TrialLedger, now: Date): number {
  return ledger.spentUsd + trialsSpentUsd(search, ledger.open, now);
}

/**
 * The hard cap on `maxCostUsd` for this tick (`capVerdict`): which open trials to kill, how many may
 * start. Undefined without a cap.
 */
export function costCap(search: SearchRecord, ledger: TrialLedger, now: Date): CapVerdict | undefined {
  const { maxCostUsd } = search.spec.budget;
  if (maxCostUsd === undefined) return undefined;
  return capVerdict({ maxCostUsd, trials: ledger.open, pricing: pricingOf(search), now, foldedSpentUsd: ledger.spentUsd });
}

/** Room for new trials under `parallelTrialCount` and `maxTrialCount`. */
export function freeSlots(search: SearchRecord, trialCount: number, activeCount: number): number {
  const { maxTrialCount, parallelTrialCount } = search.spec.budget;
  return Math.max(0, Math.min(parallelTrialCount - activeCount, maxTrialCount - trialCount));
}
