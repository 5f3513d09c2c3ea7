import * as tf from '@tensorflow/tfjs';
import type { TrainingSchedule } from '../search/training-spec.js';
import { batchIndices, batchOf, distilledLoss, maskedLoss, type Distillation } from './batches.js';
import type { DataSplit, Dataset } from './datasets/dataset.js';
import { learningRateAt, setLearningRate } from './optimizers.js';

/** Validation or test loss and accuracy of a model, over scored targets only. */
export interface SplitMetrics {
  readonly loss: number;
  readonly accuracy: number;
}

const EVALUATION_BATCH = 256;

/** Loss and accuracy of `model` on a split, in inference mode (dropout off, batch-norm moving statistics). */
export async function evaluateSplit(model: tf.LayersModel, dataset: Dataset, split: DataSplit): Promise<SplitMetrics> {
  let loss = 0;
  let correct = 0;
  let weight = 0;
  for (const indices of batchIndices(split.count, EVALUATION_BATCH)) {
    const batch = batchOf(dataset, split, indices);
    const result = tf.tidy(() => maskedLoss(model.apply(batch.x, { training: false }) as tf.Tensor, batch, dataset.classes));
    const [batchLoss, batchCorrect, batchWeight] = await Promise.all([result.loss.data(), result.correct.data(), result.weight.data()]);
    loss += batchLoss[0]! * batchWeight[0]!;
    correct += batchCorrect[0]!;
    weight += batchWeight[0]!;
    tf.dispose([batch.x, batch.y, batch.weights, result.loss, result.correct, result.weight]);
  }
  return { loss: weight ? loss / weight : Number.NaN, accuracy: weight ? correct / weight : Number.NaN };
}

function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

/** One optimisation step on a batch; resolves nothing, the caller reads the returned loss tensor. */
function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, dataset: Dataset, indices: readonly number[], distillation?: Distillation): tf.Scalar {
  const batch = batchOf(dataset, dataset.train, indices);
  const teacher = distillation && tf.tidy(() => distillation.teacher.apply(batch.x, { training: false }) as tf.Tensor);
  try {
    const loss = () => {
      const predicted = model.apply(batch.x, { training: true }) as tf.Tensor;
      return teacher ? distilledLoss(predicted, teacher, batch, dataset.classes, distillation!) : maskedLoss(predicted, batch, dataset.classes).loss;
    };
    return optimizer.minimize(loss, true, trainableVariables(model))!;
  } finally {
    tf.dispose([batch.x, batch.y, batch.weights, ...(teacher ? [teacher] : [])]);
  }
}

/**
 * The kernels one training step of `model` on `dataset` runs, recorded on the current backend (which must
 * have them all: the CPU backend does), so a faster backend is chosen only if it can run every one. The
 * step's update is undone.
 */
export async function trainingStepKernels(model: tf.LayersModel, dataset: Dataset): Promise<ReadonlySet<string>> {
  const before = model.getWeights().map((weight) => weight.clone());
  const optimizer = tf.train.adam();
  const backend = tf.getBackend();
  try {
    const profile = await tf.profile(() => trainStep(model, optimizer, dataset, [0, 1].slice(0, dataset.train.count)).dispose());
    // The profile also lists op scopes; only registered names are kernels.
    return new Set(profile.kernelNames.filter((name) => tf.getKernel(name, backend) !== undefined));
  } finally {
    model.setWeights(before);
    tf.dispose(before);
    optimizer.dispose();
  }
}

/**
 * Trains `model` for one epoch of the schedule (distilling from a teacher when given one): the learning rate of that epoch, batches shuffled by
 * `seed` and the epoch number (so a resumed run sees the same order as an uninterrupted one). Resolves
 * the mean training loss.
 */
export async function trainEpoch(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  dataset: Dataset,
  schedule: TrainingSchedule,
  epoch: number,
  seed: number,
  distillation?: Distillation,
): Promise<number> {
  setLearningRate(optimizer, learningRateAt(schedule, epoch));
  let total = 0;
  let batches = 0;
  for (const indices of batchIndices(dataset.train.count, schedule.batchSize, seed * 1000 + epoch)) {
    const cost = trainStep(model, optimizer, dataset, indices, distillation);
    total += (await cost.data())[0]!;
    batches++;
    cost.dispose();
  }
  return total / Math.max(batches, 1);
}
