import { useCpuBackend } from '../../src/training/backend.js';
import { describe, expect, it } from 'vitest';
import { MlpEnsemble } from '../../src/predictors/mlp-ensemble.js';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/random/rng.js';
import { nb201Space } from '../../src/spaces/nb201.js';

// These tests run on the CPU backend, as predictors, policies and model building do.
useCpuBackend();

const SHAPE = { members: 4, inputSize: nb201Space.encodingLength('path'), hiddenLayers: [32, 16] };
const SCHEDULE = { epochs: 3, learningRate: 0.01, batchSize: 16 };

/** Encoded NB201 cells (sparse path encodings) and dense random rows, so both input kinds are covered. */
function inputs(rng: Rng, count: number): number[][] {
  const cells = Array.from({ length: count }, () => nb201Space.encode(nb201Space.sample(rng), 'path'));
  const dense = Array.from({ length: count }, () => Array.from({ length: SHAPE.inputSize }, () => 2 * rng.float() - 1));
  return [...cells, ...dense];
}

const forwardOnTensorFlow = (ensemble: MlpEnsemble, rows: number[][]) => tf.tidy(() => ensemble.forward(tf.tensor2d(rows)).dataSync() as Float32Array);

/** The largest difference between `actual` and `expected`, relative to the largest magnitude in `expected`. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  const scale = Math.max(...expected.map(Math.abs));
  return Math.max(...actual.map((value, i) => Math.abs(value - expected[i]!))) / scale;
}

describe('MlpEnsemble.predict', () => {
  it('computes what the TensorFlow.js forward pass computes, up to float rounding, before and after training', () => {
    const rng = Rng.fromSeed(3);
    const ensemble = MlpEnsemble.initialise(SHAPE, rng);
    const rows = inputs(rng, 50);
    expect(relativeError(ensemble.predict(rows), forwardOnTensorFlow(ensemble, rows))).toBeLessThan(1e-5);

    const before = ensemble.predict(rows);
    ensemble.fit(rows, rows.map((row) => row.reduce((sum, v) => sum + v, 0)), SCHEDULE, rng);
    const after = ensemble.predict(rows);
    // It answers with the trained weights, not a copy of the initial ones.
    expect(relativeError(after, before)).toBeGreaterThan(1e-2);
    expect(relativeError(after, forwardOnTensorFlow(ensemble, rows))).toBeLessThan(1e-5);
    ensemble.dispose();
  });

  it('leaves TensorFlow.js memory alone and answers nothing for no rows', () => {
    const ensemble = MlpEnsemble.initialise(SHAPE, Rng.fromSeed(4));
    const before = tf.memory().numTensors;
    ensemble.predict(inputs(Rng.fromSeed(5), 5));
    expect(ensemble.predict([])).toHaveLength(0);
    expect(tf.memory().numTensors).toBe(before);
    ensemble.dispose();
  });
});
