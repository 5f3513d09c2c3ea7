import { z } from 'zod';
import { Rng, type RngState } from '../random/rng.js';
import { SeenCanonicals } from './history.js';
import type { Strategy } from './strategy.js';

/**
 * Random walk: each candidate is a random one-edit neighbour of the previous one, whatever its score;
 * when every step from the current architecture leads somewhere already visited, the walk restarts from
 * a random architecture. The baseline that tells whether a strategy's moves are better than blind ones.
 */
const params = z.strictObject({});
type RandomWalkParams = z.infer<typeof params>;
interface RandomWalkState {
  readonly rng: RngState;
  /** String form of the architecture the walk stands on. */
  readonly current?: string;
}

/** Draws tried before a restart is taken as proof that the space is exhausted. */
const MAX_RESTARTS_PER_CANDIDATE = 100;

export const randomWalk: Strategy<RandomWalkParams, RandomWalkState> = {
  name: 'random-walk',
  description: 'Random walk over one-edit neighbours, restarting when stuck',
  params,
  init: (_params, seed) => ({ rng: Rng.fromSeed(seed).state() }),
  propose({ space, state, history, proposed, count }) {
    const rng = Rng.fromState(state.rng);
    const seen = SeenCanonicals.of({ history, proposed });
    let current = state.current === undefined ? undefined : space.parse(state.current);
    const candidates = [];
    for (let restarts = 0; candidates.length < count && restarts < count * MAX_RESTARTS_PER_CANDIDATE; ) {
      const steps = current === undefined ? [] : space.neighbours(current).filter((n) => !seen.has(space.canonical(n)));
      const next = steps.length > 0 ? rng.pick(steps) : space.sample(rng);
      if (steps.length === 0) restarts++;
      const canonical = space.canonical(next);
      if (seen.has(canonical)) continue;
      seen.add(canonical);
      candidates.push(next);
      current = next;
    }
    return { state: { rng: rng.state(), ...(current === undefined ? {} : { current: space.format(current) }) }, candidates };
  },
};
