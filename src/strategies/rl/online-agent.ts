/**
 * Learning during the search, for a space no policy was trained for: Dyna (Sutton, "Integrated
 * architectures for learning, planning, and reacting based on approximating dynamic programming", ICML
 * 1990). The search's own finished trials fit a model of the space (the BANANAS-style predictor ensemble of
 * `predictor-guided`); the same Ape-X DQN that `nas agent train` uses then learns in that model as a
 * simulated environment (its rewards are the model's predictions); the learned policy plans: greedy walks
 * on the model from the best measured architectures and from random ones visit architectures, which join
 * the unseen one-edit neighbours of the best measured architectures (`predictor-guided`'s pool) as
 * candidates, and the unseen one the model values most (a Thompson draw from the ensemble, as in BANANAS)
 * is measured next.
 *
 * Like `predictor-guided`, model and agent are refitted from scratch every `refitEvery` finished trials on
 * the first finished trials in trial order, with fixed seeds, so they are a function of the history alone:
 * a resumed search retrains exactly the agent the interrupted one used, and the state stays the RNG. Both
 * are remembered in the process between refits.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { independentThompson } from '../../predictors/acquisition.js';
import type { Predictor } from '../../predictors/predictor.js';
import { TrainedPredictors } from '../../predictors/trained-predictors.js';
import type { Rng } from '../../random/rng.js';
import type { SearchSpace } from '../../spaces/space.js';
import { useCpuBackend } from '../../training/backend.js';
import type { HistoryEntry } from '../strategy.js';
import { drawUnseen, type SeenCanonicals } from '../history.js';
import { neighbourPool } from '../predictor-guided.js';
import { normalise, observe, type ScoreScale } from './observation.js';
import { maskedArgmax, type QNetwork } from './q-network.js';
import { trainAgent } from './trainer.js';
import type { OnlineOptions } from './online-options.js';
import { TrainingOptionsSchema } from './training-options.js';


/** Every fit is seeded alike: model and agent depend on the data only, as a resumed search requires. */
const MODEL_SEED = 0;
const AGENT_SEED = 0;
/** Architectures the agent's score scale is estimated from (model predictions: cheap). */
const SCALE_SAMPLES = 128;
const MAX_DRAWS_PER_CANDIDATE = 100;

const models = new TrainedPredictors(8);
/** Agents of concurrent searches in one process, by their training data and options; oldest disposed first. */
const agents = new Map<string, Promise<{ network: QNetwork; scale: ScoreScale }>>();
const AGENT_CAPACITY = 4;

/** The model: the ensemble's mean as the environment's score, a Thompson draw as the acquisition. */
function fitModel<A>(space: SearchSpace<A>, training: readonly HistoryEntry<A>[], options: OnlineOptions): Predictor<A> {
  return models.get({
    space,
    archs: training.map((entry) => entry.arch),
    targets: training.map((entry) => entry.score!),
    seed: MODEL_SEED,
    options: { costFeatures: true, ...options.predictor, holdOutFraction: 0 },
  });
}

