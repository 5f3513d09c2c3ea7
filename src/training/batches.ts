import * as tf from '@tensorflow/tfjs';
import { Rng } from '../random/rng.js';
import type { DataSplit, Dataset } from './datasets/dataset.js';
import { valuesPerSample } from './datasets/dataset.js';
import { gatherRows } from './datasets/seeded-split.js';

/** One batch as tensors: inputs, integer targets and per-target weights (1 where scored). */
export interface Batch {
  readonly x: tf.Tensor;
  readonly y: tf.Tensor1D;
  readonly weights: tf.Tensor1D;
}

/** Builds the tensors of the samples `indices` of a split; targets and weights are flattened. */
export function batchOf(dataset: Dataset, split: DataSplit, indices: readonly number[]): Batch {
  const perInput = valuesPerSample(dataset.inputShape);
  const perTarget = valuesPerSample(dataset.targetShape);
  const x = gatherRows(split.x, perInput, indices);
  const y = gatherRows(split.y, perTarget, indices);
  const weights = split.mask ? gatherRows(split.mask, perTarget, indices) : new Float32Array(y.length).fill(1);
  return {
    x: tf.tensor(x, [indices.length, ...dataset.inputShape], dataset.inputType),
    y: tf.tensor1d(y, 'int32'),
    weights: tf.tensor1d(weights),
  };
}

/** Sample indices of a split in batches: shuffled with `seed` for training, in order for evaluation. */
export function batchIndices(count: number, batchSize: number, seed?: number): number[][] {
  const inOrder = Array.from({ length: count }, (_, i) => i);
  const order = seed === undefined ? inOrder : Rng.fromSeed(seed).shuffle(inOrder);
  const batches: number[][] = [];
  for (let start = 0; start < count; start += batchSize) batches.push(order.slice(start, start + batchSize));
  return batches;
}

/**
 * Mean cross-entropy of softmax outputs against integer targets, weighted per target (masked sequence
 * positions weigh 0), and the count of correct argmax predictions among the weighted targets.
 */
export function maskedLoss(probabilities: tf.Tensor, batch: Batch, classes: number): { loss: tf.Scalar; correct: tf.Scalar; weight: tf.Scalar } {
  return tf.tidy(() => {
    const flat = probabilities.reshape([-1, classes]);
    const picked = flat.mul(tf.oneHot(batch.y, classes)).sum(1);
    const weight = batch.weights.sum();
    const loss = picked.clipByValue(1e-7, 1).log().neg().mul(batch.weights).sum().div(weight.maximum(1)) as tf.Scalar;
    const hits = flat.argMax(1).equal(batch.y).cast('float32').mul(batch.weights).sum() as tf.Scalar;
    return { loss, correct: hits, weight: weight as tf.Scalar };
  });
}

/** Knowledge distillation settings: how soft the teacher's outputs are, and how much they count. */
export interface Distillation {
  readonly teacher: tf.LayersModel;
  readonly temperature: number;
  /** Share of the loss that is the teacher's; the rest is the labels'. */
  readonly weight: number;
}

/**
 * Hinton et al. 2015: the cross-entropy between the teacher's and the student's outputs softened by
 * `temperature` (scaled by its square, so gradients keep their size), mixed with the labels' loss. Models
 * end in a softmax, so softening divides their log-probabilities by the temperature and renormalises.
 */
export function distilledLoss(probabilities: tf.Tensor, teacherProbabilities: tf.Tensor, batch: Batch, classes: number, distillation: Distillation): tf.Scalar {
  return tf.tidy(() => {
    const soften = (p: tf.Tensor) => tf.softmax(p.reshape([-1, classes]).clipByValue(1e-7, 1).log().div(distillation.temperature));
    const target = soften(teacherProbabilities);
    const student = soften(probabilities).clipByValue(1e-7, 1).log();
    const weight = batch.weights.sum().maximum(1);
    const soft = target.mul(student).sum(1).neg().mul(batch.weights).sum().div(weight).mul(distillation.temperature ** 2);
    const hard = maskedLoss(probabilities, batch, classes).loss;
    return soft.mul(distillation.weight).add(hard.mul(1 - distillation.weight)) as tf.Scalar;
  });
}
