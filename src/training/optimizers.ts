import * as tf from '@tensorflow/tfjs';
import type { TrainingSchedule } from '../search/training-spec.js';

/** The optimizer a schedule names, at its base learning rate. */
export function createOptimizer(schedule: TrainingSchedule): tf.Optimizer {
  switch (schedule.optimizer) {
    case 'adam':
      return tf.train.adam(schedule.learningRate);
    case 'sgd':
      return tf.train.momentum(schedule.learningRate, schedule.momentum);
    case 'rmsprop':
      return tf.train.rmsprop(schedule.learningRate);
  }
}

/** The learning rate of epoch `epoch` (1-based) under the schedule. */
export function learningRateAt(schedule: TrainingSchedule, epoch: number): number {
  const progress = (epoch - 1) / schedule.epochs;
  switch (schedule.learningRateSchedule) {
    case 'constant':
      return schedule.learningRate;
    case 'cosine':
      return 0.5 * schedule.learningRate * (1 + Math.cos(Math.PI * progress));
    case 'step':
      return schedule.learningRate * (progress >= 0.75 ? 0.01 : progress >= 0.5 ? 0.1 : 1);
  }
}

/**
 * Changes an optimizer's learning rate in place. TensorFlow.js optimizers read `learningRate` on every
 * step but only SGD exposes a setter; recreating the optimizer instead would drop Adam's moment estimates.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}
