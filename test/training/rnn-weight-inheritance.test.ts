import { useCpuBackend } from '../../src/training/backend.js';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/random/rng.js';
import type { RnnCell } from '../../src/spaces/rnn-cell.js';
import {
  addConnection,
  addRecurrentConnection,
  addUnit,
  changeActivation,
  changeCombination,
  removeUnit,
  type RnnMorphismResult,
} from '../../src/spaces/rnn-morphisms.js';
import { rnnRandomMorphism, rnnSeedCells, rnnSpace } from '../../src/spaces/rnn.js';
import type { TaskShape } from '../../src/training/models/model-builder.js';
import { RNN_MODEL_LAYERS, rnnBlockCellOf } from '../../src/training/models/rnn-block-cell.js';
import { rnnBuilder } from '../../src/training/models/rnn-builder.js';
import { inheritRnnWeights } from '../../src/training/rnn-weight-inheritance.js';

// These tests run on the CPU backend, as predictors, policies and model building do.
useCpuBackend();

const STEPS = 6;
const VOCAB = 13;
const shape: TaskShape = { inputShape: [STEPS], inputType: 'int32', classes: VOCAB, perStep: true };
const settings = rnnBuilder.settings({ hiddenSize: 8, embeddingSize: 5 });
const TOLERANCE = 1e-5;
const { gru, lstm } = rnnSeedCells();

const disposeAfter: tf.LayersModel[] = [];
afterAll(() => disposeAfter.forEach((model) => model.dispose()));

/** A parent as if trained: every weight, biases included, drawn away from its initial value. */
function trainedParent(cell: RnnCell, seed: number): tf.LayersModel {
  const model = rnnBuilder.build(cell, shape, settings, seed);
  disposeAfter.push(model);
  model.setWeights(model.getWeights().map((w, k) => tf.randomNormal(w.shape, 0, 0.4, 'float32', seed * 100 + k)));
  return model;
}

function inheritingChild(parent: tf.LayersModel, result: RnnMorphismResult): tf.LayersModel {
  const child = rnnBuilder.build(result.child, shape, settings, 99);
  disposeAfter.push(child);
  inheritRnnWeights(parent, child, result.inheritance);
  return child;
}

const tokens = tf.randomUniformInt([4, STEPS], 0, VOCAB, 17);

/** The softmax outputs and the hidden states of every step, flattened. */
function outputs(model: tf.LayersModel): { probabilities: number[]; states: number[] } {
  return tf.tidy(() => ({
    probabilities: Array.from((model.predict(tokens) as tf.Tensor).dataSync()),
    states: Array.from((rnnBlockCellOf(model).apply(model.getLayer(RNN_MODEL_LAYERS.embedding).apply(tokens)) as tf.Tensor).dataSync()),
  }));
}

function largestDifference(parent: tf.LayersModel, child: tf.LayersModel): number {
  const [a, b] = [outputs(parent), outputs(child)];
  const probability = Math.max(...a.probabilities.map((p, k) => Math.abs(p - b.probabilities[k]!)));
  const state = Math.max(...a.states.map((h, k) => Math.abs(h - b.states[k]!) / Math.max(1, Math.abs(h))));
  return Math.max(probability, state);
}

function expectSameFunction(parentCell: RnnCell, morph: (cell: RnnCell) => RnnMorphismResult, seed = 1): void {
  const result = morph(parentCell);
  expect(result.change.functionPreserving).toBe(true);
  const parent = trainedParent(parentCell, seed);
  expect(largestDifference(parent, inheritingChild(parent, result))).toBeLessThan(TOLERANCE);
}

/** Every parameter planned as a copy holds the parent's value (negated where planned so). */
function expectCopiesInherited(parent: tf.LayersModel, child: tf.LayersModel, result: RnnMorphismResult): void {
  for (const [key, source] of Object.entries(result.inheritance)) {
    if (source.kind !== 'copy') continue;
    const before = rnnBlockCellOf(parent).parameter(source.from).read().dataSync();
    const after = rnnBlockCellOf(child).parameter(key).read().dataSync();
    expect(Array.from(after)).toEqual(Array.from(before).map((v) => (source.negate ? -v : v)));
  }
  for (const name of [RNN_MODEL_LAYERS.embedding, RNN_MODEL_LAYERS.softmax]) {
    const values = (model: tf.LayersModel) => model.getLayer(name).getWeights().flatMap((w) => Array.from(w.dataSync()));
    expect(values(child)).toEqual(values(parent));
  }
}

