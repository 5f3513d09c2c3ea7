import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { NB201_EDGES, type Nb201Cell, type Nb201Operation } from '../../spaces/nb201.js';
import { batchNorm, chain, poolAndClassify, relu, reluConvBn, SeededLayers, sum, zerosLike } from './building-blocks.js';
import type { ModelBuilder } from './model-builder.js';
import { parseModelSettings } from './model-settings.js';
import { imageInput } from './task-input.js';

/**
 * The skeleton's knobs. The paper's 16 channels and 5 cells per stage take hours per epoch of MNIST on a
 * CPU; the defaults (8 channels, 1 cell per stage) keep a trial to minutes and still rank cells.
 */
const Nb201SettingsSchema = z.strictObject({
  /** Channels of the first stage; the second and third have 2x and 4x. @default 8 */
  channels: z.number().int().min(1).max(128).default(8),
  /** Cells in each of the three stages. @default 1 */
  cellsPerStage: z.number().int().min(1).max(10).default(1),
});

/** One edge's operation on node `x` at `channels` (stride 1: every edge of a cell keeps the map size). */
function edge(layers: SeededLayers, op: Exclude<Nb201Operation, 'none'>, x: tf.SymbolicTensor, channels: number): tf.SymbolicTensor {
  switch (op) {
    case 'skip_connect':
      return x;
    case 'nor_conv_1x1':
      return reluConvBn(layers, x, channels, 1);
    case 'nor_conv_3x3':
      return reluConvBn(layers, x, channels, 3);
    case 'avg_pool_3x3':
      // 'same' pooling averages only the pixels inside the map, like the reference's count_include_pad=False.
      return tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(x) as tf.SymbolicTensor;
  }
}

/**
 * Node j sums its non-`none` edges from nodes i < j; a node with none of them is zero (Dong & Yang 2020).
 * The cell's output is node 3. A node that no edge reads still runs in the reference code, and its
 * operations count in the benchmark's published sizes (and in `nb201Cost`), so it joins the output times
 * zero: the function is unchanged and the layers stay in the graph.
 */
function cell(layers: SeededLayers, ops: Nb201Cell, input: tf.SymbolicTensor, channels: number): tf.SymbolicTensor {
  const live = (k: number) => ops[k] !== 'none';
  const nodes = [input];
  for (const to of [1, 2, 3]) {
    const incoming = NB201_EDGES.flatMap(({ from, to: target }, k) => {
      const op = ops[k]!;
      return target === to && op !== 'none' ? [edge(layers, op, nodes[from]!, channels)] : [];
    });
    nodes.push(incoming.length > 0 ? sum(incoming) : zerosLike(input));
  }
  const unread = [1, 2].filter(
    (node) =>
      NB201_EDGES.some(({ to }, k) => to === node && live(k)) && !NB201_EDGES.some(({ from }, k) => from === node && live(k)),
  );
  return sum([nodes[3]!, ...unread.map((node) => zerosLike(nodes[node]!))]);
}

/** The residual block between stages: a strided two-conv branch plus a pooled 1x1-conv shortcut. */
function reductionBlock(layers: SeededLayers, x: tf.SymbolicTensor, channels: number): tf.SymbolicTensor {
  const branch = reluConvBn(layers, reluConvBn(layers, x, channels, 3, 2), channels, 3);
  const shortcut = chain(x, tf.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' }), layers.conv(channels, 1));
  return sum([branch, shortcut]);
}

/**
 * The NAS-Bench-201 network (Dong & Yang, ICLR 2020, Fig. 1): stem conv + BN, three stages of
 * `cellsPerStage` cells at C, 2C and 4C channels with a residual reduction block between stages, BN +
 * ReLU, global average pooling and a dense softmax; exactly what `nb201Cost` counts for the same task and
 * settings. Pools and strided convolutions use 'same' padding, so odd map sizes (MNIST's 7x7) round up
 * instead of breaking the shortcut's shape.
 */
export const nb201Builder: ModelBuilder<Nb201Cell> = {
  space: 'nb201',
  settings: (input) => parseModelSettings(Nb201SettingsSchema, input),
  build(ops, shape, settings, seed = 0) {
    const { channels, cellsPerStage } = Nb201SettingsSchema.parse(settings);
    const layers = new SeededLayers(seed);
    const { input, features } = imageInput('nb201', shape);
    let x = chain(features, layers.conv(channels, 3), batchNorm());
    for (const stage of [0, 1, 2]) {
      const width = channels * 2 ** stage;
      if (stage > 0) x = reductionBlock(layers, x, width);
      for (let i = 0; i < cellsPerStage; i += 1) x = cell(layers, ops, x, width);
    }
    return tf.model({ inputs: input, outputs: poolAndClassify(layers, chain(x, batchNorm(), relu()), shape.classes) });
  },
};
