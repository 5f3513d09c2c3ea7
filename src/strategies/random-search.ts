import { z } from 'zod';
import { Rng, type RngState } from '../random/rng.js';
import { drawUnseen, SeenCanonicals } from './history.js';
import type { Strategy } from './strategy.js';

/**
 * Random search: uniform samples from the space, never repeating an architecture. The baseline every NAS
 * method must beat (Li & Talwalkar, "Random Search and Reproducibility for NAS", 2019).
 */
const params = z.strictObject({
  /** Samples drawn per requested candidate before the space is treated as exhausted. */
  maxDrawsPerCandidate: z.int().min(1).max(10_000).default(100),
});

type RandomSearchParams = z.infer<typeof params>;
interface RandomSearchState {
  readonly rng: RngState;
}

export const randomSearch: Strategy<RandomSearchParams, RandomSearchState> = {
  name: 'random',
  description: 'Uniform random sampling without repeats',
  params,
  init: (_params, seed) => ({ rng: Rng.fromSeed(seed).state() }),
  propose({ space, params, state, history, proposed, count }) {
    const rng = Rng.fromState(state.rng);
    const candidates = drawUnseen(space, SeenCanonicals.of({ history, proposed }), count, params.maxDrawsPerCandidate, () => space.sample(rng));
    return { state: { rng: rng.state() }, candidates };
  },
};
