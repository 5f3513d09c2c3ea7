import { z } from 'zod';
import { independentThompson, ucb } from '../predictors/acquisition.js';
import { PredictorOptionsSchema } from '../predictors/predictor-options.js';
import { trainPredictor } from '../predictors/predictor.js';
import { Rng, type RngState } from '../random/rng.js';
import { drawUnseen, proposedSet } from './history.js';
import type { Strategy } from './strategy.js';

/**
 * Predictor-guided search, after BANANAS (White, Neiswanger, Savani, AAAI 2021): once `initialRandom`
 * architectures have finished, each proposal trains an ensemble predictor on every finished trial, builds
 * a pool of candidates by mutating the best architectures so far, and proposes the candidates the
 * acquisition function ranks highest (independent Thompson sampling by default, or UCB).
 *
 * Deviation: the predictor is retrained from scratch on each call rather than updated, so that the
 * strategy stays stateless between controller ticks (its state is only the RNG); the cost is one small
 * ensemble fit per proposal, which is cheap next to a training job.
 */
const params = z.strictObject({
  /** Random architectures evaluated before the predictor takes over. */
  initialRandom: z.int().min(2).max(1000).default(10),
  /** Candidates scored per proposal, made by mutating the best architectures so far. */
  poolSize: z.int().min(1).max(10_000).default(100),
  /** How many of the best architectures the pool is mutated from. */
  parents: z.int().min(1).max(1000).default(10),
  acquisition: z.enum(['thompson', 'ucb']).default('thompson'),
  /** Optimism of UCB: mean + beta x std. */
  beta: z.number().min(0).max(100).default(1),
  predictor: PredictorOptionsSchema.prefault({}),
});
type PredictorGuidedParams = z.infer<typeof params>;
interface PredictorGuidedState {
  readonly rng: RngState;
}

const MAX_DRAWS_PER_CANDIDATE = 100;

export const predictorGuided: Strategy<PredictorGuidedParams, PredictorGuidedState> = {
  name: 'predictor-guided',
  description: 'BANANAS-like: a neural predictor ensemble ranks mutations of the best architectures (White et al. 2021)',
  params,
  init: (_params, seed) => ({ rng: Rng.fromSeed(seed).state() }),
  propose({ space, params, state, history, count }) {
    const rng = Rng.fromState(state.rng);
    const seen = proposedSet(history);
    const finished = history.filter((entry) => entry.score !== undefined);
    const atRandom = (n: number) => drawUnseen(space, seen, n, MAX_DRAWS_PER_CANDIDATE, () => space.sample(rng));
    if (finished.length < params.initialRandom) return { state: { rng: rng.state() }, candidates: atRandom(count) };

    const best = [...finished].sort((a, b) => b.score! - a.score!).slice(0, params.parents);
    // The pool is only scored: drawn against a copy of `seen`, so that what is not proposed stays proposable.
    const pool = drawUnseen(space, new Set(seen), params.poolSize, MAX_DRAWS_PER_CANDIDATE, () => space.mutate(rng.pick(best).arch, rng));
    const candidates: ReturnType<typeof space.sample>[] = [];
    if (pool.length > 0) {
      const predictor = trainPredictor({
        space,
        archs: finished.map((entry) => entry.arch),
        targets: finished.map((entry) => entry.score!),
        seed: rng.int(0, 2 ** 31 - 1),
        options: { ...params.predictor, holdOutFraction: 0 },
      });
      try {
        const predictions = predictor.predict(pool);
        const scores =
          params.acquisition === 'thompson' ? independentThompson(predictions, rng) : predictions.map((p) => ucb(p.mean, p.std, params.beta));
        const ranked = pool.map((arch, i) => ({ arch, score: scores[i]! })).sort((a, b) => b.score - a.score);
        const chosen = ranked.slice(0, count).map(({ arch }) => arch);
        for (const arch of chosen) seen.add(space.canonical(arch));
        candidates.push(...chosen);
      } finally {
        predictor.dispose();
      }
    }
    // A pool smaller than the request (a nearly exhausted neighbourhood) is topped up at random.
    candidates.push(...atRandom(count - candidates.length));
    return { state: { rng: rng.state() }, candidates };
  },
};
