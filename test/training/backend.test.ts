import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GpuUnavailable, Unavailable } from '../../src/errors.js';
import type { TrialGpu } from '../../src/search/trial-gpu.js';
import { cnnSpace } from '../../src/spaces/cnn.js';
import { mlpSpace } from '../../src/spaces/mlp.js';
import { chooseBackend } from '../../src/training/backend.js';
import type { TaskShape } from '../../src/training/models/model-builder.js';
import { modelBuilderFor } from '../../src/training/models/registry.js';
import { placeholderDataset } from '../../src/training/models/task-shape.js';
import { trainingStepKernels } from '../../src/training/train-loop.js';

const imageShape: TaskShape = { inputShape: [8, 8, 1], inputType: 'float32', classes: 3, perStep: false };
const vectorShape: TaskShape = { inputShape: [10], inputType: 'float32', classes: 3, perStep: false };

const cnn = () => modelBuilderFor('cnn').build(cnnSpace.parse('sepconv3x3(16,pool)>conv3x3(16,nopool)'), imageShape, {});
const mlp = () => modelBuilderFor('mlp').build(mlpSpace.parse('dense(32,relu,0.1)>dense(32,tanh,0)'), vectorShape, {});

const noEnv = {};
const realImport = (name: string) => import(name);

/** Stands in for a native package: registers a backend under the name tfjs-node gives its own. */
async function fakeNativePackage(name: string): Promise<unknown> {
  if (!name.startsWith('@tensorflow/tfjs-node')) return realImport(name);
  tf.registerBackend('tensorflow', tf.findBackendFactory('cpu')!);
  return {};
}

beforeEach(async () => {
  await tf.setBackend('cpu');
});
afterEach(async () => {
  await tf.setBackend('cpu');
  if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
});

