import { z } from 'zod';
import { independentThompson, ucb } from '../predictors/acquisition.js';
import { PredictorOptionsSchema } from '../predictors/predictor-options.js';
import { correctNearTheBest, ResidualCorrectionSchema } from '../predictors/residual-correction.js';
import { TrainedPredictors } from '../predictors/trained-predictors.js';
import { Rng, type RngState } from '../random/rng.js';
import type { SearchSpace } from '../spaces/space.js';
import { drawUnseen, SeenCanonicals } from './history.js';
import type { HistoryEntry, Strategy } from './strategy.js';

/**
 * Predictor-guided search, after BANANAS (White, Neiswanger, Savani, AAAI 2021): once `initialRandom`
 * architectures have finished, an ensemble predictor learnt from the finished trials scores the unseen
 * one-edit neighbours of the `parents` best architectures (at most `poolSize` of them, drawn at random),
 * and the candidates the acquisition function ranks highest are proposed (independent Thompson sampling
 * by default, or UCB), each after a climb of up to `ascentSteps` further edits in the predictor.
 *
 * The predictor is refitted from scratch every `refitEvery` finished trials, on the first finished trials
 * in trial order up to the last multiple, so it is a function of the history alone: a resumed search
 * (another process, another Lambda) fits exactly the predictor the interrupted one would have used, and
 * the state stays the RNG. Fitted predictors are remembered by their training data, so proposals between
 * refits pay no training. BANANAS's reference code fits once per 10 architectures; every 5 found better
 * architectures within 50 queries on NB301 (docs/predictors.md), where a search has few fits to learn from.
 * The predictor also reads each architecture's log parameters and FLOPs (`costFeatures`) unless
 * `predictor.costFeatures` is false: with a few dozen trials, size is what it can learn.
 */
const params = z.strictObject({
  /** Random architectures evaluated before the predictor takes over. */
  initialRandom: z.int().min(2).max(1000).default(10),
  /** Most candidates scored per proposal: a random draw from the neighbours of the best architectures so far. */
  poolSize: z.int().min(1).max(10_000).default(100),
  /** How many of the best architectures the candidates are neighbours of. */
  parents: z.int().min(1).max(1000).default(10),
  acquisition: z.enum(['thompson', 'ucb']).default('thompson'),
  /** Optimism of UCB: mean + beta x std. */
  beta: z.number().min(0).max(100).default(1),
  /**
   * Before proposing a candidate, follow the predictor uphill from it for up to this many further edits
   * (to the unseen neighbour the acquisition function ranks highest, while it ranks higher): with a predictor
   * that knows the space already (a warm-started search) a proposal may be several edits from its parent.
   */
  ascentSteps: z.int().min(0).max(50).default(0),
  /** Finished trials between refits of the predictor; 1 refits whenever a trial has finished. */
  refitEvery: z.int().min(1).max(1000).default(5),
  /**
   * Correct the predictor where the search is: a Gaussian process over the architectures' encodings
   * (Hamming distance) fit to the predictor's errors on the `top` best finished trials, every finished one
   * counted the moment it finishes (between refits too), added to the predictor's mean
   * (`predictors/residual-correction.ts`). Absent: no correction.
   */
  residualCorrection: ResidualCorrectionSchema.optional(),
  predictor: PredictorOptionsSchema.prefault({}),
});
type PredictorGuidedParams = z.infer<typeof params>;
interface PredictorGuidedState {
  readonly rng: RngState;
}

const MAX_DRAWS_PER_CANDIDATE = 100;
/** Predictors of concurrent searches in one process; each search needs one at a time. */
const fittedPredictors = new TrainedPredictors(8);
/** Every fit is seeded alike: the predictor depends on the data only, as a resumed search requires. */
const PREDICTOR_SEED = 0;

/**
 * The unseen neighbours of `parents`, each with the history index of the parent it came from, in random order.
 * Also the candidate pool of `rl` learning during the search (`rl/online-agent.ts`).
 */
