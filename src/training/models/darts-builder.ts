import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { DARTS_NODES, dartsReductionLayers, type DartsCell, type DartsGenotype, type DartsOperation } from '../../spaces/darts.js';
import { batchNorm, chain, poolAndClassify, relu, reluConvBn, SeededLayers, sum } from './building-blocks.js';
import type { ModelBuilder } from './model-builder.js';
import { parseModelSettings } from './model-settings.js';
import { registerDilatedDepthwiseGradient } from './dilated-depthwise-gradient.js';
import { imageInput } from './task-input.js';

// dil_conv at stride 1 is a dilated depthwise convolution, which TensorFlow.js cannot differentiate
// without this; at import, so that a process that loads a saved DARTS model can train it as well.
registerDilatedDepthwiseGradient();

/**
 * The evaluation network's knobs. The paper's C = 36 and 20 cells are days of GPU time; the defaults
 * (C = 8, 5 cells: normal, reduce, normal, reduce, normal) train on MNIST-size data on a CPU.
 */
const DartsSettingsSchema = z.strictObject({
  /** Initial channels C, doubled at each reduction; even, as FactorizedReduce halves it. @default 8 */
  channels: z.number().int().min(2).max(128).multipleOf(2).default(8),
  /** Cells; those at a third and two thirds of the depth reduce. @default 5 */
  layers: z.number().int().min(1).max(30).default(5),
});

const STEM_MULTIPLIER = 3;

/** Keeps every second pixel (a one-pixel window at stride 2); odd sizes round up, like 'same' striding. */
function subsample(): tf.layers.Layer {
  return tf.layers.maxPooling2d({ poolSize: 1, strides: 2, padding: 'valid' });
}

/**
 * FactorizedReduce of the DARTS code: ReLU, then two 1x1 stride-2 convolutions of C/2 channels, one on the
 * map shifted by a pixel so that together they see every pixel, concatenated and batch-normalised. The
 * shift pads the far edge rather than cropping the near one, so odd map sizes give halves of equal size.
 */
function factorizedReduce(layers: SeededLayers, x: tf.SymbolicTensor, channels: number): tf.SymbolicTensor {
  const activated = chain(x, relu());
  const aligned = chain(activated, layers.conv(channels / 2, 1, 2));
  const shifted = chain(
    activated,
    tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }),
    tf.layers.cropping2D({ cropping: [[1, 0], [1, 0]] }),
    layers.conv(channels / 2, 1, 2),
  );
  return chain(tf.layers.concatenate().apply([aligned, shifted]) as tf.SymbolicTensor, batchNorm());
}

/**
 * ReLU, depthwise kxk, pointwise 1x1, BN (`SepConv` is two of these, `DilConv` one with dilation 2).
 * TensorFlow has no strided dilated convolution; but a stride-2, dilation-2 kxk convolution reads only
 * every second pixel, so it is exactly a dense kxk convolution of the subsampled map: same outputs, same
 * weights, a quarter of the work.
 */
function reluSeparableBn(
  layers: SeededLayers,
  x: tf.SymbolicTensor,
  channels: number,
  kernel: number,
  strides: number,
  dilated: boolean,
): tf.SymbolicTensor {
  if (dilated && strides === 2) return chain(x, relu(), subsample(), layers.separableConv(channels, kernel), batchNorm());
  return chain(x, relu(), layers.separableConv(channels, kernel, strides, dilated ? 2 : 1), batchNorm());
}

/** One operation of `operations.py` in the DARTS code, as the evaluation network uses it. */
function operation(layers: SeededLayers, op: DartsOperation, x: tf.SymbolicTensor, channels: number, strides: number): tf.SymbolicTensor {
  const pool = { poolSize: 3, strides, padding: 'same' } as const;
  switch (op) {
    case 'max_pool_3x3':
      return chain(x, tf.layers.maxPooling2d(pool));
    case 'avg_pool_3x3':
      // 'same' pooling averages only the pixels inside the map, like the reference's count_include_pad=False.
      return chain(x, tf.layers.averagePooling2d(pool));
    case 'skip_connect':
      return strides === 1 ? x : factorizedReduce(layers, x, channels);
    case 'sep_conv_3x3':
    case 'sep_conv_5x5': {
      const kernel = op === 'sep_conv_3x3' ? 3 : 5;
      return reluSeparableBn(layers, reluSeparableBn(layers, x, channels, kernel, strides, false), channels, kernel, 1, false);
    }
    case 'dil_conv_3x3':
    case 'dil_conv_5x5':
      return reluSeparableBn(layers, x, channels, op === 'dil_conv_3x3' ? 3 : 5, strides, true);
  }
}

/** The two cell inputs: the outputs of the previous two cells (both the stem's for the first cell). */
interface CellInputs {
  readonly prevPrev: tf.SymbolicTensor;
  readonly prev: tf.SymbolicTensor;
  /** The previous cell reduced, so `prevPrev` has twice the map size of `prev`. */
  readonly reductionPrev: boolean;
}

/**
 * A DARTS cell (Liu et al. 2019, Sec. 2.1): both inputs preprocessed to C channels, each intermediate node
 * the sum of its two operations (stride 2 on the cell inputs in a reduction cell), the output the
 * concatenation of nodes 2..5.
 */
function dartsCell(layers: SeededLayers, genotype: DartsCell, inputs: CellInputs, channels: number, reduction: boolean): tf.SymbolicTensor {
  const states = [
    inputs.reductionPrev ? factorizedReduce(layers, inputs.prevPrev, channels) : reluConvBn(layers, inputs.prevPrev, channels, 1),
    reluConvBn(layers, inputs.prev, channels, 1),
  ];
  for (const pair of genotype) {
    const strides = (input: number) => (reduction && input < 2 ? 2 : 1);
    states.push(sum(pair.map(({ op, input }) => operation(layers, op, states[input]!, channels, strides(input)))));
  }
  return tf.layers.concatenate().apply(states.slice(2, 2 + DARTS_NODES.length)) as tf.SymbolicTensor;
}

/**
 * The DARTS CIFAR evaluation network (`NetworkCIFAR`, auxiliary head and drop-path off): a 3x3 stem conv +
 * BN to 3C channels, `layers` cells with reduction cells at a third and two thirds of the depth, global
 * average pooling and a dense softmax; exactly what `dartsCost` counts for the same task and settings.
 */
export const dartsBuilder: ModelBuilder<DartsGenotype> = {
  space: 'darts',
  settings: (input) => parseModelSettings(DartsSettingsSchema, input),
  build(genotype, shape, settings, seed = 0) {
    const { channels, layers: cells } = DartsSettingsSchema.parse(settings);
    const layers = new SeededLayers(seed);
    const { input, features } = imageInput('darts', shape);
    const stem = chain(features, layers.conv(STEM_MULTIPLIER * channels, 3), batchNorm());
    const reductionLayers = dartsReductionLayers(cells);
    let inputs: CellInputs = { prevPrev: stem, prev: stem, reductionPrev: false };
    let width = channels;
    for (let cell = 0; cell < cells; cell += 1) {
      const reduction = reductionLayers.includes(cell);
      if (reduction) width *= 2;
      const output = dartsCell(layers, reduction ? genotype.reduce : genotype.normal, inputs, width, reduction);
      inputs = { prevPrev: inputs.prev, prev: output, reductionPrev: reduction };
    }
    return tf.model({ inputs: input, outputs: poolAndClassify(layers, inputs.prev, shape.classes) });
  },
};
