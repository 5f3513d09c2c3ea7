import { Rng } from '../../src/random/rng.js';
import { nb201Space, type Nb201Cell } from '../../src/spaces/nb201.js';

/**
 * `count` distinct NB201 cells drawn with `seed`, with a made-up metric that follows from each cell's path
 * encoding (learnable, so a fit has something to find): training data for tests about fits, not benchmarks.
 */
export function nb201TrainingData(count: number, seed: number): { archs: Nb201Cell[]; targets: number[] } {
  const rng = Rng.fromSeed(seed);
  const cells = new Map<string, Nb201Cell>();
  while (cells.size < count) {
    const cell = nb201Space.sample(rng);
    cells.set(nb201Space.canonical(cell), cell);
  }
  const archs = [...cells.values()];
  return { archs, targets: archs.map((cell) => nb201Space.encode(cell, 'path').reduce((sum, x, i) => sum + x * Math.sin(i), 0)) };
}