export function neighbourPool<A>(space: SearchSpace<A>, history: readonly HistoryEntry<A>[], parents: readonly HistoryEntry<A>[], seen: SeenCanonicals, rng: Rng) {
  const pool = new Map<string, { arch: A; parent: number }>();
  for (const parent of parents) {
    const index = history.indexOf(parent);
    for (const arch of space.neighbours(parent.arch)) {
      const canonical = space.canonical(arch);
      if (!seen.has(canonical) && !pool.has(canonical)) pool.set(canonical, { arch, parent: index });
    }
  }
  return rng.shuffle([...pool.values()]);
}

export const predictorGuided: Strategy<PredictorGuidedParams, PredictorGuidedState> = {
  name: 'predictor-guided',
  description: 'BANANAS-like: a neural predictor ensemble ranks neighbours of the best architectures (White et al. 2021)',
  params,
  init: (_params, seed) => ({ rng: Rng.fromSeed(seed).state() }),
  propose({ space, params, state, history, proposed, count }) {
    const rng = Rng.fromState(state.rng);
    const seen = SeenCanonicals.of({ history, proposed });
    const finished = history.filter((entry) => entry.score !== undefined);
    const atRandom = (n: number) => drawUnseen(space, seen, n, MAX_DRAWS_PER_CANDIDATE, () => space.sample(rng));
    if (finished.length < params.initialRandom) return { state: { rng: rng.state() }, candidates: atRandom(count) };

    const best = [...finished].sort((a, b) => b.score! - a.score!).slice(0, params.parents);
    const pool = neighbourPool(space, history, best, seen, rng).slice(0, params.poolSize);
    const chosen: { arch: (typeof pool)[number]['arch']; parent?: number }[] = [];
    if (pool.length > 0) {
      const refits = Math.floor((finished.length - params.initialRandom) / params.refitEvery);
      const training = finished.slice(0, params.initialRandom + refits * params.refitEvery);
      const predictor = fittedPredictors.get({
        space,
        archs: training.map((entry) => entry.arch),
        targets: training.map((entry) => entry.score!),
        seed: PREDICTOR_SEED,
        options: { costFeatures: true, ...params.predictor, holdOutFraction: 0 },
      });
      const correct =
        params.residualCorrection && correctNearTheBest(space, finished.map((entry) => ({ arch: entry.arch, score: entry.score! })), predictor, params.residualCorrection);
      const acquire = (archs: readonly (typeof pool)[number]['arch'][]) => {
        const raw = predictor.predict(archs);
        const predictions = correct ? raw.map((p, i) => ({ ...p, mean: p.mean + correct(archs[i]!) })) : raw;
        return params.acquisition === 'thompson' ? independentThompson(predictions, rng) : predictions.map((p) => ucb(p.mean, p.std, params.beta));
      };
      const scores = acquire(pool.map((candidate) => candidate.arch));
      const ranked = pool.map((candidate, i) => ({ candidate, score: scores[i]! })).sort((a, b) => b.score - a.score);
      for (const start of ranked) {
        if (chosen.length === count) break;
        if (seen.has(space.canonical(start.candidate.arch))) continue;
        let { candidate, score } = start;
        for (let step = 0; step < params.ascentSteps; step++) {
          const next = space.neighbours(candidate.arch).filter((arch) => !seen.has(space.canonical(arch)));
          if (next.length === 0) break;
          const nextScores = acquire(next);
          const top = nextScores.reduce((best, value, i) => (value > nextScores[best]! ? i : best), 0);
          if (nextScores[top]! <= score) break;
          candidate = { arch: next[top]!, parent: candidate.parent };
          score = nextScores[top]!;
        }
        seen.add(space.canonical(candidate.arch));
        chosen.push(candidate);
      }
    }
    // A pool smaller than the request (the best architectures' neighbourhoods nearly exhausted) is topped up at random.
    chosen.push(...atRandom(count - chosen.length).map((arch) => ({ arch })));
    return { state: { rng: rng.state() }, candidates: chosen.map((c) => c.arch), parents: chosen.map((c) => c.parent) };
  },
};
