import type * as tf from '@tensorflow/tfjs';
import type { ArchitectureCost } from '../../spaces/space.js';

/** Layers whose multiply-accumulates are their kernels' weights once per output position. */
const KERNEL_LAYERS = new Set(['Dense', 'Conv2D', 'SeparableConv2D', 'DepthwiseConv2D']);
/** Layers with weights but no multiply-accumulates in the spaces' cost models (inference folds batch norm). */
const FREE_LAYERS = new Set(['BatchNormalization']);

function size(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((product, dim) => product * (dim ?? 1), 1);
}

/** Output positions of a layer: every output dimension but the batch and the channels/units. */
function outputPositions(layer: tf.layers.Layer): number {
  const shape = layer.outputShape as (number | null)[];
  return size(shape.slice(1, -1));
}

function layerFlops(layer: tf.layers.Layer): number {
  if (layer.weights.length === 0 || FREE_LAYERS.has(layer.getClassName())) return 0;
  if (!KERNEL_LAYERS.has(layer.getClassName())) {
    throw new Error(`cannot count the multiply-accumulates of a ${layer.getClassName()} layer (${layer.name})`);
  }
  // A separable convolution's depthwise and pointwise kernels both run once per output position.
  const kernelWeights = layer.weights.filter((weight) => weight.name.endsWith('kernel')).reduce((sum, weight) => sum + size(weight.shape), 0);
  return kernelWeights * outputPositions(layer);
}

/** Trainable parameters: `model.countParams()` without batch norm's moving statistics. */
export function trainableParamCount(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, weight) => sum + size(weight.shape), 0);
}

/**
 * Trainable parameters and multiply-accumulates of a built model, counted as the spaces' cost models count
 * them: batch norm's moving statistics are not parameters (`model.countParams()` includes them), and only
 * dense and convolution kernels cost MACs. Throws for a layer with weights it does not know how to count.
 */
export function modelCost(model: tf.LayersModel): ArchitectureCost {
  return {
    params: trainableParamCount(model),
    flops: model.layers.reduce((sum, layer) => sum + layerFlops(layer), 0),
  };
}
