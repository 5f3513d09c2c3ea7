import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;
interface KernelBackend {
  disposeData(dataId: object): boolean;
}

/** Runs another kernel of the same backend, as backends compose kernels internally. */
function kernelRunner(backendName: string, backend: unknown) {
  return (kernelName: string, inputs: tf.NamedTensorInfoMap, attrs: object): TensorInfo =>
    tf.getKernel(kernelName, backendName)!.kernelFunc({ inputs, backend: backend as never, attrs: attrs as tf.NamedAttrMap }) as TensorInfo;
}

function disposeAll(backend: unknown, intermediates: readonly TensorInfo[]): void {
  for (const intermediate of intermediates) (backend as KernelBackend).disposeData(intermediate.dataId);
}

/**
 * Conv2DBackpropFilter (the gradient of a convolution's kernel) as one forward convolution, for backends
 * whose own kernel is slow or missing: TensorFlow.js 4.22's CPU kernel runs ~40x slower than the forward
 * convolution (42 s against 1 s for a 3x3, 32->64-channel layer on 8 28x28 maps), and wasm has none,
 * which is what kept it from training convolutional models.
 *
 * dW[i, j, ci, co] = sum over b, h, w of xpad[b, s h + i, s w + j, ci] dy[b, h, w, co]: a convolution of
 * xpad with batch and channels swapped ([ci, H, W, b]) by dy as the kernel ([outH, outW, b, co]), its taps
 * spread s apart (dilation = stride s); rows past the kernel's size, left over by 'valid' striding, are
 * cut off. Written with the backend's own Transpose, Conv2D and Slice kernels, so it runs wherever they do.
 */
function conv2dBackpropFilterKernel(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.Conv2DBackpropFilter, backendName);
  return {
    kernelName: tf.Conv2DBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
      if (dataFormat === 'NCHW') {
        if (!stock) throw new Error(`${backendName} has no Conv2DBackpropFilter for NCHW data`);
        return stock.kernelFunc({ inputs, backend, attrs });
      }
      const run = kernelRunner(backendName, backend);
      const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
      const { top, bottom, left, right } = info.padInfo;
      const image = run(tf.Transpose, { x }, { perm: [3, 1, 2, 0] });
      const kernel = run(tf.Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      const spread = run(
        tf.Conv2D,
        { x: image, filter: kernel },
        { strides: [1, 1], pad: [[0, 0], [top, bottom], [left, right], [0, 0]], dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] },
      );
      const [inChannels, , , outChannels] = spread.shape;
      const taps = run(tf.Slice, { x: spread }, { begin: [0, 0, 0, 0], size: [inChannels!, info.filterHeight, info.filterWidth, outChannels!] });
      const gradient = run(tf.Transpose, { x: taps }, { perm: [1, 2, 0, 3] });
      disposeAll(backend, [image, kernel, spread, taps]);
      return gradient;
    },
  };
}

/**
 * DepthwiseConv2dNativeBackpropFilter the same way: dW[i, j, c] = sum over b, h, w of
 * xpad[b, s h + d i, s w + d j, c] dy[b, h, w, c], one depthwise convolution of xpad with batch folded
 * into channels ([1, H, W, b c]) by dy as the kernel ([outH, outW, b c, 1]): taps spread by the stride s,
 * output stepped by the dilation d (TensorFlow never has both above 1), then summed over the batch. The CPU
 * kernel is ~12x slower than the forward convolution and ignores dilation; wasm has none.
 */
function depthwiseBackpropFilterKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
      const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
      const run = kernelRunner(backendName, backend);
      const [batch, , , channels] = x.shape as [number, number, number, number];
      if (filterShape[3] !== 1) throw new Error('the depthwise filter gradient supports depth multiplier 1 only');
      const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, dilations, pad, dimRoundingMode, true);
      const { top, bottom, left, right } = info.padInfo;
      const folded = run(tf.Transpose, { x }, { perm: [1, 2, 0, 3] });
      const image = run(tf.Reshape, { x: folded }, { shape: [1, info.inHeight, info.inWidth, batch * channels] });
      const transposedDy = run(tf.Transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      const kernel = run(tf.Reshape, { x: transposedDy }, { shape: [info.outHeight, info.outWidth, batch * channels, 1] });
      const perSample = run(
        tf.DepthwiseConv2dNative,
        { x: image, filter: kernel },
        {
          strides: [info.dilationHeight, info.dilationWidth],
          pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
          dilations: [info.strideHeight, info.strideWidth],
        },
      );
      const taps = run(tf.Slice, { x: perSample }, { begin: [0, 0, 0, 0], size: [1, info.filterHeight, info.filterWidth, batch * channels] });
      const unfolded = run(tf.Reshape, { x: taps }, { shape: [info.filterHeight, info.filterWidth, batch, channels] });
      const summed = run(tf.Sum, { x: unfolded }, { axis: [2], keepDims: false });
      const gradient = run(tf.Reshape, { x: summed }, { shape: filterShape });
      disposeAll(backend, [folded, image, transposedDy, kernel, perSample, taps, unfolded, summed]);
      return gradient;
    },
  };
}

