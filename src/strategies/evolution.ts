import { z } from 'zod';
import { Rng, type RngState } from '../random/rng.js';
import { drawUnseenDerived, recentFinished, SeenCanonicals } from './history.js';
import type { Strategy } from './strategy.js';

/**
 * Regularized (aging) evolution, Real, Aggarwal, Huang, Le, "Regularized Evolution for Image Classifier
 * Architecture Search" (AAAI 2019), Algorithm 1: fill a population with random architectures; then
 * repeatedly sample `sampleSize` members, mutate the best of the sample, and add the child while the
 * oldest member dies.
 *
 * The population is derived from the history: the `populationSize` most recent finished trials in trial
 * order (trials are numbered as they are proposed, so this is the queue of the paper, with failed trials
 * simply never joining). Defaults follow the REA setting of the NAS-Bench-201 paper (population 10,
 * sample 3); the paper's large-scale runs used 100 and 25.
 */
const params = z.strictObject({
  populationSize: z.int().min(2).max(10_000).default(10),
  sampleSize: z.int().min(1).max(10_000).default(3),
});
type EvolutionParams = z.infer<typeof params>;
interface EvolutionState {
  readonly rng: RngState;
}

const MAX_DRAWS_PER_CANDIDATE = 100;

export const evolution: Strategy<EvolutionParams, EvolutionState> = {
  name: 'evolution',
  description: 'Regularized (aging) evolution with tournament selection (Real et al. 2019)',
  params,
  init: (_params, seed) => ({ rng: Rng.fromSeed(seed).state() }),
  propose({ space, params, state, history, proposed, count }) {
    const rng = Rng.fromState(state.rng);
    const seen = SeenCanonicals.of({ history, proposed });
    const population = recentFinished(history, params.populationSize);
    const { candidates, parents } = drawUnseenDerived(space, seen, count, MAX_DRAWS_PER_CANDIDATE, (found) => {
      // Until the initial population is proposed (or while none of it has finished), draw at random.
      if (history.length + found < params.populationSize || population.length === 0) return { arch: space.sample(rng) };
      const tournament = rng.shuffle(population).slice(0, params.sampleSize);
      const parent = tournament.reduce((best, member) => (member.entry.score! > best.entry.score! ? member : best));
      return { arch: space.mutate(parent.entry.arch, rng), parent: parent.index };
    });
    return { state: { rng: rng.state() }, candidates, parents };
  },
};
