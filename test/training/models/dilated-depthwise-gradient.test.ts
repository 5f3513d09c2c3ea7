import { useCpuBackend } from '../../../src/training/backend.js';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend } from '../../../src/training/backend.js';
import { registerDilatedDepthwiseGradient } from '../../../src/training/models/dilated-depthwise-gradient.js';

// These tests run on the CPU backend, as predictors, policies and model building do.
useCpuBackend();

registerDilatedDepthwiseGradient();

/** The kernel a dilation-d convolution applies: w's taps spread d apart, zeros between. */
function inflate(w: tf.Tensor4D, d: number): tf.Tensor4D {
  const [k, , channels] = w.shape;
  const size = d * (k - 1) + 1;
  const values = w.arraySync();
  const buffer = tf.buffer([size, size, channels, 1]);
  for (let i = 0; i < k; i += 1) for (let j = 0; j < k; j += 1) for (let c = 0; c < channels; c += 1) buffer.set(values[i]![j]![c]![0]!, d * i, d * j, c, 0);
  return buffer.toTensor() as tf.Tensor4D;
}

describe('gradient of a dilated depthwise convolution', () => {
  it.each([
    { k: 3, d: 2, pad: 'same' },
    { k: 5, d: 2, pad: 'same' },
    { k: 3, d: 2, pad: 'valid' },
    { k: 3, d: 3, pad: 'same' },
  ] as const)('kernel $k, dilation $d, $pad padding: equals the gradient with the taps spread out', ({ k, d, pad }) => {
    const x = tf.randomNormal([2, 9, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([k, k, 3, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
    const outputShape = tf.depthwiseConv2d(x, w, 1, pad, 'NHWC', d).shape;
    const weights = tf.randomNormal(outputShape, 0, 1, 'float32', 3);
    const [dx, dw] = tf.grads((input: tf.Tensor, kernel: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(input as tf.Tensor4D, kernel as tf.Tensor4D, 1, pad, 'NHWC', d), weights)),
    )([x, w]);
    const [dxInflated, dwInflated] = tf.grads((input: tf.Tensor, kernel: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(input as tf.Tensor4D, kernel as tf.Tensor4D, 1, pad), weights)),
    )([x, inflate(w, d)]);
    const taps = tf.stridedSlice(dwInflated!, [0, 0, 0, 0], dwInflated!.shape, [d, d, 1, 1]);
    expect(dx!.shape).toEqual(x.shape);
    expect(dw!.shape).toEqual(w.shape);
    const maxDifference = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
    expect(maxDifference(dx!, dxInflated!)).toBeLessThan(1e-4);
    expect(maxDifference(dw!, taps)).toBeLessThan(1e-4);
  });

  it('leaves undilated convolutions to the stock gradient', () => {
    const x = tf.randomNormal([1, 5, 5, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
    // A depth multiplier of 2 is outside what the dilated gradient handles: only the stock one can do it.
    const [dx, dw] = tf.grads((input: tf.Tensor, kernel: tf.Tensor) => tf.sum(tf.depthwiseConv2d(input as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same')))([x, w]);
    expect(dx!.shape).toEqual(x.shape);
    expect(dw!.shape).toEqual(w.shape);
  });

  it('gives the same gradients on wasm as on the CPU backend', async () => {
    const gradients = () =>
      tf.tidy(() => {
        const x = tf.randomNormal([2, 7, 7, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
        const w = tf.randomNormal([5, 5, 3, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
        const grads = tf.grads((input: tf.Tensor, kernel: tf.Tensor) =>
          tf.sum(tf.square(tf.depthwiseConv2d(input as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same', 'NHWC', 2))),
        )([x, w]);
        return grads.flatMap((g) => Array.from(g.dataSync()));
      });
    const onCpu = gradients();
    expect((await chooseBackend({ env: { NAS_TF_BACKEND: 'wasm' } })).name).toBe('wasm');
    const onWasm = gradients();
    await tf.setBackend('cpu');
    expect(Math.max(...onWasm.map((value, i) => Math.abs(value - onCpu[i]!)))).toBeLessThan(1e-3);
  });
});
