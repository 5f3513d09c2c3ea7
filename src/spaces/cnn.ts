import { createLayerChainSpace, type LayerChainArch } from './layer-chain.js';
import type { ArchitectureCost, SearchSpace } from './space.js';

export const CNN_OPS = ['conv3x3', 'conv5x5', 'sepconv3x3', 'sepconv5x5'] as const;
export type CnnOp = (typeof CNN_OPS)[number];
export const CNN_FILTERS = [16, 32, 64, 128] as const;
export const CNN_MAX_BLOCKS = 4;

/** How a builder makes each op: a `conv2d` or a `separableConv2d` (depth multiplier 1) with this kernel. */
export const CNN_OP_LAYERS: Readonly<Record<CnnOp, { readonly kernel: number; readonly separable: boolean }>> = {
  conv3x3: { kernel: 3, separable: false },
  conv5x5: { kernel: 5, separable: false },
  sepconv3x3: { kernel: 3, separable: true },
  sepconv5x5: { kernel: 5, separable: true },
};

/**
 * One block: the op with `filters` output channels, stride 1, 'same' padding and no bias (the batch
 * norm's beta is the bias), then `batchNormalization`, ReLU, and a 2x2 stride-2 'valid' max-pool if `pool`.
 */
export interface CnnBlock {
  readonly op: CnnOp;
  readonly filters: (typeof CNN_FILTERS)[number];
  readonly pool: boolean;
}

export type CnnArch = LayerChainArch<CnnBlock>;

/** Input image shape and classes of an image classification task. */
export interface ImageTask {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly classes: number;
}

/** The task `cnnSpace.cost` counts for: 28x28 grey images (MNIST-like), 10 classes. */
export const CNN_NOMINAL_TASK: ImageTask = { height: 28, width: 28, channels: 1, classes: 10 };

/**
 * Trainable parameters and multiply-accumulates as the TensorFlow.js layers of `CnnBlock` count them,
 * then global average pooling and `dense({units: classes, activation: 'softmax'})`. A separable op is a
 * depthwise kxk (k*k*cin weights) plus a pointwise 1x1 (cin*filters); batch norm trains 2 parameters per
 * channel (its moving mean and variance are not trained) and costs no MACs, since inference folds it into
 * the convolution; pooling and ReLU cost no MACs either.
 */
export function cnnCost(arch: CnnArch, task: ImageTask = CNN_NOMINAL_TASK): ArchitectureCost {
  let { height, width, channels } = task;
  let params = 0;
  let flops = 0;
  for (const block of arch.layers) {
    const { kernel, separable } = CNN_OP_LAYERS[block.op];
    const weights = separable ? kernel * kernel * channels + channels * block.filters : kernel * kernel * channels * block.filters;
    params += weights + 2 * block.filters;
    flops += weights * height * width;
    channels = block.filters;
    if (block.pool) {
      height = Math.floor(height / 2);
      width = Math.floor(width / 2);
    }
  }
  return { params: params + channels * task.classes + task.classes, flops: flops + channels * task.classes };
}

/**
 * Plain CNNs: 1 to 4 conv blocks (`CnnBlock`: 32 variants each, 1,082,400 networks), then global average
 * pooling and a dense classifier. Compact form `conv3x3(32,pool)>sepconv5x5(64,nopool)`; JSON form
 * `{"layers": [{"op": "conv3x3", "filters": 32, "pool": true}, ...]}`. Insert actions add
 * `conv3x3(32,nopool)`. `cost` is for `CNN_NOMINAL_TASK` (28x28x1 input, 10 classes), where even four
 * pools leave a 1x1 map; the real input and classes come from the dataset, through `cnnCost`.
 */
export const cnnSpace: SearchSpace<CnnArch> = createLayerChainSpace<CnnBlock>({
  name: 'cnn',
  description: 'CNN: 1-4 conv/sepconv 3x3/5x5 blocks, 16-128 filters, optional max-pool, global pooling (1.08 M networks)',
  fields: { op: CNN_OPS, filters: CNN_FILTERS, pool: [false, true] },
  tokens: { pool: ['nopool', 'pool'] },
  defaultLayer: { op: 'conv3x3', filters: 32, pool: false },
  maxLayers: CNN_MAX_BLOCKS,
  head: [
    { id: 'gap', label: 'global average pool' },
    { id: 'output', label: `dense(${CNN_NOMINAL_TASK.classes},softmax)` },
  ],
  cost: (arch) => cnnCost(arch),
});
