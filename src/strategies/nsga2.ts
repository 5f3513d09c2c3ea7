import { z } from 'zod';
import { crowdingDistance, nonDominatedSort } from '../multiobjective/pareto.js';
import { Rng, type RngState } from '../random/rng.js';
import { drawUnseenDerived, SeenCanonicals } from './history.js';
import type { HistoryEntry, Strategy } from './strategy.js';

/**
 * NSGA-II (Deb, Pratap, Agarwal, Meyarivan, IEEE TEC 2002) for every space, with the space's one-edit
 * mutation as the variation operator (as MOE/RNAS, Booysen & Bosman 2024, uses network morphisms).
 *
 * Steady-state deviation: instead of generations, each proposal re-derives the parent population from the
 * history — the `populationSize` best finished trials by (non-domination rank, crowding distance), which
 * is (mu + lambda) survival over everything evaluated so far — and fills each slot with a mutation of a
 * binary-tournament winner (lower rank wins; on a tie the less crowded, i.e. larger crowding distance).
 * The first population starts with the space's seed architectures where it has them (rnn: the RNN, GRU
 * and LSTM, as in MOE/RNAS), and is filled with samples.
 */
const params = z.strictObject({
  populationSize: z.int().min(2).max(10_000).default(20),
});
type Nsga2Params = z.infer<typeof params>;
interface Nsga2State {
  readonly rng: RngState;
}

interface Ranked<A> {
  readonly entry: HistoryEntry<A>;
  readonly rank: number;
  readonly crowding: number;
}

/** The surviving population: best `size` finished entries by rank, then crowding distance. */
export function survivors<A>(history: readonly HistoryEntry<A>[], size: number): Ranked<A>[] {
  const finished = history.filter((entry) => entry.scores !== undefined);
  const points = finished.map((entry) => entry.scores!);
  const ranked = nonDominatedSort(points).flatMap((front, rank) =>
    crowdingDistance(points, front).map((crowding, k) => ({ entry: finished[front[k]!]!, rank, crowding })),
  );
  return ranked.sort((a, b) => a.rank - b.rank || b.crowding - a.crowding).slice(0, size);
}

const MAX_DRAWS_PER_CANDIDATE = 100;

export const nsga2: Strategy<Nsga2Params, Nsga2State> = {
  name: 'nsga2',
  description: 'NSGA-II multi-objective evolution with one-edit mutations (Deb et al. 2002)',
  params,
  init: (_params, seed) => ({ rng: Rng.fromSeed(seed).state() }),
  propose({ space, params, state, history, proposed, count }) {
    const rng = Rng.fromState(state.rng);
    const seen = SeenCanonicals.of({ history, proposed });
    const population = survivors(history, params.populationSize);
    const seeds = (space.seeds?.() ?? []).filter((seed) => !seen.has(space.canonical(seed)));
    const { candidates, parents } = drawUnseenDerived(space, seen, count, MAX_DRAWS_PER_CANDIDATE, (found) => {
      if (history.length + found < params.populationSize || population.length === 0) return { arch: seeds.shift() ?? space.sample(rng) };
      const [a, b] = [rng.pick(population), rng.pick(population)];
      const winner = a.rank < b.rank || (a.rank === b.rank && a.crowding >= b.crowding) ? a : b;
      return { arch: space.mutate(winner.entry.arch, rng), parent: history.indexOf(winner.entry) };
    });
    return { state: { rng: rng.state() }, candidates, parents };
  },
};
