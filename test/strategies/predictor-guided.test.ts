import { beforeAll, describe, expect, it } from 'vitest';
import { loadNb201Table, type Nb201Table } from '../../src/evaluators/nb201-table.js';
import { Predictor } from '../../src/predictors/predictor.js';
import { fitResidualCorrection } from '../../src/predictors/residual-correction.js';
import { Rng } from '../../src/random/rng.js';
import { nb201Space, type Nb201Cell } from '../../src/spaces/nb201.js';
import { predictorGuided } from '../../src/strategies/predictor-guided.js';
import type { HistoryEntry } from '../../src/strategies/strategy.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';

/** Small and quick: these tests check what is proposed, not how well the predictor ranks. */
const PREDICTOR = { members: 2, hiddenLayers: [16], epochs: 5 };

let table: Nb201Table;
beforeAll(async () => {
  table = await loadNb201Table(BENCHMARKS_DIR);
});

const entry = (cell: Nb201Cell, score = table.lookup(nb201Space.format(cell))!.cifar10_valid_12!): HistoryEntry<Nb201Cell> => ({
  arch: cell, canonical: nb201Space.canonical(cell), status: 'SUCCEEDED', score,
});

/** `size` distinct random cells, finished with their NB201 scores. */
function finishedHistory(size: number, seed: number): HistoryEntry<Nb201Cell>[] {
  const rng = Rng.fromSeed(seed);
  const byCanonical = new Map<string, Nb201Cell>();
  while (byCanonical.size < size) {
    const cell = nb201Space.sample(rng);
    byCanonical.set(nb201Space.canonical(cell), cell);
  }
  return [...byCanonical.values()].map((cell) => entry(cell));
}

const propose = (overrides: Record<string, unknown>, history: readonly HistoryEntry<Nb201Cell>[], count: number) => {
  const params = predictorGuided.params.parse({ predictor: PREDICTOR, ...overrides });
  return predictorGuided.propose({ space: nb201Space, params, state: predictorGuided.init(params, 1), history, count });
};

