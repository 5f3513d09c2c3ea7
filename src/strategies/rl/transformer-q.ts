/**
 * A small pre-norm transformer encoder (Vaswani et al. 2017; pre-LN as in Xiong et al. 2020) over the
 * architecture's tokens (one per edge: its one-hot operation) plus a context token (steps left, scores),
 * read out at the context token like BERT's [CLS]. Self-attention lets an edge's value depend on the
 * operations elsewhere in the cell, which is what a one-edit action changes. Written with plain
 * TensorFlow.js ops so the same code trains and infers on the pure-JS CPU backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { ObservationLayout } from './observation.js';
import { dense, duelingHead, duelingHeadSpecs, type ParameterSpec, type QBody } from './q-network.js';

export interface TransformerShape {
  readonly model: number;
  readonly heads: number;
  readonly layers: number;
}

/** Feed-forward width relative to the model width, as in the original transformer. */
const FFN_FACTOR = 4;
const LAYER_NORM_EPSILON = 1e-5;

function layerSpecs(d: number): ParameterSpec[] {
  const f = d * FFN_FACTOR;
  return [
    { shape: [d], init: 'ones' }, { shape: [d], init: 'zeros' }, // norm before attention
    { shape: [d, 3 * d], init: 'glorot' }, { shape: [3 * d], init: 'zeros' }, // query, key, value
    { shape: [d, d], init: 'glorot' }, { shape: [d], init: 'zeros' }, // attention output
    { shape: [d], init: 'ones' }, { shape: [d], init: 'zeros' }, // norm before the feed-forward block
    { shape: [d, f], init: 'glorot' }, { shape: [f], init: 'zeros' },
    { shape: [f, d], init: 'glorot' }, { shape: [d], init: 'zeros' },
  ];
}
const PER_LAYER = 12;

function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPSILON))), gain), bias);
}

/** Dense on the last axis of a [batch, length, in] tensor. */
function dense3(x: tf.Tensor3D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor3D {
  const [batch, length, width] = x.shape;
  return tf.reshape(dense(tf.reshape(x, [batch * length, width]), weight, bias), [batch, length, weight.shape[1]!]);
}

function attention(x: tf.Tensor3D, heads: number, qkvW: tf.Tensor, qkvB: tf.Tensor, outW: tf.Tensor, outB: tf.Tensor): tf.Tensor3D {
  const [batch, length, d] = x.shape;
  const perHead = d / heads;
  // [batch, length, 3, heads, perHead] -> [3, batch, heads, length, perHead]
  const qkv = tf.transpose(tf.reshape(dense3(x, qkvW, qkvB), [batch, length, 3, heads, perHead]), [2, 0, 3, 1, 4]);
  const [q, k, v] = tf.unstack(qkv).map((t) => tf.reshape(t, [batch * heads, length, perHead]) as tf.Tensor3D);
  const weights = tf.softmax(tf.div(tf.matMul(q!, k!, false, true), Math.sqrt(perHead)));
  const mixed = tf.reshape(tf.transpose(tf.reshape(tf.matMul(weights, v!), [batch, heads, length, perHead]), [0, 2, 1, 3]), [batch, length, d]);
  return dense3(mixed as tf.Tensor3D, outW, outB);
}

export function transformerBody(shape: TransformerShape, layout: ObservationLayout): QBody {
  const d = shape.model;
  if (d % shape.heads !== 0) throw new RangeError(`model width ${d} must be a multiple of heads ${shape.heads}`);
  const stem: ParameterSpec[] = [
    { shape: [layout.tokenWidth, d], init: 'glorot' }, { shape: [d], init: 'zeros' }, // token embedding
    { shape: [layout.tokens, d], init: 'small' }, // learned position (edge identity) embedding
    { shape: [layout.contextSize, d], init: 'glorot' }, { shape: [d], init: 'zeros' }, // context token
  ];
  const tail: ParameterSpec[] = [{ shape: [d], init: 'ones' }, { shape: [d], init: 'zeros' }, ...duelingHeadSpecs(d, layout.actions)];
  const parameters = [...stem, ...Array.from({ length: shape.layers }, () => layerSpecs(d)).flat(), ...tail];
  const tokenInputs = layout.tokens * layout.tokenWidth;

  return {
    parameters,
    forward(features, p) {
      const batch = features.shape[0];
      const tokens = tf.reshape(tf.slice(features, [0, 0], [batch, tokenInputs]), [batch, layout.tokens, layout.tokenWidth]) as tf.Tensor3D;
      const context = tf.slice(features, [0, tokenInputs], [batch, layout.contextSize]);
      const embedded = tf.add(dense3(tokens, p[0]!, p[1]!), p[2]!);
      const contextToken = tf.reshape(dense(context, p[3]!, p[4]!), [batch, 1, d]);
      let h = tf.concat([contextToken, embedded], 1) as tf.Tensor3D;
      for (let l = 0; l < shape.layers; l++) {
        const q = p.slice(stem.length + l * PER_LAYER, stem.length + (l + 1) * PER_LAYER);
        h = tf.add(h, attention(layerNorm(h, q[0]!, q[1]!) as tf.Tensor3D, shape.heads, q[2]!, q[3]!, q[4]!, q[5]!));
        const ffn = dense3(tf.relu(dense3(layerNorm(h, q[6]!, q[7]!) as tf.Tensor3D, q[8]!, q[9]!)), q[10]!, q[11]!);
        h = tf.add(h, ffn);
      }
      const t = p.slice(stem.length + shape.layers * PER_LAYER);
      const readout = layerNorm(tf.reshape(tf.slice(h, [0, 0, 0], [batch, 1, d]), [batch, d]), t[0]!, t[1]!) as tf.Tensor2D;
      return duelingHead(readout, t.slice(2));
    },
  };
}
