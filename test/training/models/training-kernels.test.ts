import { useCpuBackend } from '../../../src/training/backend.js';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../../src/training/backend.js';
import { supplyTrainingKernels } from '../../../src/training/models/training-kernels.js';

// These tests run on the CPU backend, as predictors, policies and model building do.
useCpuBackend();

interface Case {
  readonly depthwise: boolean;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: 'same' | 'valid';
}

const CASES: readonly Case[] = [false, true].flatMap((depthwise) => [
  { depthwise, kernel: 3, stride: 1, pad: 'same' },
  { depthwise, kernel: 3, stride: 2, pad: 'same' },
  { depthwise, kernel: 5, stride: 2, pad: 'valid' },
  { depthwise, kernel: 1, stride: 2, pad: 'valid' },
  { depthwise, kernel: 3, stride: 2, pad: 'valid' },
]);

/** The kernel's (or, with `wrt: 'input'`, the input's) gradient through the public ops; odd map sizes, so that striding leaves rows over. */
function filterGradient({ depthwise, kernel, stride, pad }: Case, wrt: 'filter' | 'input' = 'filter'): number[] {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 9, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomNormal([kernel, kernel, 3, depthwise ? 1 : 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const convolve = (f: tf.Tensor4D) => (depthwise ? tf.depthwiseConv2d(x, f, stride, pad) : tf.conv2d(x, f, stride, pad));
    const dy = tf.randomNormal(convolve(filter).shape, 0, 1, 'float32', 3);
    if (wrt === 'input') {
      const convolveInput = (input: tf.Tensor4D) => (depthwise ? tf.depthwiseConv2d(input, filter, stride, pad) : tf.conv2d(input, filter, stride, pad));
      return Array.from(tf.grad((input: tf.Tensor) => tf.sum(tf.mul(convolveInput(input as tf.Tensor4D), dy)))(x).dataSync());
    }
    const gradient = tf.grad((f: tf.Tensor) => tf.sum(tf.mul(convolve(f as tf.Tensor4D), dy)))(filter);
    expect(gradient.shape).toEqual(filter.shape);
    return Array.from(gradient.dataSync());
  });
}

// The stock kernels' answers, taken before they are replaced.
let stock: number[][];
let stockInput: number[][];
beforeAll(() => {
  stock = CASES.map((c) => filterGradient(c));
  stockInput = CASES.map((c) => filterGradient(c, 'input'));
  supplyTrainingKernels('cpu');
});

const maxDifference = (a: number[], b: number[]) => Math.max(...a.map((value, i) => Math.abs(value - b[i]!)));

describe('convolution gradients as forward convolutions', () => {
  it.each(CASES.map((c, i) => ({ ...c, i })))(
    'match the stock CPU kernels: depthwise $depthwise, kernel $kernel, stride $stride, $pad',
    (c) => {
      expect(maxDifference(filterGradient(c), stock[c.i]!)).toBeLessThan(1e-3);
    },
  );

  it('give wasm the kernels it lacked, with the same answers', async () => {
    const kernels = new Set(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']);
    expect((await chooseBackend({ env: { NAS_TF_BACKEND: 'wasm' }, kernels })).name).toBe('wasm');
    CASES.forEach((c, i) => {
      expect(maxDifference(filterGradient(c), stock[i]!)).toBeLessThan(1e-3);
      expect(maxDifference(filterGradient(c, 'input'), stockInput[i]!)).toBeLessThan(1e-3);
    });
    await tf.setBackend('cpu');
  });
});

describe('UnsortedSegmentSum on wasm', () => {
  it('sums the embedding rows of repeated tokens as the CPU backend does', async () => {
    const gradient = () =>
      tf.tidy(() => {
        const table = tf.randomNormal([6, 4], 0, 1, 'float32', 8);
        const tokens = tf.tensor2d([[0, 3, 3], [5, 0, 3]], [2, 3], 'int32');
        const weights = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 9);
        return Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tokens), weights)))(table).dataSync());
      });
    const onCpu = gradient();
    expect((await chooseBackend({ env: { NAS_TF_BACKEND: 'wasm' }, kernels: new Set(['UnsortedSegmentSum']) })).name).toBe('wasm');
    const onWasm = gradient();
    await tf.setBackend('cpu');
    expect(maxDifference(onWasm, onCpu)).toBeLessThan(1e-5);
    // Token 3 appears three times: its row gathers three contributions, token 1 none.
    expect(onCpu.slice(4, 8)).toEqual([0, 0, 0, 0]);
  });
});