describe('predictor-guided', () => {
  it.each([
    ['reading cost features by default', PREDICTOR, true],
    ['or without them when asked', { ...PREDICTOR, costFeatures: false }, false],
  ])('proposes the unseen neighbour of the best architecture that its predictor rates highest (UCB, beta 0), %s', async (_, predictorOptions, costFeatures) => {
    const history = finishedHistory(14, 2);
    const { candidates, parents } = await propose({ acquisition: 'ucb', beta: 0, parents: 1, poolSize: 1000, refitEvery: 1, predictor: predictorOptions }, history, 1);

    const best = history.reduce((a, b) => (b.score! > a.score! ? b : a));
    const seen = new Set(history.map((h) => h.canonical));
    const neighbours = nb201Space.neighbours(best.arch).filter((cell) => !seen.has(nb201Space.canonical(cell)));
    // The predictor it must have used: every finished trial, seed 0, the strategy's options.
    const predictor = Predictor.train({
      space: nb201Space, archs: history.map((h) => h.arch), targets: history.map((h) => h.score!), seed: 0, options: { ...PREDICTOR, costFeatures, holdOutFraction: 0 },
    });
    const means = predictor.predict(neighbours).map((p) => p.mean);
    predictor.dispose();
    const favourite = neighbours[means.indexOf(Math.max(...means))]!;
    expect(nb201Space.canonical(candidates[0]!)).toBe(nb201Space.canonical(favourite));
    expect(parents).toEqual([history.indexOf(best)]);
  });

  it('with `ascentSteps`, follows its predictor uphill from the favourite neighbour and proposes where the climb ends', async () => {
    const history = finishedHistory(14, 2);
    const { candidates, parents } = await propose({ acquisition: 'ucb', beta: 0, parents: 1, poolSize: 1000, refitEvery: 1, ascentSteps: 3 }, history, 1);

    const best = history.reduce((a, b) => (b.score! > a.score! ? b : a));
    const seen = new Set(history.map((h) => h.canonical));
    const predictor = Predictor.train({
      space: nb201Space, archs: history.map((h) => h.arch), targets: history.map((h) => h.score!), seed: 0, options: { ...PREDICTOR, costFeatures: true, holdOutFraction: 0 },
    });
    const favourite = (cells: Nb201Cell[]) => {
      const means = predictor.predict(cells).map((p) => p.mean);
      const top = means.indexOf(Math.max(...means));
      return { cell: cells[top]!, mean: means[top]! };
    };
    const unseenNeighbours = (cell: Nb201Cell) => nb201Space.neighbours(cell).filter((c) => !seen.has(nb201Space.canonical(c)));
    let climb = favourite(unseenNeighbours(best.arch));
    const start = climb.cell;
    for (let step = 0; step < 3; step++) {
      const next = favourite(unseenNeighbours(climb.cell));
      if (next.mean <= climb.mean) break;
      climb = next;
    }
    predictor.dispose();
    // The climb went somewhere, or this test would not tell the option from its absence.
    expect(nb201Space.canonical(climb.cell)).not.toBe(nb201Space.canonical(start));
    expect(nb201Space.canonical(candidates[0]!)).toBe(nb201Space.canonical(climb.cell));
    expect(parents).toEqual([history.indexOf(best)]);
  });

  it('with `residualCorrection`, ranks by the predictor mean plus a Gaussian process fit to its errors on the `top` best trials, even those since the last refit', async () => {
    const history = finishedHistory(16, 7);
    const correction = { top: 6, lengthScale: 2, noise: 0.01 };
    // refitEvery 10: the predictor learnt the first 10 trials only, the correction every finished one.
    const propose1 = (extra: Record<string, unknown>) => propose({ acquisition: 'ucb', beta: 0, parents: 1, poolSize: 1000, refitEvery: 10, ...extra }, history, 1);
    const [corrected, plain] = await Promise.all([propose1({ residualCorrection: correction }), propose1({})]);

    const predictor = Predictor.train({
      space: nb201Space, archs: history.slice(0, 10).map((h) => h.arch), targets: history.slice(0, 10).map((h) => h.score!), seed: 0, options: { ...PREDICTOR, costFeatures: true, holdOutFraction: 0 },
    });
    const best = [...history].sort((a, b) => b.score! - a.score!).slice(0, correction.top);
    const predictedBest = predictor.predict(best.map((h) => h.arch));
    const correct = fitResidualCorrection({
      encodings: best.map((h) => nb201Space.encode(h.arch, 'adjacency')),
      residuals: best.map((h, i) => h.score! - predictedBest[i]!.mean),
      lengthScale: correction.lengthScale,
      noise: correction.noise,
    });
    const seen = new Set(history.map((h) => h.canonical));
    const neighbours = nb201Space.neighbours(best[0]!.arch).filter((cell) => !seen.has(nb201Space.canonical(cell)));
    const means = predictor.predict(neighbours).map((p) => p.mean);
    predictor.dispose();
    const rated = means.map((mean, i) => mean + correct(nb201Space.encode(neighbours[i]!, 'adjacency')));
    const favourite = (scores: number[]) => nb201Space.canonical(neighbours[scores.indexOf(Math.max(...scores))]!);
    // The correction changed the pick, or this test would not tell the option from its absence.
    expect(favourite(rated)).not.toBe(favourite(means));
    expect(nb201Space.canonical(corrected.candidates[0]!)).toBe(favourite(rated));
    expect(nb201Space.canonical(plain.candidates[0]!)).toBe(favourite(means));
  });

  it('draws a batch of distinct neighbours of the `parents` best, each with its parent for lineage', async () => {
    const history = finishedHistory(12, 3);
    const { candidates, parents } = await propose({ parents: 3 }, history, 8);
    const top = [...history].sort((a, b) => b.score! - a.score!).slice(0, 3);
    expect(new Set(candidates.map(nb201Space.canonical)).size).toBe(8);
    candidates.forEach((cell, i) => {
      const parent = history[parents![i]!]!;
      expect(top).toContain(parent);
      expect(nb201Space.neighbours(parent.arch).map(nb201Space.canonical)).toContain(nb201Space.canonical(cell));
    });
  });

  it('refits only every `refitEvery` finished trials: results since the last refit leave its predictor unchanged', async () => {
    // 10 random trials, then 5 more that finished badly (none becomes a parent). With refitEvery 10 the
    // predictor has learnt only the first 10, so how badly the other 5 did makes no difference.
    const history = finishedHistory(15, 4);
    const worse = history.map((h, i) => (i < 10 ? h : entry(h.arch, h.score! - 50)));
    const params = { acquisition: 'ucb', beta: 0, parents: 3, refitEvery: 10 };
    const [a, b] = await Promise.all([propose(params, history.map((h, i) => (i < 10 ? h : entry(h.arch, h.score! - 40))), 3), propose(params, worse, 3)]);
    expect(a.candidates).toEqual(b.candidates);
  });

  it('proposes at random until `initialRandom` trials have finished, and only then asks the predictor', async () => {
    const history = finishedHistory(12, 5);
    // 9 of 12 finished: random draws, derived from no trial.
    const running = history.map((h, i) => (i < 3 ? { arch: h.arch, canonical: h.canonical, status: 'RUNNING' as const } : h));
    const early = await propose({ initialRandom: 10 }, running, 5);
    expect(early.candidates).toHaveLength(5);
    expect(early.parents?.filter((p) => p !== undefined) ?? []).toEqual([]);
    // One more finished: every candidate is a neighbour of a finished trial.
    const later = await propose({ initialRandom: 10 }, running.map((h, i) => (i === 0 ? history[0]! : h)), 5);
    expect(later.parents?.filter((p) => p !== undefined)).toHaveLength(5);
  });
});
