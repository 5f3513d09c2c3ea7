import { describe, expect, it } from 'vitest';
import { NStepAccumulator } from '../../../src/strategies/rl/n-step.js';

describe('n-step transitions', () => {
  it('sums n discounted rewards and bootstraps from the state n steps later', () => {
    const acc = new NStepAccumulator<string>(3, 0.5);
    expect(acc.push('s0', 0, 1, 's1')).toEqual([]);
    expect(acc.push('s1', 1, 2, 's2')).toEqual([]);
    expect(acc.push('s2', 2, 4, 's3')).toEqual([{ state: 's0', action: 0, reward: 1 + 0.5 * 2 + 0.25 * 4, next: 's3', discount: 0.125 }]);
    expect(acc.push('s3', 3, 8, 's4')).toEqual([{ state: 's1', action: 1, reward: 2 + 0.5 * 4 + 0.25 * 8, next: 's4', discount: 0.125 }]);
  });

  it('bootstraps the last steps from the state at truncation with their shorter horizons (never terminal)', () => {
    const acc = new NStepAccumulator<string>(3, 0.5);
    acc.push('s0', 0, 1, 's1');
    acc.push('s1', 1, 2, 's2');
    acc.push('s2', 2, 4, 's3');
    const tail = acc.truncate('s3');
    expect(tail).toEqual([
      { state: 's1', action: 1, reward: 2 + 0.5 * 4, next: 's3', discount: 0.25 },
      { state: 's2', action: 2, reward: 4, next: 's3', discount: 0.5 },
    ]);
    expect(acc.truncate('s3')).toEqual([]);
  });

  it('truncates an episode shorter than n', () => {
    const acc = new NStepAccumulator<string>(3, 0.9);
    acc.push('s0', 7, 1, 's1');
    expect(acc.truncate('s1')).toEqual([{ state: 's0', action: 7, reward: 1, next: 's1', discount: 0.9 }]);
  });
});
