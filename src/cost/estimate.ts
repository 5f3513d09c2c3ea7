import { JOB_PROFILES, jobKindOf, type JobProfile } from './job-profiles.js';
import { DEFAULT_PRICES, hourlyPrice, type JobInstance, type Market, type PriceTable } from './prices.js';

/**
 * What a search would cost in compute: pure functions over the price table, for refusing a search whose
 * estimate exceeds its `maxCostUsd` (API). What it has spent, and the cap itself, are `committed-spend.ts`'s.
 * Only the trial jobs' machines are counted; the control plane (Lambda, DynamoDB, EventBridge) costs
 * cents per thousand trials and is left out.
 */

export interface SearchCostInput {
  readonly maxTrialCount: number;
  readonly parallelTrialCount: number;
  /** Wall-clock seconds one trial's job runs, start-up included (`JOB_PROFILES[kind].expectedTrialSeconds`). */
  readonly expectedTrialSeconds: number;
  readonly instance: JobInstance;
}

export interface SearchCostEstimate {
  /** Dollars for the whole search, every trial run once, rounded up to the cent. */
  readonly usd: number;
  readonly breakdown: {
    readonly trials: number;
    readonly billedSecondsPerTrial: number;
    readonly usdPerHour: number;
    readonly usdPerTrial: number;
    /** How long the search takes with `parallelTrialCount` trials at a time, queueing aside. */
    readonly wallClockSeconds: number;
    readonly market: Market;
    /** Where the prices come from: `<region>, <asOf>`. */
    readonly prices: string;
  };
}

/** Seconds billed for a job that ran `seconds`: per second, at least the table's minimum; nothing if it never ran. */
export function billedSeconds(seconds: number, prices: PriceTable = DEFAULT_PRICES): number {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`seconds must be a finite number >= 0, got ${seconds}`);
  return seconds === 0 ? 0 : Math.max(Math.ceil(seconds), prices.minimumBilledSeconds);
}

/**
 * The compute cost of a search that runs all of its `maxTrialCount` trials for `expectedTrialSeconds`
 * each. Parallelism changes how long the search takes, not what it costs.
 *
 * @example
 * estimateSearchCost({ maxTrialCount: 100, parallelTrialCount: 8, expectedTrialSeconds: 1800,
 *   instance: { kind: 'ec2', type: 'g4dn.xlarge', market: 'on-demand' } }).usd // 26.3
 */
export function estimateSearchCost(input: SearchCostInput, prices: PriceTable = DEFAULT_PRICES): SearchCostEstimate {
  const { maxTrialCount, parallelTrialCount, expectedTrialSeconds, instance } = input;
  requireCount('maxTrialCount', maxTrialCount);
  requireCount('parallelTrialCount', parallelTrialCount);
  const usdPerHour = hourlyPrice(instance, prices);
  const billed = billedSeconds(expectedTrialSeconds, prices);
  const usdPerTrial = (billed / 3600) * usdPerHour;
  return {
    usd: ceilCents(maxTrialCount * usdPerTrial),
    breakdown: {
      trials: maxTrialCount,
      billedSecondsPerTrial: billed,
      usdPerHour,
      usdPerTrial,
      wallClockSeconds: Math.ceil(maxTrialCount / parallelTrialCount) * expectedTrialSeconds,
      market: instance.market,
      prices: `${prices.region}, ${prices.asOf}`,
    },
  };
}

/**
 * The estimate for a search spec: its budget's trial counts on the machine its evaluator's jobs run on
 * (`JOB_PROFILES`), at the profile's expected trial length and the on-demand price.
 */
export function estimateForEvaluator(
  input: { readonly evaluatorKind: string; readonly maxTrialCount: number; readonly parallelTrialCount: number },
  prices: PriceTable = DEFAULT_PRICES,
): SearchCostEstimate {
  return estimateForProfile(JOB_PROFILES[jobKindOf(input.evaluatorKind)], input, prices);
}

/** The estimate of a search whose trials run as `profile`'s jobs (`jobProfileOf` its evaluator). */
export function estimateForProfile(
  profile: JobProfile,
  budget: { readonly maxTrialCount: number; readonly parallelTrialCount: number },
  prices: PriceTable = DEFAULT_PRICES,
): SearchCostEstimate {
  const { maxTrialCount, parallelTrialCount } = budget;
  return estimateSearchCost({ maxTrialCount, parallelTrialCount, expectedTrialSeconds: profile.expectedTrialSeconds, instance: profile.instance }, prices);
}

/** Refuses an estimate above the user's limit: the message names both amounts and the prices used. */
export function checkCostLimit(
  estimate: SearchCostEstimate,
  maxCostUsd: number | undefined,
): { readonly ok: true } | { readonly ok: false; readonly message: string } {
  if (maxCostUsd === undefined || estimate.usd <= maxCostUsd) return { ok: true };
  const { trials, usdPerTrial, prices } = estimate.breakdown;
  return {
    ok: false,
    message:
      `estimated cost $${estimate.usd.toFixed(2)} (${trials} trials at $${usdPerTrial.toFixed(4)}, ${prices} prices) ` +
      `exceeds maxCostUsd $${maxCostUsd.toFixed(2)}: lower maxTrialCount or raise maxCostUsd`,
  };
}

function requireCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1, got ${value}`);
}

/** Up to the next cent (an estimate that is refused against a limit should not round down). */
function ceilCents(usd: number): number {
  return Math.ceil(usd * 100 - 1e-9) / 100;
}
