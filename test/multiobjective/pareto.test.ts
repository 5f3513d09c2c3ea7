import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crowdingDistance, dominates, hypervolume, nonDominatedSort } from '../../src/multiobjective/pareto.js';

describe('Pareto machinery (larger is better)', () => {
  it('sorts into fronts where nothing in a front is dominated by its own or a later front', () => {
    const points = [[1, 5], [2, 4], [3, 3], [1, 1], [2, 2], [0, 6], [0, 0]];
    expect(nonDominatedSort(points)).toEqual([[0, 1, 2, 5], [4], [3], [6]]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 30 }), (pts) => {
        const fronts = nonDominatedSort(pts);
        expect(fronts.flat().sort((a, b) => a - b)).toEqual(pts.map((_, i) => i));
        fronts.forEach((front, f) => {
          for (const p of front) for (const q of fronts.slice(f).flat()) expect(dominates(pts[q]!, pts[p]!)).toBe(false);
        });
      }),
      { seed: 3 },
    );
  });

  it('gives the extremes infinite crowding distance and prefers the lonelier point', () => {
    const points = [[0, 10], [1, 9], [2, 8], [8, 2], [10, 0]];
    const distance = crowdingDistance(points, [0, 1, 2, 3, 4]);
    expect(distance[0]).toBe(Infinity);
    expect(distance[4]).toBe(Infinity);
    expect(distance[3]!).toBeGreaterThan(distance[1]!);
  });

  it('computes hypervolume exactly', () => {
    expect(hypervolume([[1, 1]], [0, 0])).toBe(1);
    expect(hypervolume([[1, 2], [2, 1]], [0, 0])).toBe(3);
    expect(hypervolume([[1, 2], [2, 1], [0.5, 0.5]], [0, 0])).toBe(3);
    expect(hypervolume([[1, 1, 1], [2, 2, 0.5]], [0, 0, 0])).toBe(2.5);
    expect(hypervolume([[-1, 5]], [0, 0])).toBe(0);
  });
});
