import type { TrialRecord } from '../search/records.js';
import { isActiveTrial } from '../search/states.js';
import { GPU_ON_DEMAND_INSTANCE_TYPES, GPU_SPOT_INSTANCE_TYPES, JOB_PROFILES, type JobKind, type JobProfile } from './job-profiles.js';
import { DEFAULT_PRICES, hourlyPrice, type PriceTable } from './prices.js';

/**
 * `budget.maxCostUsd` as a hard cap: what a search has spent and has committed to spend, from its trial
 * records alone (pure, like every counter the controller derives), and what the controller must do about
 * it. The search's recorded `costUsd` is this module's `spentUsd` too, so what a user sees is what the cap
 * weighs. `estimate.ts` prices a whole search before it starts, one container per trial; this module is
 * stricter on purpose, an upper bound of the bill:
 *
 * - every container is counted, not only the trial's current attempt (`TrialRecord.pastAttempts`: Spot
 *   interruptions and stale attempts the next container's `startedAt` overwrote);
 * - each container is billed for its instance's boot, its image pull and the idle tail before scale-in
 *   (`JobProfile.overhead`), at the per-second rate with the provider's minimum;
 * - at the highest hourly rate any of the job's placements can bill (a Spot price never exceeds the type's
 *   on-demand price), since the record does not say which type and market a container ran on;
 * - a running container is committed to its expected remaining time, and at least `marginSeconds` more, so
 *   that a container the controller leaves running until its next look cannot pass the cap meanwhile;
 * - a queued one (written, not started) to a whole expected trial.
 */

/** What a container of one kind of trial job costs, as the cap counts it. */
export interface TrialPricing {
  /** The highest rate any placement of the job bills, in dollars per hour. */
  readonly usdPerHour: number;
  /** Boot, image pull and idle tail billed per container besides its own run. */
  readonly overheadSeconds: number;
  /** Wall-clock seconds a trial's container is expected to run (`JobProfile.expectedTrialSeconds`). */
  readonly expectedTrialSeconds: number;
  /** The provider's per-container minimum (EC2 and Fargate: 60 s). */
  readonly minimumBilledSeconds: number;
  /**
   * The least any unfinished container is committed to beyond what it has run: the longest the controller
   * may take to look again and stop it (a one-minute sweep, plus the time a terminate takes to land).
   */
  readonly marginSeconds: number;
}

/** The controller looks at every active search each minute; a terminate takes effect within about another. */
export const DEFAULT_MARGIN_SECONDS = 120;

/** The GPU types a training job may land on, Spot and on-demand. */
const TRAIN_INSTANCE_TYPES = [...new Set<string>([...GPU_SPOT_INSTANCE_TYPES, ...GPU_ON_DEMAND_INSTANCE_TYPES])];

/**
 * The pricing the cap applies to `kind` of trial job: the most expensive on-demand rate among the instance
 * types its queue may launch (a Spot price is capped at it), or the Fargate on-demand rate of its size.
 *
 * @example
 * trialPricing('train').usdPerHour // 0.752: g4dn.2xlarge on demand, the dearest type the GPU queue launches
 */
export function trialPricing(kind: JobKind, prices: PriceTable = DEFAULT_PRICES, marginSeconds = DEFAULT_MARGIN_SECONDS): TrialPricing {
  return trialPricingOf(JOB_PROFILES[kind], prices, marginSeconds);
}

/**
 * The pricing of trial jobs run as `profile` (`jobProfileOf` a search's evaluator: a `container` trial's
 * own size). An EC2 job is priced at the dearest GPU type the queue may launch, whatever type it asked for.
 */
export function trialPricingOf(profile: JobProfile, prices: PriceTable = DEFAULT_PRICES, marginSeconds = DEFAULT_MARGIN_SECONDS): TrialPricing {
  if (!(marginSeconds >= 0) || !Number.isFinite(marginSeconds)) throw new RangeError(`marginSeconds must be a finite number >= 0, got ${marginSeconds}`);
  const usdPerHour =
    profile.instance.kind === 'ec2'
      ? Math.max(...TRAIN_INSTANCE_TYPES.map((type) => hourlyPrice({ kind: 'ec2', type, market: 'on-demand' }, prices)))
      : hourlyPrice({ ...profile.instance, market: 'on-demand' }, prices);
  const { bootSeconds, imagePullSeconds, idleSeconds } = profile.overhead;
  return {
    usdPerHour,
    overheadSeconds: bootSeconds + imagePullSeconds + idleSeconds,
    expectedTrialSeconds: profile.expectedTrialSeconds,
    minimumBilledSeconds: prices.minimumBilledSeconds,
    marginSeconds,
  };
}

