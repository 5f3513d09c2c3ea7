import { describe, expect, it } from 'vitest';
import { independentThompson, ucb } from '../../src/predictors/acquisition.js';
import { Rng } from '../../src/random/rng.js';

describe('ucb', () => {
  it('adds beta standard deviations to the mean; beta 0 is greedy', () => {
    expect(ucb(90, 2, 1.5)).toBe(93);
    expect(ucb(90, 2, 0)).toBe(90);
  });
});

describe('independentThompson', () => {
  it('draws one value per candidate, exactly the mean when the ensemble agrees', () => {
    expect(independentThompson([{ mean: 1, std: 0 }, { mean: -2, std: 0 }], Rng.fromSeed(1))).toEqual([1, -2]);
  });

  it('repeats for a seed and differs across seeds', () => {
    const predictions = [{ mean: 90, std: 1 }, { mean: 91, std: 0.5 }];
    expect(independentThompson(predictions, Rng.fromSeed(3))).toEqual(independentThompson(predictions, Rng.fromSeed(3)));
    expect(independentThompson(predictions, Rng.fromSeed(3))).not.toEqual(independentThompson(predictions, Rng.fromSeed(4)));
  });

  it('samples N(mean, std^2)', () => {
    const draws = independentThompson(Array.from({ length: 20_000 }, () => ({ mean: 3, std: 2 })), Rng.fromSeed(7));
    const mean = draws.reduce((sum, d) => sum + d, 0) / draws.length;
    const std = Math.sqrt(draws.reduce((sum, d) => sum + (d - mean) ** 2, 0) / draws.length);
    // standard errors: 2 / sqrt(20000) = 0.014 for the mean, ~0.01 for the std
    expect(mean).toBeCloseTo(3, 1);
    expect(std).toBeCloseTo(2, 1);
    expect(draws.filter((d) => Math.abs(d - 3) < 2).length / draws.length).toBeCloseTo(0.6827, 1);
  });
});
