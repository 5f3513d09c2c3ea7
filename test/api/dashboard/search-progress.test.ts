import { describe, expect, it } from 'vitest';
import { progressBySearchTime, progressByTrialNumber } from '../../../src/api/dashboard/search-progress.js';
import type { Objective } from '../../../src/search/spec.js';
import { newTrial } from '../../helpers/records.js';

const ACCURACY: Objective = { metric: 'acc', direction: 'maximize' };
const LATENCY: Objective = { metric: 'ms', direction: 'minimize' };

const succeeded = (number: number, metrics: Record<string, number>, startOffsetSeconds = 0, costSeconds = 100) =>
  newTrial('S', number, { status: 'SUCCEEDED', metrics, startOffsetSeconds, costSeconds });

describe('progressByTrialNumber', () => {
  const trials = [
    succeeded(3, { acc: 80, ms: 5 }),
    succeeded(1, { acc: 70, ms: 9 }),
    newTrial('S', 2, { status: 'FAILED', error: { message: 'out of memory', retryable: false } }),
    newTrial('S', 4, { status: 'RUNNING' }),
    succeeded(5, { acc: 75, ms: 3 }),
    succeeded(6, { acc: 90, ms: 7 }),
  ];

  it('plots every succeeded trial, in trial number order, and nothing else', () => {
    expect(progressByTrialNumber(trials, ACCURACY).trials).toEqual([
      { x: 1, y: 70 },
      { x: 3, y: 80 },
      { x: 5, y: 75 },
      { x: 6, y: 90 },
    ]);
  });

  it('keeps the best value so far in the objective direction', () => {
    expect(progressByTrialNumber(trials, ACCURACY).bestSoFar.map((p) => p.y)).toEqual([70, 80, 80, 90]);
    expect(progressByTrialNumber(trials, LATENCY).bestSoFar.map((p) => p.y)).toEqual([9, 5, 3, 3]);
  });

  it('is empty before any trial succeeded', () => {
    expect(progressByTrialNumber([newTrial('S', 1)], ACCURACY)).toEqual({ trials: [], bestSoFar: [] });
  });
});

describe('progressBySearchTime', () => {
  it('places each trial when it finished on the search clock, so a late-numbered trial can come first', () => {
    const trials = [succeeded(1, { acc: 90 }, 0, 500), succeeded(2, { acc: 60 }, 0, 50), succeeded(3, { acc: 70 }, 60, 100)];
    const progress = progressBySearchTime(trials, ACCURACY);
    expect(progress.trials).toEqual([
      { x: 50, y: 60 },
      { x: 160, y: 70 },
      { x: 500, y: 90 },
    ]);
    expect(progress.bestSoFar.map((p) => p.y)).toEqual([60, 70, 90]);
  });
});
