import * as tf from '@tensorflow/tfjs';
import { InvalidRequest } from '../../errors.js';
import type { ImageTask } from '../../spaces/cnn.js';
import type { DenseTask } from '../../spaces/mlp.js';
import type { TaskShape } from './model-builder.js';

/** The model's input and, beside it, the task in the terms of the space's cost model. */
export interface ModelInput<T> {
  readonly input: tf.SymbolicTensor;
  /** The input as the first searched layer reads it (flattened, or given a channel axis). */
  readonly features: tf.SymbolicTensor;
  readonly task: T;
}

/** Image and dense spaces classify a whole sample of real numbers: no token ids, no per-step outputs. */
function requireWholeSampleTask(space: string, shape: TaskShape): void {
  if (shape.inputType !== 'float32') {
    throw new InvalidRequest('dataset', `space '${space}' needs real-valued inputs, not token ids`);
  }
  if (shape.perStep) {
    throw new InvalidRequest('dataset', `space '${space}' predicts one label per sample, not one per time step`);
  }
}

/** Any sample shape, flattened into one feature vector. */
export function denseInput(space: string, shape: TaskShape): ModelInput<DenseTask> {
  requireWholeSampleTask(space, shape);
  const input = tf.input({ shape: [...shape.inputShape] });
  const features = shape.inputShape.length > 1 ? (tf.layers.flatten().apply(input) as tf.SymbolicTensor) : input;
  const inputs = shape.inputShape.reduce((product, size) => product * size, 1);
  return { input, features, task: { inputs, classes: shape.classes } };
}

/** `[height, width, channels]` images, or `[height, width]` ones given a single channel. */
export function imageInput(space: string, shape: TaskShape): ModelInput<ImageTask> {
  requireWholeSampleTask(space, shape);
  const [height, width, channels = 1, ...rest] = shape.inputShape;
  if (height === undefined || width === undefined || rest.length > 0) {
    throw new InvalidRequest('dataset', `space '${space}' needs images [height, width(, channels)], got [${shape.inputShape.join(', ')}]`);
  }
  const input = tf.input({ shape: [...shape.inputShape] });
  const features =
    shape.inputShape.length === 2 ? (tf.layers.reshape({ targetShape: [height, width, 1] }).apply(input) as tf.SymbolicTensor) : input;
  return { input, features, task: { height, width, channels, classes: shape.classes } };
}