function agentKey<A>(space: SearchSpace<A>, training: readonly HistoryEntry<A>[], options: OnlineOptions): string {
  const content = [space.name, options, training.map((entry) => [entry.canonical, entry.score])];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/** Trains (or recalls) the DQN in the model: Ape-X as in `nas agent train`, with the model as the oracle. */
function trainedAgent<A>(space: SearchSpace<A>, model: Predictor<A>, key: string, options: OnlineOptions) {
  let agent = agents.get(key);
  if (!agent) {
    const trainingOptions = TrainingOptionsSchema.parse({
      steps: options.steps,
      warmup: options.warmup,
      episodeLength: options.episodeLength,
      scaleSamples: SCALE_SAMPLES,
      seed: AGENT_SEED,
      logInterval: options.steps,
      checkpointInterval: options.steps,
      targetUpdateInterval: Math.max(1, Math.min(250, Math.floor(options.steps / 4))),
    });
    const oracle = async (archs: readonly A[]) => model.predict(archs).map((p) => p.mean);
    agent = trainAgent({ space, oracle, options: trainingOptions }).then(({ network, scale }) => ({ network, scale }));
    agent.catch(() => agents.delete(key));
    agents.set(key, agent);
    while (agents.size > AGENT_CAPACITY) {
      const [oldest, evicted] = agents.entries().next().value!;
      agents.delete(oldest);
      void evicted.then(({ network }) => network.dispose(), () => undefined);
    }
  }
  return agent;
}

/**
 * Up to `count` unseen candidates planned by the agent in the model, ranked by a Thompson draw of the
 * model; random ones while there are fewer than `initialRandom` finished trials or when planning finds too
 * few. Pure given the history and `rng`.
 */
export async function proposeOnline<A>(
  space: SearchSpace<A>,
  history: readonly HistoryEntry<A>[],
  seen: SeenCanonicals,
  count: number,
  options: OnlineOptions,
  rng: Rng,
): Promise<A[]> {
  const finished = history.filter((entry) => entry.score !== undefined);
  const atRandom = (n: number) => drawUnseen(space, seen, n, MAX_DRAWS_PER_CANDIDATE, () => space.sample(rng));
  if (finished.length < options.initialRandom) return atRandom(count);

  const refits = Math.floor((finished.length - options.initialRandom) / options.refitEvery);
  const training = finished.slice(0, options.initialRandom + refits * options.refitEvery);
  const model = fitModel(space, training, options);
  const { network, scale } = await trainedAgent(space, model, agentKey(space, training, options), options);
  useCpuBackend();

  const ranked = [...finished].sort((a, b) => b.score! - a.score!);
  const pool = new Map<string, A>();
  // The best measured architectures' unseen one-edit neighbours, drawn as predictor-guided draws its pool.
  for (const { arch } of neighbourPool(space, history, ranked.slice(0, options.parents), seen, rng).slice(0, options.poolSize)) {
    pool.set(space.canonical(arch), arch);
  }
  // Plan: walks of the greedy agent (epsilon-random moves) on the model, every unseen architecture they
  // visit a candidate. The walks move in step, so that each step is one batch through the model and the network.
  const best = ranked.slice(0, options.fromBest).map((entry) => entry.arch);
  let walks = [...best, ...Array.from({ length: Math.max(0, options.walks - best.length) }, () => space.sample(rng))].map((arch) => ({ arch, best: 0, current: 0 }));
  model.predict(walks.map((walk) => walk.arch)).forEach(({ mean }, i) => (walks[i]!.best = walks[i]!.current = mean));
  for (let step = 0; step < options.episodeLength && walks.length > 0; step++) {
    const context = { stepsLeft: (options.episodeLength - step) / options.episodeLength };
    const observations = walks.map((walk) => observe(space, walk.arch, { ...context, best: normalise(walk.best, scale), current: normalise(walk.current, scale) }));
    const width = observations[0]!.features.length;
    const features = new Float32Array(walks.length * width);
    observations.forEach((observation, i) => features.set(observation.features, i * width));
    const q = tf.tidy(() => network.forward(tf.tensor2d(features, [walks.length, width])).dataSync());
    const moved: typeof walks = [];
    observations.forEach((observation, i) => {
      const legal: number[] = [];
      observation.mask.forEach((ok, action) => ok && legal.push(action));
      // A walk with no legal move ends.
      if (legal.length === 0) return;
      const values = q.subarray(i * space.actionCount, (i + 1) * space.actionCount);
      const action = rng.float() < options.epsilon ? rng.pick(legal) : maskedArgmax(values, observation.mask);
      const arch = space.applyAction(walks[i]!.arch, action);
      moved.push({ arch, best: walks[i]!.best, current: 0 });
      const canonical = space.canonical(arch);
      if (!seen.has(canonical) && !pool.has(canonical)) pool.set(canonical, arch);
    });
    model.predict(moved.map((walk) => walk.arch)).forEach(({ mean }, i) => {
      moved[i]!.current = mean;
      moved[i]!.best = Math.max(moved[i]!.best, mean);
    });
    walks = moved;
  }
  const candidates = [...pool.values()];
  const draws = independentThompson(model.predict(candidates), rng);
  const byDraw = candidates.map((arch, i) => ({ arch, score: draws[i]! })).sort((a, b) => b.score - a.score);
  const chosen: A[] = [];
  for (const { arch } of byDraw.slice(0, count)) {
    seen.add(space.canonical(arch));
    chosen.push(arch);
  }
  return [...chosen, ...atRandom(count - chosen.length)];
}