describe('constructive morphisms leave the outputs unchanged (within 1e-5)', () => {
  it.each([
    ['add unit on x_t -> a linear block', () => expectSameFunction(lstm, (c) => addUnit(c, 'zi', 0))],
    ['add unit on h_t-1 -> a gate product', () => expectSameFunction(gru, (c) => addUnit(c, 'rh', 1))],
    ['add unit before a tanh', () => expectSameFunction(lstm, (c) => addUnit(c, 'tc', 0))],
    ['add connection into a linear block', () => expectSameFunction(addUnit(gru, 'h_t', 0).child, (c) => addConnection(c, 'r', 'b1'))],
    ['add connection into a tanh', () => expectSameFunction(lstm, (c) => addConnection(c, 'i', 'tc'))],
    ['add connection from x_t into h_t', () => expectSameFunction(lstm, (c) => addConnection(c, 'x_t', 'tc'))],
    ['add recurrent connection from h_t-1', () => expectSameFunction(lstm, (c) => addRecurrentConnection(c, 'h_t-1', 'g'))],
    ['add recurrent connection from c_t-1', () => expectSameFunction(lstm, (c) => addRecurrentConnection(c, 'c_t-1', 'o'))],
  ])('%s', (_, check) => check());
});

describe('exact changes and removals', () => {
  it.each([
    ['remove a linear unit (folded into its reader)', () => expectSameFunction(addUnit(lstm, 'zf', 1).child, (c) => removeUnit(c, 'b1'))],
    ['remove an identity unit', () => expectSameFunction(changeActivation(lstm, 'tc', 'identity').child, (c) => removeUnit(c, 'tc'))],
    ['identity -> linear', () => expectSameFunction(lstm, (c) => changeActivation(c, 'fc', 'linear'))],
    ['linear -> linear_bias', () => expectSameFunction(addUnit(gru, 'h_t', 1).child, (c) => changeActivation(c, 'b1', 'linear_bias'))],
    ['add -> sub in a linear block', () => expectSameFunction(lstm, (c) => changeCombination(c, 'zo', 'sub'))],
  ])('%s', (_, check) => check());
});

describe('approximate morphisms', () => {
  it.each([
    ['tanh -> relu', (c: RnnCell) => changeActivation(c, 'g', 'relu')],
    ['add -> mul in a linear block', (c: RnnCell) => changeCombination(c, 'zi', 'mul')],
    ['remove a tanh unit', (c: RnnCell) => removeUnit(c, 'tc')],
  ])('%s says it changes the function, and does, keeping every other weight', (_, morph) => {
    const result = morph(lstm);
    expect(result.change.functionPreserving).toBe(false);
    const parent = trainedParent(lstm, 2);
    const child = inheritingChild(parent, result);
    expect(largestDifference(parent, child)).toBeGreaterThan(1e-3);
    expectCopiesInherited(parent, child, result);
  });

  it('holds for random morphisms of random cells: exact where marked, inherited everywhere', () => {
    const rng = Rng.fromSeed(21);
    for (let k = 0; k < 16; k++) {
      const cell = rnnSpace.sample(rng);
      const result = rnnRandomMorphism(cell, rng)!;
      const parent = trainedParent(cell, 10 + k);
      const child = inheritingChild(parent, result);
      expectCopiesInherited(parent, child, result);
      if (result.change.functionPreserving) expect(largestDifference(parent, child), rnnSpace.format(cell)).toBeLessThan(TOLERANCE);
    }
  });

  it('refuses models of different sizes', () => {
    const result = addUnit(lstm, 'zi', 0);
    const parent = trainedParent(lstm, 3);
    const child = rnnBuilder.build(result.child, shape, rnnBuilder.settings({ hiddenSize: 8, embeddingSize: 7 }), 1);
    disposeAfter.push(child);
    expect(() => inheritRnnWeights(parent, child, result.inheritance)).toThrow();
  });
});
