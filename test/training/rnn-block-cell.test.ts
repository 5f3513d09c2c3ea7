import { useCpuBackend } from '../../src/training/backend.js';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/random/rng.js';
import { rnnCost, rnnSeedCells, rnnSpace } from '../../src/spaces/rnn.js';
import type { TaskShape } from '../../src/training/models/model-builder.js';
import { RNN_MODEL_LAYERS, rnnBlockCellOf } from '../../src/training/models/rnn-block-cell.js';
import { rnnBuilder, rnnTaskOf } from '../../src/training/models/rnn-builder.js';

// These tests run on the CPU backend, as predictors, policies and model building do.
useCpuBackend();

const STEPS = 5;
const VOCAB = 11;
const shape: TaskShape = { inputShape: [STEPS], inputType: 'int32', classes: VOCAB, perStep: true };
const settings = rnnBuilder.settings({ hiddenSize: 8, embeddingSize: 6 });
const task = rnnTaskOf(shape, settings);
const { rnn, gru, lstm } = rnnSeedCells();

const disposeAfter: tf.LayersModel[] = [];
afterAll(() => disposeAfter.forEach((model) => model.dispose()));
const build = (text: string, seed = 0, taskShape = shape) => {
  const model = rnnBuilder.build(rnnSpace.parse(text), taskShape, settings, seed);
  disposeAfter.push(model);
  return model;
};
const tokens = (batch: number, seed: number) => tf.randomUniformInt([batch, STEPS], 0, VOCAB, seed);
const predict = (model: tf.LayersModel, input: tf.Tensor) => tf.tidy(() => (model.predict(input) as tf.Tensor).arraySync()) as number[][][];

/**
 * Our seed cell and TensorFlow.js's own recurrent layer (sigmoid gates) with the same weights: `gates`
 * names, in TensorFlow.js's kernel order, the block cell's pre-activation block of each gate and the
 * block its recurrent matrix reads.
 */
function expectSameAsBuiltIn(text: string, reference: tf.layers.Layer, gates: readonly (readonly [string, string])[]) {
  const model = build(text, 4);
  const input = tf.input({ shape: [STEPS], dtype: 'int32' });
  const embedding = tf.layers.embedding({ inputDim: VOCAB, outputDim: task.embeddingSize });
  const softmax = tf.layers.dense({ units: VOCAB, activation: 'softmax' });
  const builtIn = tf.model({ inputs: input, outputs: softmax.apply(reference.apply(embedding.apply(input))) as tf.SymbolicTensor });
  disposeAfter.push(builtIn);
  embedding.setWeights(model.getLayer(RNN_MODEL_LAYERS.embedding).getWeights());
  softmax.setWeights(model.getLayer(RNN_MODEL_LAYERS.softmax).getWeights());
  // Non-zero biases, so that a bias in the wrong place shows.
  const cell = rnnBlockCellOf(model);
  gates.forEach(([block], k) => cell.parameter(`${block}/bias`).write(tf.randomNormal([task.hiddenSize], 0, 0.5, 'float32', 10 + k)));
  const [kernel, , bias] = reference.getWeights();
  reference.setWeights([
    tf.concat(gates.map(([block]) => cell.parameter(`${block}/w_x_t`).read()), 1),
    tf.concat(gates.map(([block, state]) => cell.parameter(`${block}/w_${state}`).read()), 1),
    tf.concat(gates.map(([block]) => cell.parameter(`${block}/bias`).read())),
  ]);
  expect(kernel!.shape).toEqual([task.embeddingSize, gates.length * task.hiddenSize]);
  expect(bias!.shape).toEqual([gates.length * task.hiddenSize]);
  const batch = tokens(3, 7);
  const ours = predict(model, batch).flat(2);
  const theirs = predict(builtIn, batch).flat(2);
  theirs.forEach((value, k) => expect(ours[k]).toBeCloseTo(value, 6));
}