describe('chooseBackend', () => {
  it('trains an MLP on wasm when no native package is installed, and it really trains there', async () => {
    const model = mlp();
    const chosen = await chooseBackend({ kernels: await trainingStepKernels(model, placeholderDataset(vectorShape)), env: noEnv, gpuPresent: () => false });
    expect(chosen.name).toBe('wasm');
    expect(chosen.skipped.map(({ name }) => name)).toEqual(['tfjs-node-gpu', 'tfjs-node']);
    expect(chosen.skipped[1]!.reason).toMatch(/@tensorflow\/tfjs-node is not installed/);
    expect(tf.getBackend()).toBe('wasm');
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const x = tf.randomNormal([16, 10], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), 'int32'), 3);
    const history = await model.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0 });
    expect(history.history.loss).toHaveLength(3);
    expect(Number.isFinite(history.history.loss![2] as number)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('falls back to cpu when the model trains with a kernel wasm lacks, naming it', async () => {
    const chosen = await chooseBackend({ kernels: new Set(['Conv2D', 'LinSpace', 'Einsum']), env: noEnv, gpuPresent: () => false });
    expect(chosen.name).toBe('cpu');
    expect(chosen.skipped.at(-1)).toEqual({ name: 'wasm', reason: 'wasm lacks kernels this model trains with: Einsum' });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('trains a model with an embedding on wasm, with the segment sum it supplies', async () => {
    const tokens: TaskShape = { inputShape: [5], inputType: 'int32', classes: 7, perStep: false };
    const model = tf.sequential({
      layers: [tf.layers.embedding({ inputDim: 7, outputDim: 4, inputLength: 5 }), tf.layers.flatten(), tf.layers.dense({ units: 7, activation: 'softmax' })],
    });
    const chosen = await chooseBackend({ kernels: await trainingStepKernels(model, placeholderDataset(tokens)), env: noEnv, gpuPresent: () => false });
    expect(chosen.name).toBe('wasm');
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const x = tf.tensor2d([[0, 1, 2, 3, 3], [6, 5, 4, 0, 0]], [2, 5], 'int32');
    const y = tf.oneHot(tf.tensor1d([1, 2], 'int32'), 7);
    expect(Number.isFinite((await model.trainOnBatch(x, y)) as number)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('trains a separable-convolution CNN on wasm, with the convolution gradients it supplies', async () => {
    const model = cnn();
    const chosen = await chooseBackend({ kernels: await trainingStepKernels(model, placeholderDataset(imageShape)), env: noEnv, gpuPresent: () => false });
    expect(chosen.name).toBe('wasm');
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    expect(Number.isFinite((await model.trainOnBatch(x, y)) as number)).toBe(true);
    tf.dispose([x, y]);
    model.dispose();
  });

  const t4: TrialGpu = { device: 'Tesla T4', computeCapability: '7.5', driverVersion: '550.127.05', firstOpMs: 300 };

  it('prefers tfjs-node-gpu when a GPU is present, the package loads and TensorFlow is shown to run on the GPU', async () => {
    const chosen = await chooseBackend({ env: noEnv, gpuPresent: () => true, loadPackage: fakeNativePackage, verifyGpu: async () => t4 });
    expect(chosen).toEqual({ name: 'tfjs-node-gpu', skipped: [], gpu: t4 });
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('GIVEN the GPU queue forces tfjs-node-gpu WHEN TensorFlow is on the CPU THEN the choice fails with GpuUnavailable, not a slower backend', async () => {
    const onCpu = async () => Promise.reject(new GpuUnavailable('TensorFlow placed its operations on the CPU'));
    const forced = { NAS_TF_BACKEND: 'tfjs-node-gpu' };
    await expect(chooseBackend({ env: forced, gpuPresent: () => true, loadPackage: fakeNativePackage, verifyGpu: onCpu })).rejects.toThrow(
      'GpuUnavailable: TensorFlow placed its operations on the CPU',
    );
    await expect(chooseBackend({ env: forced, gpuPresent: () => false, verifyGpu: async () => t4 })).rejects.toThrow(/^GpuUnavailable: no GPU present$/);
    const missing = chooseBackend({ env: forced, gpuPresent: () => true, loadPackage: async () => Promise.reject(new Error('libcudart.so.11.0: cannot open')), verifyGpu: async () => t4 });
    await expect(missing).rejects.toThrow(GpuUnavailable);
    await expect(missing).rejects.toThrow(/@tensorflow\/tfjs-node-gpu is not installed \(libcudart/);
  });

  it('GIVEN nothing is forced WHEN TensorFlow is on the CPU THEN tfjs-node-gpu is passed over with the reason, never recorded as the backend', async () => {
    const onCpu = async () => Promise.reject(new GpuUnavailable('TensorFlow placed its operations on the CPU'));
    const chosen = await chooseBackend({ env: noEnv, gpuPresent: () => true, loadPackage: fakeNativePackage, verifyGpu: onCpu });
    expect(chosen.name).not.toBe('tfjs-node-gpu');
    expect(chosen.skipped[0]).toEqual({ name: 'tfjs-node-gpu', reason: 'GpuUnavailable: TensorFlow placed its operations on the CPU' });
    expect(chosen.gpu).toBeUndefined();
  });

  it('takes tfjs-node without a GPU, never loading the GPU package', async () => {
    const loaded: string[] = [];
    const chosen = await chooseBackend({
      env: noEnv,
      gpuPresent: () => false,
      loadPackage: (name) => (loaded.push(name), fakeNativePackage(name)),
    });
    expect(chosen).toEqual({ name: 'tfjs-node', skipped: [{ name: 'tfjs-node-gpu', reason: 'no GPU present' }] });
    expect(loaded).toEqual(['@tensorflow/tfjs-node']);
  });

  it('uses the backend NAS_TF_BACKEND forces, even where a faster one would start', async () => {
    const chosen = await chooseBackend({ env: { NAS_TF_BACKEND: 'cpu' }, gpuPresent: () => true, loadPackage: fakeNativePackage });
    expect(chosen).toEqual({ name: 'cpu', skipped: [] });
  });

  it('fails rather than train elsewhere when the forced backend cannot start', async () => {
    await expect(chooseBackend({ env: { NAS_TF_BACKEND: 'tfjs-node' } })).rejects.toThrow(Unavailable);
    await expect(chooseBackend({ env: { NAS_TF_BACKEND: 'wasm' }, kernels: new Set(['Einsum']) })).rejects.toThrow(
      /NAS_TF_BACKEND=wasm cannot train here \(wasm: wasm lacks kernels this model trains with: Einsum\)/,
    );
    await expect(chooseBackend({ env: { NAS_TF_BACKEND: 'webgl' } })).rejects.toThrow(/NAS_TF_BACKEND must be one of/);
  });
});
