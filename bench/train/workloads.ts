import * as tf from '@tensorflow/tfjs';
import { cnnSpace } from '../../src/spaces/cnn.js';
import { dartsSpace } from '../../src/spaces/darts.js';
import { mlpSpace } from '../../src/spaces/mlp.js';
import { nb201Space } from '../../src/spaces/nb201.js';
import type { TaskShape } from '../../src/training/models/model-builder.js';
import { modelBuilderFor } from '../../src/training/models/registry.js';

/** A model to time: how to build it (on the active backend) and the task it trains on. */
export interface Workload {
  readonly name: string;
  readonly shape: TaskShape;
  readonly build: () => tf.LayersModel;
}

const mnist: TaskShape = { inputShape: [28, 28, 1], inputType: 'float32', classes: 10, perStep: false };
const mnistFlat: TaskShape = { ...mnist, inputShape: [784] };
const VOCABULARY = 1000;
const SEQUENCE = 35;
const words: TaskShape = { inputShape: [SEQUENCE], inputType: 'int32', classes: VOCABULARY, perStep: true };

/** One searched architecture at the builder's default settings. */
function searched(space: string, arch: unknown, shape: TaskShape): () => tf.LayersModel {
  const builder = modelBuilderFor(space);
  return () => builder.build(arch, shape, builder.settings({}));
}

/**
 * A word-level language model of the size the issue names: embedding, one 64-unit LSTM over 35 steps, and
 * a softmax over a 1,000-word vocabulary at every step.
 */
function lstmLanguageModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: VOCABULARY, outputDim: 64, inputLength: SEQUENCE }),
      tf.layers.lstm({ units: 64, returnSequences: true }),
      tf.layers.timeDistributed({ layer: tf.layers.dense({ units: VOCABULARY, activation: 'softmax' }) }),
    ],
  });
}

export const WORKLOADS: readonly Workload[] = [
  { name: 'MLP 784-256-128-10', shape: mnistFlat, build: searched('mlp', mlpSpace.parse('dense(256,relu,0.1)>dense(128,relu,0)'), mnistFlat) },
  { name: 'CNN 28x28x1, conv 32-64 + pools', shape: mnist, build: searched('cnn', cnnSpace.parse('conv3x3(32,pool)>conv3x3(64,pool)'), mnist) },
  { name: 'LSTM 64 units, 35 steps, 1,000 words', shape: words, build: lstmLanguageModel },
  {
    name: 'NB201 default (C=8, 1 cell/stage), 28x28x1',
    shape: mnist,
    build: searched('nb201', nb201Space.parse('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|'), mnist),
  },
  {
    name: 'DARTS default (C=8, 5 cells), 28x28x1',
    shape: mnist,
    build: searched(
      'darts',
      dartsSpace.parse(
        'normal:|sep_conv_3x3~0|sep_conv_3x3~1|+|sep_conv_3x3~0|sep_conv_3x3~1|+|sep_conv_3x3~1|skip_connect~0|+|skip_connect~0|dil_conv_3x3~2|' +
          ';reduce:|max_pool_3x3~0|max_pool_3x3~1|+|skip_connect~2|max_pool_3x3~1|+|max_pool_3x3~0|skip_connect~2|+|skip_connect~2|max_pool_3x3~1|',
      ),
      mnist,
    ),
  },
];

/** A seeded random batch set: inputs and one-hot targets (per step for sequence tasks). */
export function randomData(shape: TaskShape, samples: number, seed: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const dims = [samples, ...shape.inputShape];
    const x = shape.inputType === 'int32' ? tf.randomUniformInt(dims, 0, shape.classes, seed) : tf.randomNormal(dims, 0, 1, 'float32', seed);
    const labelDims = shape.perStep ? [samples, ...shape.inputShape] : [samples];
    const labels = tf.randomUniformInt(labelDims, 0, shape.classes, seed + 1);
    return { x, y: tf.oneHot(labels, shape.classes) };
  });
}
