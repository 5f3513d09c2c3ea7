import * as tf from '@tensorflow/tfjs';
import type { RnnWeightSource } from '../spaces/rnn-morphisms.js';
import { RNN_MODEL_LAYERS, rnnBlockCellOf, type RnnBlockCell } from './models/rnn-block-cell.js';

/**
 * Weight inheritance across a network morphism (MOE/RNAS, Booysen & Bosman 2024): the child starts from
 * its parent's trained weights instead of from scratch. The embedding and the softmax layer carry over
 * whole; each parameter of the child cell starts as the morphism's plan (`RnnMorphismResult.inheritance`)
 * says: a copy (negated for an add <-> sub flip), the product of two matrices (a folded linear unit), zeros
 * (a new connection or bias) or the identity (a new linear unit). For the morphisms marked
 * `functionPreserving` the child then computes exactly what the parent computed.
 *
 * Both models must come from `buildRnnLanguageModel` with the same task sizes; the child is written in
 * place and the parent is left untouched.
 */
export function inheritRnnWeights(
  parent: tf.LayersModel,
  child: tf.LayersModel,
  inheritance: Readonly<Record<string, RnnWeightSource>>,
): void {
  for (const name of [RNN_MODEL_LAYERS.embedding, RNN_MODEL_LAYERS.softmax]) {
    child.getLayer(name).setWeights(parent.getLayer(name).getWeights());
  }
  const from = rnnBlockCellOf(parent);
  const to = rnnBlockCellOf(child);
  for (const key of to.parameterKeys()) {
    const source = inheritance[key];
    if (source === undefined) throw new RangeError(`the inheritance plan does not say where ${key} starts`);
    const target = to.parameter(key);
    tf.tidy(() => {
      const value = startingValue(from, source, target.shape as number[]);
      if (!tf.util.arraysEqual(value.shape, target.shape as number[])) {
        throw new RangeError(`${key}: the parent gives a [${value.shape.join(', ')}] tensor for a [${target.shape.join(', ')}] weight; build both models with the same sizes`);
      }
      target.write(value);
    });
  }
}

function startingValue(parent: RnnBlockCell, source: RnnWeightSource, shape: number[]): tf.Tensor {
  switch (source.kind) {
    case 'copy': {
      const value = parent.parameter(source.from).read();
      return source.negate ? tf.neg(value) : tf.clone(value);
    }
    case 'product':
      return tf.matMul(parent.parameter(source.first).read(), parent.parameter(source.second).read());
    case 'zeros':
      return tf.zeros(shape);
    case 'identity':
      return tf.eye(shape[0]!, shape[1]);
  }
}