/**
 * DepthwiseConv2dNativeBackpropInput, which wasm lacks (it is what a separable convolution after the first
 * layer needs): dx[b, p, q, c] = sum over i, j of w[i, j, c] up[b, p + top - d i, q + left - d j, c], where
 * `up` is dy with s - 1 zeros after every row and column (stride s). That is one depthwise convolution,
 * dilation d, of `up` padded by d (k - 1) - top before, with the kernel flipped in space.
 */
function depthwiseBackpropInputKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
      const run = kernelRunner(backendName, backend);
      const filterShape = filter.shape as [number, number, number, number];
      if (filterShape[3] !== 1) throw new Error('the depthwise input gradient supports depth multiplier 1 only');
      const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, strides, dilations, pad, dimRoundingMode, true);
      const intermediates: TensorInfo[] = [];
      const keep = (tensor: TensorInfo) => (intermediates.push(tensor), tensor);
      /** Interleaves s - 1 zero slices after every slice of `axis`. */
      const spread = (x: TensorInfo, axis: 1 | 2, s: number): TensorInfo => {
        if (s === 1) return x;
        const zeros = keep(run(tf.ZerosLike, { x }, {}));
        const slices = [x, ...Array<TensorInfo>(s - 1).fill(zeros)] as unknown as tf.NamedTensorInfoMap;
        const packed = keep(run(tf.Pack, slices, { axis: axis + 1 }));
        const shape = [...x.shape];
        shape[axis] = shape[axis]! * s;
        return keep(run(tf.Reshape, { x: packed }, { shape }));
      };
      const up = spread(spread(dy, 1, info.strideHeight), 2, info.strideWidth);
      const reach = [info.dilationHeight * (info.filterHeight - 1), info.dilationWidth * (info.filterWidth - 1)] as const;
      const before = [reach[0] - info.padInfo.top, reach[1] - info.padInfo.left] as const;
      const needed = [info.inHeight + reach[0], info.inWidth + reach[1]] as const;
      const after = [needed[0] - before[0] - up.shape[1]!, needed[1] - before[1] - up.shape[2]!] as const;
      const padded = keep(
        run(tf.PadV2, { x: up }, { paddings: [[0, 0], [before[0], Math.max(after[0], 0)], [before[1], Math.max(after[1], 0)], [0, 0]], constantValue: 0 }),
      );
      const fitted = after[0] < 0 || after[1] < 0 ? keep(run(tf.Slice, { x: padded }, { begin: [0, 0, 0, 0], size: [info.batchSize, needed[0], needed[1], info.inChannels] })) : padded;
      const flipped = keep(run(tf.Reverse, { x: filter }, { dims: [0, 1] }));
      const gradient = run(
        tf.DepthwiseConv2dNative,
        { x: fitted, filter: flipped },
        { strides: [1, 1], pad: 'valid', dilations: [info.dilationHeight, info.dilationWidth] },
      );
      disposeAll(backend, intermediates);
      return gradient;
    },
  };
}

/**
 * UnsortedSegmentSum, which wasm lacks and an embedding's gradient is (the gradient of a gather sums the
 * rows of dy that picked the same token): with one-dimensional segment ids, exactly a ScatterNd of x's
 * rows to their ids, which adds rows that share an id.
 */
function unsortedSegmentSumKernel(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.UnsortedSegmentSum,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
      const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
      if (segmentIds.shape.length !== 1) throw new Error('the UnsortedSegmentSum supplied here takes one-dimensional segment ids only');
      const run = kernelRunner(backendName, backend);
      const indices = run(tf.Reshape, { x: segmentIds }, { shape: [segmentIds.shape[0]!, 1] });
      const sums = run(tf.ScatterNd, { indices, updates: x }, { shape: [numSegments, ...x.shape.slice(1)] });
      disposeAll(backend, [indices]);
      return sums;
    },
  };
}

const supplied = new Set<string>();

/**
 * Gives a backend the kernels above that training needs: the convolution filter gradients replace its own
 * (slow on the CPU, missing on wasm); DepthwiseConv2dNativeBackpropInput and UnsortedSegmentSum are added
 * where the backend has none (wasm). Idempotent.
 * @example supplyTrainingKernels('wasm')
 */
export function supplyTrainingKernels(backendName: string): void {
  if (supplied.has(backendName)) return;
  const kernels = [conv2dBackpropFilterKernel(backendName), depthwiseBackpropFilterKernel(backendName)];
  if (!tf.getKernel(tf.DepthwiseConv2dNativeBackpropInput, backendName)) kernels.push(depthwiseBackpropInputKernel(backendName));
  if (!tf.getKernel(tf.UnsortedSegmentSum, backendName)) kernels.push(unsortedSegmentSumKernel(backendName));
  for (const kernel of kernels) {
    if (tf.getKernel(kernel.kernelName, backendName)) tf.unregisterKernel(kernel.kernelName, backendName);
    tf.registerKernel(kernel);
  }
  supplied.add(backendName);
}
