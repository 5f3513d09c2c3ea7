/**
 * The training loop: actors fill the prioritized replay, the learner takes one gradient step per
 * `actorStepsPerLearnerStep` actor steps once `warmup` transitions are in. Pure apart from the oracle and
 * the callbacks: checkpointing and logging are the caller's (see `training-run.ts`).
 *
 * A checkpoint is replay-free (weights, target weights, Adam moments, learner and environment steps, RNG,
 * score scale, learning curve): after a kill, training refills the replay and goes on from the step saved.
 */
import { z } from 'zod';
import * as tf from '@tensorflow/tfjs';
import { useCpuBackend } from '../../training/backend.js';
import { Rng } from '../../random/rng.js';
import type { SearchSpace } from '../../spaces/space.js';
import { ActorPool } from './actors.js';
import { Learner, type Transition } from './learner.js';
import { createQNetwork, restoreQNetwork } from './networks.js';
import { observationLayout, type ScoreScale } from './observation.js';
import { decodeParameters, encodeParameters } from './policy-codec.js';
import type { QNetwork } from './q-network.js';
import { PrioritizedReplay } from './replay.js';
import { estimateScoreScale, type ScoreOracle } from './search-env.js';
import type { TrainingOptions } from './training-options.js';

/** One line of the learning-curve log. */
export const CurveEntrySchema = z.strictObject({
  step: z.number().int(),
  envSteps: z.number().int(),
  seconds: z.number(),
  /** Mean loss over the steps since the previous entry. */
  loss: z.number(),
  /** Mean best raw score of the greedy actor's last episodes: what a search with this policy would find in T steps. */
  greedyEpisodeBest: z.number().nullable(),
});
export type CurveEntry = z.output<typeof CurveEntrySchema>;

const TensorSchema = z.strictObject({ name: z.string(), shape: z.array(z.number().int()), values: z.string() });
export const CHECKPOINT_FORMAT = 'serverless-nas/rl-checkpoint';
export const CheckpointSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(1),
  scale: z.strictObject({ mean: z.number(), std: z.number() }),
  learnerSteps: z.number().int(),
  envSteps: z.number().int(),
  rng: z.array(z.number().int()),
  online: z.array(z.string()),
  target: z.array(z.string()),
  optimizer: z.array(TensorSchema),
  elapsedSeconds: z.number(),
  curve: z.array(CurveEntrySchema),
  recentGreedyBests: z.array(z.number()),
});
export type TrainingCheckpoint = z.output<typeof CheckpointSchema>;

export interface TrainingHooks {
  /** After every learner step. */
  onStep?(step: number, entry: { loss: number; greedyEpisodeBest: number | null }): void;
  onLog?(entry: CurveEntry): void | Promise<void>;
  onCheckpoint?(checkpoint: TrainingCheckpoint): Promise<void>;
}

export interface TrainingInput<A> {
  readonly space: SearchSpace<A>;
  readonly oracle: ScoreOracle<A>;
  readonly options: TrainingOptions;
  /** Resume from here (same options). */
  readonly checkpoint?: TrainingCheckpoint;
  /** Fine-tune: start from these parameters instead of a fresh network. */
  readonly initialParameters?: readonly Float32Array[];
  readonly hooks?: TrainingHooks;
}

export interface TrainingResult {
  readonly network: QNetwork;
  readonly learnerSteps: number;
  readonly envSteps: number;
  readonly elapsedSeconds: number;
  readonly curve: CurveEntry[];
  readonly greedyEpisodeBest: number | null;
  /** The score scale rewards and contexts were normalised with; a policy reads scores on it. */
  readonly scale: ScoreScale;
}

/** Greedy-actor episodes averaged for the learning curve. */
const CURVE_WINDOW = 20;
/** Seeds the score-scale sample apart from the training stream, so both repeat on resume. */
const SCALE_SEED_OFFSET = 0x5ca1e;

const mean = (values: readonly number[]) => (values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length);

