/**
 * Q-networks of the RL agent: a state's features in, one Q-value per edit action out, through a dueling
 * head (Wang et al., "Dueling Network Architectures for Deep RL", ICML 2016): Q = V + A - mean(A).
 * Two bodies share that head: a small transformer encoder over architecture tokens (`transformer-q.ts`)
 * and an MLP over the flat features (`mlp-q.ts`). Parameters are plain `tf.Variable`s created from a
 * seeded `Rng`, so a seed gives the same initial network on every machine.
 */
import { z } from 'zod';
import type { Rng } from '../../random/rng.js';
import * as tf from '@tensorflow/tfjs';
import { useCpuBackend } from '../../training/backend.js';
import type { ObservationLayout } from './observation.js';

export const TransformerConfigSchema = z.strictObject({
  kind: z.literal('transformer'),
  /** Token embedding width. */
  model: z.number().int().min(4).max(256),
  heads: z.number().int().min(1).max(8),
  layers: z.number().int().min(1).max(4),
});
export const MlpConfigSchema = z.strictObject({
  kind: z.literal('mlp'),
  hidden: z.array(z.number().int().min(1).max(1024)).min(1).max(4),
});
export const QNetworkConfigSchema = z.discriminatedUnion('kind', [TransformerConfigSchema, MlpConfigSchema]);
export type QNetworkConfig = z.infer<typeof QNetworkConfigSchema>;

/** One parameter tensor: its shape and how it starts. */
export interface ParameterSpec {
  readonly shape: readonly number[];
  readonly init: 'glorot' | 'zeros' | 'ones' | 'small';
}

/** A network body: its parameters and a forward pass from features [batch, inputs] to Q [batch, actions]. */
export interface QBody {
  readonly parameters: readonly ParameterSpec[];
  forward(features: tf.Tensor2D, parameters: readonly tf.Variable[]): tf.Tensor2D;
}

export function initialValues(specs: readonly ParameterSpec[], rng: Rng): Float32Array[] {
  return specs.map(({ shape, init }) => {
    const values = new Float32Array(shape.reduce((n, d) => n * d, 1));
    if (init === 'ones') values.fill(1);
    if (init === 'glorot' || init === 'small') {
      const fanIn = shape.length > 1 ? shape[shape.length - 2]! : shape[0]!;
      const fanOut = shape[shape.length - 1]!;
      const limit = Math.sqrt(6 / (fanIn + fanOut)) * (init === 'small' ? 0.1 : 1);
      for (let i = 0; i < values.length; i++) values[i] = (2 * rng.float() - 1) * limit;
    }
    return values;
  });
}

/** Dense layer on the last axis of a [batch, in] tensor. */
export function dense(x: tf.Tensor2D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  return tf.add(tf.matMul(x, weight as tf.Tensor2D), bias);
}

/** Dueling head parameters on a representation of width `width`. */
export function duelingHeadSpecs(width: number, actions: number): ParameterSpec[] {
  return [
    { shape: [width, 1], init: 'small' },
    { shape: [1], init: 'zeros' },
    { shape: [width, actions], init: 'small' },
    { shape: [actions], init: 'zeros' },
  ];
}

export function duelingHead(x: tf.Tensor2D, [valueW, valueB, advantageW, advantageB]: readonly tf.Tensor[]): tf.Tensor2D {
  const value = dense(x, valueW!, valueB!);
  const advantage = dense(x, advantageW!, advantageB!);
  return tf.add(value, tf.sub(advantage, tf.mean(advantage, 1, true)));
}

export class QNetwork {
  private constructor(
    readonly config: QNetworkConfig,
    readonly layout: ObservationLayout,
    private readonly body: QBody,
    readonly variables: tf.Variable[],
  ) {}

  static create(config: QNetworkConfig, layout: ObservationLayout, body: QBody, values: readonly Float32Array[]): QNetwork {
    if (values.length !== body.parameters.length) throw new RangeError(`expected ${body.parameters.length} parameter tensors, got ${values.length}`);
    useCpuBackend();
    const variables = body.parameters.map(({ shape }, k) => {
      const size = shape.reduce((n, d) => n * d, 1);
      if (values[k]!.length !== size) throw new RangeError(`parameter ${k}: expected ${size} values, got ${values[k]!.length}`);
      return tf.variable(tf.tensor(values[k]!, [...shape]));
    });
    return new QNetwork(config, layout, body, variables);
  }

  /** Q-values [batch, actions] for features [batch, inputs]; illegal actions are not masked here. */
  forward(features: tf.Tensor2D): tf.Tensor2D {
    return this.body.forward(features, this.variables);
  }

  parameterValues(): Float32Array[] {
    return this.variables.map((v) => v.dataSync() as Float32Array);
  }

  /** Overwrites this network's parameters with another's (the target-network update). */
  copyFrom(other: QNetwork): void {
    this.variables.forEach((v, k) => v.assign(other.variables[k]!));
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/** Index of the largest value among legal entries (the first on ties); -1 when none is legal. */
export function maskedArgmax(values: ArrayLike<number>, mask: ArrayLike<number>): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (mask[i] && (best < 0 || values[i]! > values[best]!)) best = i;
  return best;
}
