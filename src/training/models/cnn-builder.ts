import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { InvalidRequest } from '../../errors.js';
import { CNN_OP_LAYERS, type CnnArch, type CnnBlock } from '../../spaces/cnn.js';
import { batchNorm, chain, poolAndClassify, relu, SeededLayers } from './building-blocks.js';
import type { ModelBuilder } from './model-builder.js';
import { parseModelSettings } from './model-settings.js';
import { imageInput } from './task-input.js';

/** The CNN space is fully searched: nothing is left to fix per task. */
const CnnSettingsSchema = z.strictObject({});

function convolution(layers: SeededLayers, block: CnnBlock): tf.layers.Layer {
  const { kernel, separable } = CNN_OP_LAYERS[block.op];
  return separable ? layers.separableConv(block.filters, kernel) : layers.conv(block.filters, kernel);
}

/** Each `CnnBlock` as its documentation describes it, then global pooling and a dense softmax: what `cnnCost` counts. */
export const cnnBuilder: ModelBuilder<CnnArch> = {
  space: 'cnn',
  settings: (input) => parseModelSettings(CnnSettingsSchema, input),
  build(arch, shape, _settings, seed = 0) {
    const layers = new SeededLayers(seed);
    const { input, features, task } = imageInput('cnn', shape);
    const pools = arch.layers.filter((block) => block.pool).length;
    if (Math.min(task.height, task.width) < 2 ** pools) {
      throw new InvalidRequest('dataset', `${pools} 2x2 max-pools need images of at least ${2 ** pools} pixels a side`);
    }
    const maps = arch.layers.reduce(
      (x, block) =>
        chain(
          x,
          convolution(layers, block),
          batchNorm(),
          relu(),
          ...(block.pool ? [tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid' })] : []),
        ),
      features,
    );
    return tf.model({ inputs: input, outputs: poolAndClassify(layers, maps, shape.classes) });
  },
};
