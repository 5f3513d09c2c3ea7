import type { EpochObservation } from './records.js';
import type { TrialStatus } from './states.js';
import type { EarlyStoppingSpec } from './training-spec.js';

/**
 * The controller's early-stopping rules over learning curves. Pure: they judge one trial's curve against
 * the curves of the search's other trials, so the same rule runs wherever an epoch is reported (the job
 * asks right after recording the epoch, and never waits for a controller round trip).
 */

/** Whether a trial's training ends after the epoch just recorded, and why. */
export type EarlyStopVerdict = { readonly stop: false } | { readonly stop: true; readonly reason: string };

/** What a rule needs of one trial: its curve and whether it is still in the running. */
export interface CurveOf {
  readonly number: number;
  readonly status: TrialStatus;
  readonly curve?: readonly EpochObservation[];
}

/** Reads the selection metric from a curve, oriented so that larger is better. */
export type CurveScore = (observation: EpochObservation) => number | undefined;

export function curveScore(metric: string, direction: 'maximize' | 'minimize'): CurveScore {
  return (observation) => {
    const value = observation.metrics[metric];
    if (value === undefined || !Number.isFinite(value)) return undefined;
    return direction === 'maximize' ? value : -value;
  };
}

const CONTINUE: EarlyStopVerdict = { stop: false };

/** Trials whose curves count as evidence: failed or killed jobs say nothing about the architecture. */
function evidence(trials: readonly CurveOf[], number: number): CurveOf[] {
  return trials.filter((t) => t.number !== number && t.status !== 'FAILED' && t.status !== 'KILLED' && t.curve?.length);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Scores of a curve up to and including `epoch`. */
function scoresUpTo(curve: readonly EpochObservation[], epoch: number, score: CurveScore): number[] {
  return curve.filter((o) => o.epoch <= epoch).map(score).filter((s): s is number => s !== undefined);
}

/**
 * Median stopping rule, Golovin et al. 2017 (Google Vizier), as Katib's `medianstop`: after `startEpoch`,
 * stop a trial whose best score so far is strictly worse than the median of the other trials' running
 * averages at the same epoch, once at least `minTrialsRequired` other trials have reached that epoch.
 */
export function medianStop(
  settings: Extract<EarlyStoppingSpec, { algorithm: 'median' }>['settings'],
  trial: CurveOf,
  others: readonly CurveOf[],
  score: CurveScore,
): EarlyStopVerdict {
  const epoch = trial.curve?.at(-1)?.epoch ?? 0;
  if (epoch < settings.startEpoch) return CONTINUE;
  const best = Math.max(...scoresUpTo(trial.curve ?? [], epoch, score));
  const averages = evidence(others, trial.number)
    .filter((other) => (other.curve!.at(-1)!.epoch) >= epoch)
    .map((other) => scoresUpTo(other.curve!, epoch, score))
    .filter((scores) => scores.length > 0)
    .map((scores) => scores.reduce((a, b) => a + b, 0) / scores.length);
  if (averages.length < settings.minTrialsRequired || !Number.isFinite(best)) return CONTINUE;
  const threshold = median(averages);
  return best < threshold
    ? { stop: true, reason: `median rule at epoch ${epoch}: best ${format(best)} is below the median running average ${format(threshold)} of ${averages.length} trials` }
    : CONTINUE;
}

/**
 * Asynchronous successive halving, Li et al. 2020 (ASHA), in its stopping form (as Ray Tune's
 * `ASHAScheduler`): rungs at `minEpochs * reductionFactor^k`; a trial reaching a rung continues only if its
 * score there is at least the (1 - 1/reductionFactor) quantile of the scores recorded at that rung so far.
 * The first trials to reach a rung always continue: asynchrony trades a few late stops for no waiting.
 */
export function ashaStop(
  settings: Extract<EarlyStoppingSpec, { algorithm: 'asha' }>['settings'],
  trial: CurveOf,
  others: readonly CurveOf[],
  score: CurveScore,
  maxEpochs: number,
): EarlyStopVerdict {
  const last = trial.curve?.at(-1);
  if (!last || last.epoch >= maxEpochs || !isRung(last.epoch, settings)) return CONTINUE;
  const own = score(last);
  if (own === undefined) return CONTINUE;
  const recorded = evidence(others, trial.number)
    .map((other) => other.curve!.find((o) => o.epoch === last.epoch))
    .map((observation) => (observation ? score(observation) : undefined))
    .filter((s): s is number => s !== undefined);
  if (recorded.length === 0) return CONTINUE;
  const cutoff = quantile([...recorded, own], 1 - 1 / settings.reductionFactor);
  return own < cutoff
    ? { stop: true, reason: `ASHA rung at epoch ${last.epoch}: ${format(own)} is below the top-1/${settings.reductionFactor} cutoff ${format(cutoff)} of ${recorded.length + 1} trials` }
    : CONTINUE;
}

function isRung(epoch: number, settings: { minEpochs: number; reductionFactor: number }): boolean {
  for (let rung = settings.minEpochs; rung <= epoch; rung *= settings.reductionFactor) if (rung === epoch) return true;
  return false;
}

/** Linear-interpolation quantile (numpy's default), `q` in [0, 1]. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

function format(score: number): string {
  return Number(score.toPrecision(4)).toString();
}

/**
 * The search's rule applied to a trial that just recorded an epoch. A trial at its last epoch has nothing
 * left to save: it finishes, rather than being reported stopped after it trained in full.
 */
export function earlyStopVerdict(
  rule: EarlyStoppingSpec,
  trial: CurveOf,
  trials: readonly CurveOf[],
  score: CurveScore,
  maxEpochs: number,
): EarlyStopVerdict {
  if ((trial.curve?.at(-1)?.epoch ?? 0) >= maxEpochs) return CONTINUE;
  return rule.algorithm === 'median'
    ? medianStop(rule.settings, trial, trials, score)
    : ashaStop(rule.settings, trial, trials, score, maxEpochs);
}
