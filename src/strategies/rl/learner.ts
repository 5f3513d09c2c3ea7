/**
 * The Ape-X learner (Horgan et al., ICLR 2018): double Q-learning targets (van Hasselt et al., AAAI 2016)
 * on prioritized n-step transitions, an importance-weighted Huber loss, Adam with the gradient clipped to
 * a global norm, and a target network copied from the online one every `targetUpdateInterval` steps.
 * Illegal actions are masked out of every max/argmax: an edit that does not change the architecture has
 * no value to bootstrap from.
 */
import * as tf from '@tensorflow/tfjs';
import type { NStepTransition } from './n-step.js';
import type { Observation } from './observation.js';
import { maskedArgmax, type QNetwork } from './q-network.js';

export interface LearnerOptions {
  readonly learningRate: number;
  /** Largest global gradient norm; larger gradients are scaled down to it. @default 10 (Ape-X: 40 on Atari) */
  readonly clipNorm: number;
  readonly targetUpdateInterval: number;
}

export type Transition = NStepTransition<Observation>;

/**
 * Double-DQN n-step targets: G + gamma^m · Q_target(s', argmax_{a legal} Q_online(s', a)).
 * `onlineNext` and `targetNext` are row-major [batch, actions].
 */
export function doubleDqnTargets(
  transitions: readonly Pick<Transition, 'reward' | 'discount' | 'next'>[],
  onlineNext: ArrayLike<number>,
  targetNext: ArrayLike<number>,
  actions: number,
): number[] {
  return transitions.map((t, b) => {
    const row = (values: ArrayLike<number>) => Array.prototype.slice.call(values, b * actions, (b + 1) * actions) as number[];
    const best = maskedArgmax(row(onlineNext), t.next.mask);
    // A state with no legal action cannot occur in a space with neighbours; bootstrap nothing rather than NaN.
    return t.reward + (best < 0 ? 0 : t.discount * targetNext[b * actions + best]!);
  });
}

export function featureBatch(observations: readonly Observation[]): tf.Tensor2D {
  const width = observations[0]!.features.length;
  const flat = new Float32Array(observations.length * width);
  observations.forEach((o, i) => flat.set(o.features, i * width));
  return tf.tensor2d(flat, [observations.length, width]);
}

/** Huber loss (delta 1), as in DQN: quadratic near zero, linear beyond, so outlier targets do not explode gradients. */
function huber(errors: tf.Tensor): tf.Tensor {
  const absolute = tf.abs(errors);
  const quadratic = tf.minimum(absolute, 1);
  return tf.add(tf.mul(0.5, tf.square(quadratic)), tf.sub(absolute, quadratic));
}

export class Learner {
  readonly optimizer: tf.AdamOptimizer;
  steps = 0;

  constructor(
    readonly online: QNetwork,
    readonly target: QNetwork,
    readonly options: LearnerOptions,
  ) {
    this.optimizer = tf.train.adam(options.learningRate);
  }

  /** Q-values [batch, actions] of the online network, as a flat row-major array. */
  qValues(observations: readonly Observation[]): Float32Array {
    return tf.tidy(() => this.online.forward(featureBatch(observations)).dataSync() as Float32Array);
  }

  /** |TD error| of each transition under the current networks: the priority an actor gives a new transition. */
  tdErrors(transitions: readonly Transition[]): number[] {
    if (transitions.length === 0) return [];
    const targets = this.targets(transitions);
    const q = this.qValues(transitions.map((t) => t.state));
    const actions = this.online.layout.actions;
    return transitions.map((t, b) => Math.abs(q[b * actions + t.action]! - targets[b]!));
  }

  /** One gradient step on a sampled batch; returns the loss and each transition's new |TD error|. */
  step(transitions: readonly Transition[], weights: readonly number[]): { loss: number; tdErrors: number[] } {
    const targets = this.targets(transitions);
    const actions = this.online.layout.actions;
    const result = tf.tidy(() => {
      const states = featureBatch(transitions.map((t) => t.state));
      const chosen = tf.oneHot(tf.tensor1d(transitions.map((t) => t.action), 'int32'), actions);
      const targetTensor = tf.tensor1d(targets);
      const weightTensor = tf.tensor1d([...weights]);
      let errors: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const q = tf.sum(tf.mul(this.online.forward(states), chosen), 1);
        errors = tf.keep(tf.sub(q, targetTensor));
        return tf.mean(tf.mul(weightTensor, huber(errors)));
      }, this.online.variables);
      this.optimizer.applyGradients(clipByGlobalNorm(grads, this.online.variables, this.options.clipNorm));
      const tdErrors = Array.from(tf.abs(errors!).dataSync());
      errors!.dispose();
      return { loss: value.dataSync()[0]!, tdErrors };
    });
    this.steps++;
    if (this.steps % this.options.targetUpdateInterval === 0) this.target.copyFrom(this.online);
    return result;
  }

  private targets(transitions: readonly Transition[]): number[] {
    return tf.tidy(() => {
      const next = featureBatch(transitions.map((t) => t.next));
      return doubleDqnTargets(transitions, this.online.forward(next).dataSync(), this.target.forward(next).dataSync(), this.online.layout.actions);
    });
  }
}

/** Gradients in the variables' order (Adam keys its moments by position), scaled to at most `clipNorm` in global norm. */
function clipByGlobalNorm(grads: tf.NamedTensorMap, variables: readonly tf.Variable[], clipNorm: number): { name: string; tensor: tf.Tensor }[] {
  const ordered = variables.map((v) => [v.name, grads[v.name]!] as const);
  const norm = Math.sqrt(ordered.reduce((sum, [, g]) => sum + tf.sum(tf.square(g)).dataSync()[0]!, 0));
  const scale = norm > clipNorm ? clipNorm / norm : 1;
  return ordered.map(([name, g]) => ({ name, tensor: scale === 1 ? g : tf.mul(g, scale) }));
}
