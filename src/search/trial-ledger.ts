import { dominates } from '../multiobjective/pareto.js';
import type { BestTrial, FrontPoint, OpenTrial, TrialLedger, TrialRecord } from './records.js';
import type { Objective } from './spec.js';
import { isActiveTrial } from './states.js';
import { orientedScore, orientedScores } from './summaries.js';
import { counterName, countTrials, TRIAL_COUNTER_NAMES, type TrialStatusCounters } from './trial-counters.js';

/** The aggregates on the search record that folding a trial changes. */
export interface SearchAggregates {
  readonly ledger: TrialLedger;
  readonly best?: BestTrial;
  readonly elapsedSeconds: number;
  readonly trainingSeconds: number;
}

export type { FrontPoint, OpenTrial, TrialLedger };

export function emptyLedger(): TrialLedger {
  return { folded: countTrials([]), spentUsd: 0, open: [], batch: [], front: [] };
}

/** The search's counters: folded trials plus the open ones as last seen. */
export function ledgerCounters(ledger: TrialLedger): TrialStatusCounters {
  const open = countTrials(ledger.open);
  return Object.fromEntries(TRIAL_COUNTER_NAMES.map((name) => [name, ledger.folded[name] + open[name]])) as TrialStatusCounters;
}

/** How many trials the search has: every trial is either folded or open. */
export function ledgerTrialCount(ledger: TrialLedger): number {
  return Object.values(ledger.folded).reduce((a, b) => a + b, 0) + ledger.open.length;
}

/**
 * `aggregates` with the finished `trial` folded in: counters, best trial, simulated makespan, training
 * seconds, spend, and the non-dominated front. Pure; the caller removes the trial from `open` in the same
 * record write.
 */
export function foldTrial(aggregates: SearchAggregates, trial: TrialRecord, objectives: readonly Objective[], spentUsd: number): SearchAggregates {
  if (isActiveTrial(trial.status)) throw new Error(`trial ${trial.number} is ${trial.status}: only finished trials are folded`);
  const { ledger } = aggregates;
  const folded = { ...ledger.folded };
  folded[counterName(trial.status)]++;
  let { best, elapsedSeconds, trainingSeconds } = aggregates;
  const objective = objectives[0]!;
  const score = orientedScore(trial, objective);
  const bestScore = best === undefined ? undefined : objective.direction === 'maximize' ? best.value : -best.value;
  // Ties keep the earlier trial, as a scan in trial order did.
  if (score !== undefined && (bestScore === undefined || score > bestScore || (score === bestScore && trial.number < best!.trialNumber))) {
    best = { trialNumber: trial.number, arch: trial.arch, value: trial.metrics![objective.metric]!, metrics: trial.metrics! };
  }
  if (trial.costSeconds !== undefined) {
    trainingSeconds += trial.costSeconds;
    elapsedSeconds = Math.max(elapsedSeconds, trial.startOffsetSeconds + trial.costSeconds);
  }
  const scores = orientedScores(trial, objectives);
  const failure =
    trial.status === 'FAILED' && (!ledger.firstFailure || trial.number < ledger.firstFailure.trialNumber)
      ? { firstFailure: { trialNumber: trial.number, message: trial.error?.message ?? 'no message' } }
      : {};
  const next: TrialLedger = {
    ...ledger,
    ...failure,
    folded,
    spentUsd: ledger.spentUsd + spentUsd,
    ...(scores ? { front: insertIntoFront(ledger.front, { trialNumber: trial.number, scores }), bounds: widen(ledger.bounds, scores) } : {}),
  };
  return { ledger: next, ...(best ? { best } : {}), elapsedSeconds, trainingSeconds };
}

/** The front with `point` added if nothing in it dominates `point`, and the members `point` dominates removed. */
export function insertIntoFront(front: readonly FrontPoint[], point: FrontPoint): readonly FrontPoint[] {
  if (front.some((member) => member.trialNumber === point.trialNumber || dominates(member.scores, point.scores))) return front;
  return [...front.filter((member) => !dominates(point.scores, member.scores)), point];
}

function widen(bounds: TrialLedger['bounds'], scores: readonly number[]): NonNullable<TrialLedger['bounds']> {
  if (!bounds) return { low: scores, high: scores };
  return { low: bounds.low.map((v, i) => Math.min(v, scores[i]!)), high: bounds.high.map((v, i) => Math.max(v, scores[i]!)) };
}

/**
 * The ledger of a search written before ledgers existed (or repaired): every finished trial folded, every
 * active one open. One full read of the trials, once per such search.
 */
export function ledgerFromTrials(
  trials: readonly TrialRecord[],
  objectives: readonly Objective[],
  spendOf: (trial: TrialRecord) => number,
): SearchAggregates & { readonly trialCount: number } {
  let aggregates: SearchAggregates = { ledger: emptyLedger(), elapsedSeconds: 0, trainingSeconds: 0 };
  const open: OpenTrial[] = [];
  for (const trial of trials) {
    if (isActiveTrial(trial.status)) open.push(openTrialOf(trial));
    else aggregates = foldTrial(aggregates, trial, objectives, spendOf(trial));
  }
  return { ...aggregates, ledger: { ...aggregates.ledger, open }, trialCount: trials.length };
}

export function openTrialOf(trial: TrialRecord): OpenTrial {
  const { number, status, startedAt, pastAttempts } = trial;
  return { number, status, ...(startedAt ? { startedAt } : {}), ...(pastAttempts?.length ? { pastAttempts } : {}) };
}
