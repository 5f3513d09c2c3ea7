import { orientedScore } from '../../search/summaries.js';
import type { TrialRecord } from '../../search/records.js';
import type { Objective } from '../../search/spec.js';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A search's progress along one axis: every succeeded trial's value, and the best value so far at each. */
export interface Progress {
  readonly trials: readonly Point[];
  readonly bestSoFar: readonly Point[];
}

function progress(trials: readonly TrialRecord[], objective: Objective, xOf: (trial: TrialRecord) => number): Progress {
  const scored = trials
    .flatMap((trial) => {
      const score = orientedScore(trial, objective);
      return score === undefined ? [] : [{ x: xOf(trial), y: trial.metrics![objective.metric]!, score }];
    })
    .sort((a, b) => a.x - b.x);
  let best: (typeof scored)[number] | undefined;
  const bestSoFar = scored.map((point) => {
    if (!best || point.score > best.score) best = point;
    return { x: point.x, y: best.y };
  });
  return { trials: scored.map(({ x, y }) => ({ x, y })), bestSoFar };
}

/** Progress over trial numbers: how many evaluations the strategy needed. */
export function progressByTrialNumber(trials: readonly TrialRecord[], objective: Objective): Progress {
  return progress(trials, objective, (trial) => trial.number);
}

/**
 * Progress over the search's own clock: a trial counts from when it finished, i.e. when it was proposed
 * (`startOffsetSeconds`) plus its training time. For benchmark trials that clock is simulated.
 */
export function progressBySearchTime(trials: readonly TrialRecord[], objective: Objective): Progress {
  return progress(trials, objective, (trial) => trial.startOffsetSeconds + (trial.costSeconds ?? 0));
}