describe('the block cell layer', () => {
  it('computes the Elman RNN exactly as tf.layers.simpleRNN', () => {
    expectSameAsBuiltIn(rnnSpace.format(rnn), tf.layers.simpleRNN({ units: task.hiddenSize, returnSequences: true }), [['z', 'h_t-1']]);
  });

  it('computes the GRU seed exactly as tf.layers.gru (update, reset, candidate)', () => {
    const gruLayer = tf.layers.gru({ units: task.hiddenSize, returnSequences: true, recurrentActivation: 'sigmoid' });
    expectSameAsBuiltIn(rnnSpace.format(gru), gruLayer, [['zu', 'h_t-1'], ['zr', 'h_t-1'], ['zn', 'rh']]);
  });

  it('computes the LSTM seed exactly as tf.layers.lstm (input, forget, cell, output)', () => {
    const lstmLayer = tf.layers.lstm({ units: task.hiddenSize, returnSequences: true, recurrentActivation: 'sigmoid' });
    expectSameAsBuiltIn(rnnSpace.format(lstm), lstmLayer, [['zi', 'h_t-1'], ['zf', 'h_t-1'], ['zg', 'h_t-1'], ['zo', 'h_t-1']]);
  });
});

describe('the rnn model builder', () => {
  const rng = Rng.fromSeed(8);
  const archs = [rnn, gru, lstm, rnnSpace.sample(rng), rnnSpace.sample(rng)].map(rnnSpace.format);

  it.each(archs)('builds %s with the parameters rnnCost counts and a softmax per step', (text) => {
    const model = build(text);
    const params = model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
    expect(params).toBe(rnnCost(rnnSpace.parse(text), task).params);
    expect(model.outputs[0]!.shape).toEqual([null, STEPS, VOCAB]);
    for (const step of predict(model, tokens(2, 1)).flat()) expect(step.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('predicts once per sequence for a task without per-step targets', () => {
    const model = build(rnnSpace.format(lstm), 0, { ...shape, perStep: false });
    expect(model.outputs[0]!.shape).toEqual([null, VOCAB]);
  });

  it('survives save and load with identical predictions', async () => {
    const model = build(archs.at(-1)!, 2);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    disposeAfter.push(loaded);
    expect(rnnSpace.format(rnnBlockCellOf(loaded).cell)).toBe(archs.at(-1));
    const batch = tokens(2, 3);
    expect(predict(loaded, batch)).toEqual(predict(model, batch));
  });

  it('draws the initial weights from the seed', () => {
    const weights = (model: tf.LayersModel) => model.getWeights().flatMap((w) => Array.from(w.dataSync()));
    const [a, b, c] = [3, 3, 4].map((seed) => weights(build(archs[2]!, seed)));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('learns: a few steps of Adam lower the loss of predicting a repeating sequence', async () => {
    const model = build(rnnSpace.format(gru), 5);
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
    const sequence = Array.from({ length: 4 }, (_, row) => Array.from({ length: STEPS + 1 }, (__, t) => (row + t) % 4));
    const x = tf.tensor2d(sequence.map((row) => row.slice(0, STEPS)), undefined, 'int32');
    const y = tf.oneHot(tf.tensor2d(sequence.map((row) => row.slice(1)), undefined, 'int32'), VOCAB);
    const history = await model.fit(x, y, { epochs: 15, batchSize: 4, verbose: 0, shuffle: false });
    const losses = history.history.loss as number[];
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.7);
  });

  it('refuses real-valued or multi-dimensional inputs, naming the dataset', () => {
    const cell = rnnSpace.parse(archs[0]!);
    for (const bad of [{ ...shape, inputType: 'float32' as const }, { ...shape, inputShape: [28, 28] }]) {
      expect(() => rnnBuilder.build(cell, bad, settings)).toThrow(expect.objectContaining({ name: 'InvalidRequest', field: 'dataset' }));
    }
  });

  it('fills in default sizes and rejects bad ones, naming the field', () => {
    expect(rnnBuilder.settings({})).toEqual({ hiddenSize: 200, embeddingSize: 200 });
    expect(() => rnnBuilder.settings({ hiddenSize: 0 })).toThrow(expect.objectContaining({ field: 'modelSettings.hiddenSize' }));
    expect(() => rnnBuilder.settings({ layers: 2 })).toThrow(expect.objectContaining({ field: 'modelSettings.layers' }));
  });
});