/** The part of a trial record the accounting reads. */
export type SpendTrial = Pick<TrialRecord, 'number' | 'status' | 'startedAt' | 'finishedAt' | 'pastAttempts'>;

/** One trial's share: what it has spent, and what it will have spent if left alone. */
export interface TrialSpend {
  readonly number: number;
  /** `finished`: nothing more will be billed; `running`: a container runs now; `queued`: active, none started. */
  readonly state: 'finished' | 'running' | 'queued';
  readonly spentUsd: number;
  /** `spentUsd` plus the remaining expected run (running) or a whole expected run (queued). */
  readonly committedUsd: number;
  /** What it is committed to if killed now: a running container bills until the terminate lands (`marginSeconds`). */
  readonly killedUsd: number;
}

export interface CommittedSpend {
  /** Dollars billed so far, or certain to be billed for containers that have started. */
  readonly spentUsd: number;
  /** `spentUsd` plus what running and queued trials are expected to add. */
  readonly committedUsd: number;
  readonly trials: readonly TrialSpend[];
}

/**
 * What a search's trials have spent and committed, at `now`. Each container that started costs its
 * overhead plus its run, billed per second with the minimum; a container that never started costs nothing
 * (a job cancelled while RUNNABLE launched no instance of its own).
 *
 * @example
 * const { committedUsd } = committedSpend(trials, trialPricing('train'), new Date());
 */
export function committedSpend(trials: readonly SpendTrial[], pricing: TrialPricing, now: Date): CommittedSpend {
  const shares = trials.map((trial) => trialSpend(trial, pricing, now));
  return {
    spentUsd: sum(shares.map((share) => share.spentUsd)),
    committedUsd: sum(shares.map((share) => share.committedUsd)),
    trials: shares,
  };
}

function trialSpend(trial: SpendTrial, pricing: TrialPricing, now: Date): TrialSpend {
  const usd = (seconds: number) => (billed(seconds, pricing) / 3600) * pricing.usdPerHour;
  const container = (runSeconds: number) => usd(pricing.overheadSeconds + runSeconds);
  const past = sum((trial.pastAttempts ?? []).map((span) => (span.startedAt ? container(secondsBetween(span.startedAt, span.endedAt)) : 0)));
  const nowMs = now.getTime();
  if (!isActiveTrial(trial.status)) {
    const ran = trial.startedAt ? container(secondsBetween(trial.startedAt, trial.finishedAt ?? now.toISOString())) : 0;
    return { number: trial.number, state: 'finished', spentUsd: past + ran, committedUsd: past + ran, killedUsd: past + ran };
  }
  if (trial.startedAt) {
    const elapsed = Math.max(0, (nowMs - Date.parse(trial.startedAt)) / 1000);
    const remaining = Math.max(pricing.expectedTrialSeconds - elapsed, pricing.marginSeconds);
    return {
      number: trial.number,
      state: 'running',
      spentUsd: past + container(elapsed),
      committedUsd: past + container(elapsed + remaining),
      killedUsd: past + container(elapsed + pricing.marginSeconds),
    };
  }
  return { number: trial.number, state: 'queued', spentUsd: past, committedUsd: past + newContainerUsd(pricing), killedUsd: past };
}

/** What one container not yet started is committed to: overhead and a whole expected run (at least the margin). */
export function newContainerUsd(pricing: TrialPricing): number {
  return (billed(pricing.overheadSeconds + Math.max(pricing.expectedTrialSeconds, pricing.marginSeconds), pricing) / 3600) * pricing.usdPerHour;
}

