import { describe, expect, it } from 'vitest';
import { averageRanks, kendallTau, spearman } from '../../src/predictors/rank-correlation.js';

describe('averageRanks', () => {
  it('gives tied values the mean of the ranks they span', () => {
    expect(averageRanks([10, 20, 20])).toEqual([1, 2.5, 2.5]);
    expect(averageRanks([3, 1, 2, 1])).toEqual([4, 1.5, 3, 1.5]);
  });
});

describe('spearman', () => {
  it('is 1 for the same order, -1 for the reverse, whatever the scale', () => {
    expect(spearman([1, 2, 3, 4], [10, 200, 3000, 40000])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('matches 1 - 6 sum(d^2) / (n (n^2 - 1)) without ties', () => {
    // d = [-1, 1, -1, 1, 0]: 1 - 6 * 4 / 120 = 0.8
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
  });

  it('correlates average ranks with ties on both sides', () => {
    // ranks [1, 2.5, 2.5, 4.5, 4.5] and [1.5, 1.5, 3.5, 3.5, 5]: covariance 7.25, variances 9 and 9
    expect(spearman([1, 2, 2, 3, 3], [1, 1, 2, 2, 3])).toBeCloseTo(7.25 / 9, 12);
    // ranks [1, 2.5, 2.5, 4] and [1, 3, 2, 4]: 4.5 / sqrt(4.5 * 5) = sqrt(0.9)
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(Math.sqrt(0.9), 12);
  });

  it('is undefined (NaN) for a constant side or fewer than two pairs', () => {
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearman([1], [2])).toBeNaN();
  });
});

describe('kendallTau', () => {
  it('counts concordant minus discordant pairs over all pairs without ties', () => {
    // 10 pairs, discordant: (1,2) and (3,4) -> (8 - 2) / 10
    expect(kendallTau([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.6, 12);
    expect(kendallTau([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('is tau-b with ties: (C - D) / sqrt((n0 - n1)(n0 - n2))', () => {
    // 6 pairs, one tied in a, C = 5, D = 0: 5 / sqrt(5 * 6)
    expect(kendallTau([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(5 / Math.sqrt(30), 12);
    // 10 pairs, 2 tied in a, 2 (others) tied in b, C = 6, D = 0: 6 / sqrt(8 * 8)
    expect(kendallTau([1, 2, 2, 3, 3], [1, 1, 2, 2, 3])).toBeCloseTo(0.75, 12);
  });

  it('is undefined (NaN) for a constant side and rejects unpaired samples', () => {
    expect(kendallTau([2, 2, 2], [1, 2, 3])).toBeNaN();
    expect(() => kendallTau([1, 2], [1])).toThrow(RangeError);
    expect(() => spearman([1, 2], [1])).toThrow(RangeError);
  });
});
