import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/random/rng.js';
import { PrioritizedReplay } from '../../../src/strategies/rl/replay.js';

describe('prioritized replay', () => {
  it('samples in proportion to priority^alpha', () => {
    const replay = new PrioritizedReplay<string>({ capacity: 8, alpha: 0.6, beta: 0.4 });
    const priorities = [1, 2, 4, 8];
    priorities.forEach((p, i) => replay.add(`t${i}`, p));
    const total = priorities.reduce((s, p) => s + p ** 0.6, 0);
    priorities.forEach((p, i) => expect(replay.probability(i)).toBeCloseTo(p ** 0.6 / total, 10));

    const rng = Rng.fromSeed(1);
    const counts = new Map<string, number>();
    for (let round = 0; round < 2000; round++) for (const item of replay.sample(4, rng).items) counts.set(item, (counts.get(item) ?? 0) + 1);
    priorities.forEach((p, i) => expect(counts.get(`t${i}`)! / 8000).toBeCloseTo(p ** 0.6 / total, 1));
  });

  it('weights samples by (N·P(i))^-beta, normalised so the largest possible weight is 1', () => {
    const replay = new PrioritizedReplay<number>({ capacity: 4, alpha: 1, beta: 0.5 });
    [1, 3].forEach((p, i) => replay.add(i, p));
    const { indices, weights } = replay.sample(16, Rng.fromSeed(2));
    const raw = (i: number) => (2 * replay.probability(i)) ** -0.5;
    const maxWeight = raw(0); // the rarest transition has the largest weight
    indices.forEach((i, k) => expect(weights[k]).toBeCloseTo(raw(i) / maxWeight, 10));
    expect(new Set(indices)).toEqual(new Set([0, 1]));
    expect(Math.max(...weights)).toBeLessThanOrEqual(1);
  });

  it('gives new transitions the largest priority seen and lets the learner update priorities', () => {
    const replay = new PrioritizedReplay<number>({ capacity: 4, alpha: 1, beta: 0.4 });
    replay.add(0, 5);
    replay.add(1);
    expect(replay.probability(1)).toBeCloseTo(0.5, 10);
    replay.updatePriorities([1], [15]);
    expect(replay.probability(1)).toBeCloseTo(0.75, 10);
  });

  it('overwrites the oldest transition once full', () => {
    const replay = new PrioritizedReplay<number>({ capacity: 3, alpha: 0.6, beta: 0.4 });
    for (let i = 0; i < 5; i++) replay.add(i, 1);
    expect(replay.size).toBe(3);
    const seen = new Set(replay.sample(64, Rng.fromSeed(3)).items);
    expect(seen).toEqual(new Set([2, 3, 4]));
  });
});