/** Everything `capVerdict` weighs. */
export interface CapInput {
  /** `budget.maxCostUsd`. */
  readonly maxCostUsd: number;
  /** The trials not yet folded into the search's record (all of them, without a ledger). */
  readonly trials: readonly SpendTrial[];
  readonly pricing: TrialPricing;
  readonly now: Date;
  /** Dollars of trials folded into the search record already (`TrialLedger.spentUsd`). @default 0 */
  readonly foldedSpentUsd?: number;
}

export interface CapVerdict {
  readonly spentUsd: number;
  /** Committed spend before any kill. */
  readonly committedUsd: number;
  /** Committed spend once the trials in `kill` are stopped. */
  readonly committedAfterKillsUsd: number;
  /** How many more trials may start (each committed to `newContainerUsd`) without passing the cap. */
  readonly startable: number;
  /**
   * Active trials to kill now, queued ones first (they have cost nothing), then running ones with the most
   * committed spend still ahead of them; only as many as bring the committed spend back under the cap.
   */
  readonly kill: readonly number[];
  /** No trial may start: the search ends `BudgetExhausted` once its active trials are done. */
  readonly exhausted: boolean;
  /** Why, in words, for the trials killed and the search's end: names the amounts. */
  readonly message: string;
}

/**
 * The controller's hard-cap decision for one tick: which active trials to kill, how many new ones may
 * start. Called every tick with every unfolded trial; the invariant it keeps (property-tested): if the
 * controller applies it and looks again within `pricing.marginSeconds`, what the search has actually been
 * billed never exceeds `maxCostUsd` — unless it already did when the controller looked (only a container
 * running past its margin between two looks can do that).
 *
 * @example
 * const verdict = capVerdict({ maxCostUsd, trials, pricing: trialPricing(kind), now });
 * for (const n of verdict.kill) await kill(n, verdict.message);
 * const slots = Math.min(freeSlots, verdict.startable);
 * if (verdict.exhausted && noActiveTrials) finish('BudgetExhausted');
 */
export function capVerdict(input: CapInput): CapVerdict {
  const { maxCostUsd, pricing, now } = input;
  if (!(maxCostUsd > 0)) throw new RangeError(`maxCostUsd must be > 0, got ${maxCostUsd}`);
  const folded = input.foldedSpentUsd ?? 0;
  const spend = committedSpend(input.trials, pricing, now);
  const spentUsd = folded + spend.spentUsd;
  const committedUsd = folded + spend.committedUsd;
  // Kill order: queued before running; among each, the most committed spend still ahead first, then the newest.
  const candidates = spend.trials
    .filter((share) => share.state !== 'finished')
    .sort((a, b) => rank(a) - rank(b) || b.committedUsd - b.killedUsd - (a.committedUsd - a.killedUsd) || b.number - a.number);
  const kill: number[] = [];
  let after = committedUsd;
  for (const share of candidates) {
    if (after <= maxCostUsd + EPSILON_USD) break;
    kill.push(share.number);
    after -= share.committedUsd - share.killedUsd;
  }
  const perTrial = newContainerUsd(pricing);
  const room = maxCostUsd - after;
  const startable = perTrial <= 0 ? Number.POSITIVE_INFINITY : Math.max(0, Math.floor(room / perTrial + 1e-9));
  const amounts = `spent $${spentUsd.toFixed(2)}, committed $${committedUsd.toFixed(2)} of maxCostUsd $${maxCostUsd.toFixed(2)}`;
  const message =
    kill.length > 0
      ? `BudgetExhausted: ${amounts}; stopping ${kill.length} trial${kill.length === 1 ? '' : 's'} to stay within it`
      : startable === 0
        ? `BudgetExhausted: ${amounts}; no room for another trial ($${perTrial.toFixed(2)} each)`
        : `within budget: ${amounts}`;
  return { spentUsd, committedUsd, committedAfterKillsUsd: after, startable, kill, exhausted: startable === 0, message };
}

/** Float slack: a committed spend equal to the cap, give or take rounding, is within it. */
const EPSILON_USD = 1e-9;

const rank = (share: TrialSpend) => (share.state === 'queued' ? 0 : 1);

function billed(seconds: number, pricing: TrialPricing): number {
  return seconds <= 0 ? 0 : Math.max(Math.ceil(seconds), pricing.minimumBilledSeconds);
}

function secondsBetween(from: string, to: string): number {
  return Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
