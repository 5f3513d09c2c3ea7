import type { Nb201Table } from '../../src/evaluators/nb201-table.js';
import { Rng } from '../../src/random/rng.js';
import { nb201Space, type Nb201Cell } from '../../src/spaces/nb201.js';

export interface LabelledArchs {
  readonly archs: Nb201Cell[];
  readonly targets: number[];
}

/**
 * Seed `seed`'s disjoint draw of distinct NB201 cells: `heldOutSize` for scoring, then `poolSize` training
 * candidates of which a run takes the first `size`, so that with one seed a larger training set contains
 * the smaller ones and every size is scored on the same held-out architectures.
 */
export function nb201Split(table: Nb201Table, metric: string, seed: number, heldOutSize: number, poolSize: number) {
  const rng = Rng.fromSeed(seed);
  const seen = new Set<string>();
  const archs: Nb201Cell[] = [];
  while (archs.length < heldOutSize + poolSize) {
    const cell = nb201Space.sample(rng);
    const name = nb201Space.format(cell);
    if (!seen.has(name)) archs.push(cell);
    seen.add(name);
  }
  const label = (cells: Nb201Cell[]): LabelledArchs => ({
    archs: cells,
    targets: cells.map((cell) => table.lookup(nb201Space.format(cell))![metric]!),
  });
  const pool = label(archs.slice(heldOutSize));
  return {
    heldOut: label(archs.slice(0, heldOutSize)),
    training: (size: number): LabelledArchs => ({ archs: pool.archs.slice(0, size), targets: pool.targets.slice(0, size) }),
  };
}