export async function trainAgent<A>(input: TrainingInput<A>): Promise<TrainingResult> {
  const { space, oracle, options, checkpoint, hooks = {} } = input;
  useCpuBackend();
  const layout = observationLayout(space);
  const rng = checkpoint ? Rng.fromState(checkpoint.rng) : Rng.fromSeed(options.seed);
  const scale = checkpoint?.scale ?? (await estimateScoreScale(space, oracle, options.scaleSamples, Rng.fromSeed(options.seed + SCALE_SEED_OFFSET)));
  const startFrom = checkpoint ? decodeParameters(checkpoint.online, 'checkpoint.online') : input.initialParameters;
  const online = startFrom ? restoreQNetwork(options.network, layout, startFrom) : createQNetwork(options.network, layout, rng);
  const target = restoreQNetwork(options.network, layout, checkpoint ? decodeParameters(checkpoint.target, 'checkpoint.target') : online.parameterValues());
  const learner = new Learner(online, target, options);
  if (checkpoint) {
    learner.steps = checkpoint.learnerSteps;
    learner.optimizer.setWeights(
      checkpoint.optimizer.map((t) => ({ name: t.name, tensor: tf.tensor(decodeParameters([t.values], 'checkpoint.optimizer')[0]!, t.shape) })),
    );
  }
  const replay = new PrioritizedReplay<Transition>({ capacity: options.replayCapacity, alpha: options.priorityAlpha, beta: options.priorityBeta });
  const actors = new ActorPool(space, oracle, scale, options);
  const greedyActor = options.actors - 1;

  let envSteps = checkpoint?.envSteps ?? 0;
  const curve: CurveEntry[] = [...(checkpoint?.curve ?? [])];
  const greedyBests: number[] = [...(checkpoint?.recentGreedyBests ?? [])];
  const baseSeconds = checkpoint?.elapsedSeconds ?? 0;
  const started = performance.now();
  const elapsed = () => baseSeconds + (performance.now() - started) / 1000;
  let lossSum = 0;
  let lossCount = 0;

  const snapshot = async (): Promise<TrainingCheckpoint> => ({
    format: CHECKPOINT_FORMAT,
    version: 1,
    scale,
    learnerSteps: learner.steps,
    envSteps,
    rng: [...rng.state()],
    online: encodeParameters(online.parameterValues()),
    target: encodeParameters(target.parameterValues()),
    optimizer: (await learner.optimizer.getWeights()).map(({ name, tensor }) => ({
      name,
      shape: tensor.shape,
      values: encodeParameters([tensor.dataSync() as Float32Array])[0]!,
    })),
    elapsedSeconds: elapsed(),
    curve: [...curve],
    recentGreedyBests: [...greedyBests],
  });

  while (learner.steps < options.steps) {
    for (let k = 0; k < options.actorStepsPerLearnerStep; k++) {
      const { transitions, finished } = await actors.step((observations) => learner.qValues(observations), rng);
      envSteps += options.actors;
      const priorities = learner.tdErrors(transitions);
      transitions.forEach((t, i) => replay.add(t, priorities[i]));
      for (const episode of finished) if (episode.actor === greedyActor) greedyBests.push(episode.best);
      greedyBests.splice(0, Math.max(0, greedyBests.length - CURVE_WINDOW));
    }
    if (replay.size < options.warmup) continue;
    const batch = replay.sample(options.batchSize, rng);
    const { loss, tdErrors } = learner.step(batch.items, batch.weights);
    replay.updatePriorities(batch.indices, tdErrors);
    lossSum += loss;
    lossCount++;
    hooks.onStep?.(learner.steps, { loss, greedyEpisodeBest: mean(greedyBests) });
    if (learner.steps % options.logInterval === 0 || learner.steps === options.steps) {
      const entry: CurveEntry = { step: learner.steps, envSteps, seconds: elapsed(), loss: lossSum / lossCount, greedyEpisodeBest: mean(greedyBests) };
      curve.push(entry);
      lossSum = 0;
      lossCount = 0;
      await hooks.onLog?.(entry);
    }
    if (hooks.onCheckpoint && (learner.steps % options.checkpointInterval === 0 || learner.steps === options.steps)) {
      await hooks.onCheckpoint(await snapshot());
    }
  }
  target.dispose();
  return { network: online, learnerSteps: learner.steps, envSteps, elapsedSeconds: elapsed(), curve, greedyEpisodeBest: mean(greedyBests), scale };
}
