import type { BestTrial, TrialRecord } from './records.js';
import { countTrials, type TrialStatusCounters } from './trial-counters.js';
import type { Objective } from './spec.js';

export interface SearchSummary {
  readonly trialStatusCounters: TrialStatusCounters;
  readonly best?: BestTrial;
  readonly elapsedSeconds: number;
  readonly trainingSeconds: number;
}

/** The objective value of a finished trial, oriented so that larger is better. */
export function orientedScore(trial: TrialRecord, objective: Objective): number | undefined {
  if (trial.status !== 'SUCCEEDED') return undefined;
  const value = trial.metrics?.[objective.metric];
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return objective.direction === 'maximize' ? value : -value;
}

/** All objective values of a finished trial, each oriented so that larger is better. */
export function orientedScores(trial: TrialRecord, objectives: readonly Objective[]): number[] | undefined {
  const scores = objectives.map((objective) => orientedScore(trial, objective));
  return scores.every((s): s is number => s !== undefined) ? scores : undefined;
}

/**
 * Everything the search record reports about its trials, derived from the trial records alone. Deriving
 * (rather than incrementing counters per event) is what makes accounting idempotent: a duplicated or
 * replayed event cannot count a trial twice.
 */
export function summarizeTrials(trials: readonly TrialRecord[], objective: Objective): SearchSummary {
  let best: { trial: TrialRecord; score: number } | undefined;
  let elapsedSeconds = 0;
  let trainingSeconds = 0;
  for (const trial of trials) {
    const score = orientedScore(trial, objective);
    if (score !== undefined && (!best || score > best.score)) best = { trial, score };
    if (trial.costSeconds !== undefined) {
      trainingSeconds += trial.costSeconds;
      elapsedSeconds = Math.max(elapsedSeconds, trial.startOffsetSeconds + trial.costSeconds);
    }
  }
  const summary = { trialStatusCounters: countTrials(trials), elapsedSeconds, trainingSeconds };
  if (!best) return summary;
  const { trial } = best;
  return {
    ...summary,
    best: { trialNumber: trial.number, arch: trial.arch, value: trial.metrics![objective.metric]!, metrics: trial.metrics! },
  };
}
