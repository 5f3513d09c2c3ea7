import { beforeAll, describe, expect, it } from 'vitest';
import { simulateSearch } from '../../src/benchmarking/simulate-search.js';
import { loadNb201Table, type Nb201Table } from '../../src/evaluators/nb201-table.js';
import { Rng } from '../../src/random/rng.js';
import { nb201Space, type Nb201Cell } from '../../src/spaces/nb201.js';
import { shippedPolicies } from '../../src/local/shipped-policies.js';
import { getStrategy, STRATEGY_NAMES } from '../../src/strategies/registry.js';
import type { HistoryEntry } from '../../src/strategies/strategy.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';

let table: Nb201Table;
beforeAll(async () => {
  table = await loadNb201Table(BENCHMARKS_DIR);
});

const accuracy = (cell: Nb201Cell) => table.lookup(nb201Space.format(cell))!.cifar10_valid_12!;
const evaluate = async (cells: readonly Nb201Cell[]) =>
  cells.map((cell) => ({ score: accuracy(cell), reported: accuracy(cell), costSeconds: 1 }));

/** The policies `rl` runs on here: those shipped with the product. */
const policies = [shippedPolicies()];

/** The Strategy contract, on every registered strategy, over the real NB201 table. */
describe.each(STRATEGY_NAMES)('strategy %s', (name) => {
  const strategy = getStrategy(name);
  // The predictor-guided strategy trains an ensemble every 10 finished trials: a small, quick one keeps the suite fast.
  const params = strategy.params.parse(name === 'predictor-guided' ? { predictor: { members: 2, epochs: 10, hiddenLayers: [16] } } : {});
  const run = (seed: number, maxQueries: number) =>
    simulateSearch({ space: nb201Space, strategy, params, seed, maxQueries, evaluate, policies });

  it('repeats exactly for a seed', async () => {
    expect((await run(3, 60)).map((p) => p.arch)).toEqual((await run(3, 60)).map((p) => p.arch));
  });

  it('never proposes an architecture twice and improves monotonically', async () => {
    const queries = name === 'predictor-guided' ? 40 : 150;
    const trajectory = await run(4, queries);
    expect(trajectory).toHaveLength(queries);
    for (let i = 1; i < trajectory.length; i++) expect(trajectory[i]!.bestScore).toBeGreaterThanOrEqual(trajectory[i - 1]!.bestScore);
  });

  it('proposes at most `count` unseen candidates, from JSON state, without touching its input', async () => {
    let state = JSON.parse(JSON.stringify(strategy.init(params, 9)));
    const history: HistoryEntry<Nb201Cell>[] = [];
    for (let round = 0; round < 8; round++) {
      const frozen = JSON.stringify({ state, history });
      const { state: next, candidates } = await strategy.propose({ space: nb201Space, params, state, history, count: 4, policies });
      expect(JSON.stringify({ state, history })).toBe(frozen);
      expect(candidates.length).toBeLessThanOrEqual(4);
      const seen = new Set(history.map((h) => h.canonical));
      for (const cell of candidates) {
        expect(seen.has(nb201Space.canonical(cell))).toBe(false);
        seen.add(nb201Space.canonical(cell));
        history.push({ arch: cell, canonical: nb201Space.canonical(cell), status: 'SUCCEEDED', score: accuracy(cell) });
      }
      state = JSON.parse(JSON.stringify(next));
    }
    expect(history.length).toBeGreaterThan(4);
  });

  it('rejects unknown params', () => {
    expect(strategy.params.safeParse({ noSuchParam: 1 }).success).toBe(false);
  });
});

describe('strategy behaviour', () => {
  const convCount = (cell: Nb201Cell) => cell.filter((op) => op === 'nor_conv_3x3').length;
  const countConvs = async (cells: readonly Nb201Cell[]) =>
    cells.map((cell) => ({ score: convCount(cell), reported: convCount(cell), costSeconds: 1 }));

  it('local search climbs a unimodal landscape to its optimum within a few neighbourhoods', async () => {
    const trajectory = await simulateSearch({
      space: nb201Space, strategy: getStrategy('local-search'), params: {}, seed: 1, maxQueries: 6 * 24 + 1, evaluate: countConvs,
    });
    expect(trajectory.at(-1)!.bestScore).toBe(6);
  });

  it('random walk moves one edit at a time', async () => {
    const walk = getStrategy('random-walk');
    const { candidates } = await walk.propose({ space: nb201Space, params: {}, state: walk.init({}, 2), history: [], count: 10 });
    for (let i = 1; i < candidates.length; i++) {
      const changed = candidates[i]!.filter((op: string, k: number) => op !== candidates[i - 1]![k]).length;
      expect(changed).toBe(1);
    }
  });

  it('evolution mutates tournament winners once its population is in', async () => {
    const strategy = getStrategy('evolution');
    const params = strategy.params.parse({ populationSize: 5, sampleSize: 5 });
    const rng = Rng.fromSeed(2);
    const history: HistoryEntry<Nb201Cell>[] = Array.from({ length: 5 }, () => nb201Space.sample(rng)).map((cell) => ({
      arch: cell, canonical: nb201Space.canonical(cell), status: 'SUCCEEDED', score: accuracy(cell),
    }));
    // With the sample as large as the population, every child is a mutation of the single best member.
    const best = history.reduce((a, b) => (b.score! > a.score! ? b : a));
    const { candidates } = await strategy.propose({ space: nb201Space, params, state: strategy.init(params, 3), history, count: 3, policies });
    const bestNeighbours = new Set(nb201Space.neighbours(best.arch).map(nb201Space.canonical));
    for (const child of candidates) expect(bestNeighbours.has(nb201Space.canonical(child))).toBe(true);
  });
});
