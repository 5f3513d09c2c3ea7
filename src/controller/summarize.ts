import type { BestTrial, TrialRecord, TrialStatus, TrialStatusCounters } from '../search/records.js';
import type { Objective } from '../search/spec.js';

const COUNTER_OF: Record<TrialStatus, keyof TrialStatusCounters> = {
  PENDING: 'pending',
  RUNNING: 'running',
  SUCCEEDED: 'succeeded',
  EARLY_STOPPED: 'earlyStopped',
  FAILED: 'failed',
  STALE: 'stale',
  KILLED: 'killed',
  INFEASIBLE: 'infeasible',
};

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
  const trialStatusCounters: TrialStatusCounters = {
    pending: 0, running: 0, succeeded: 0, earlyStopped: 0, failed: 0, stale: 0, killed: 0, infeasible: 0,
  };
  let best: { trial: TrialRecord; score: number } | undefined;
  let elapsedSeconds = 0;
  let trainingSeconds = 0;
  for (const trial of trials) {
    trialStatusCounters[COUNTER_OF[trial.status]]++;
    const score = orientedScore(trial, objective);
    if (score !== undefined && (!best || score > best.score)) best = { trial, score };
    if (trial.costSeconds !== undefined) {
      trainingSeconds += trial.costSeconds;
      elapsedSeconds = Math.max(elapsedSeconds, trial.startOffsetSeconds + trial.costSeconds);
    }
  }
  const summary = { trialStatusCounters, elapsedSeconds, trainingSeconds };
  if (!best) return summary;
  const { trial } = best;
  return {
    ...summary,
    best: { trialNumber: trial.number, arch: trial.arch, value: trial.metrics![objective.metric]!, metrics: trial.metrics! },
  };
}
