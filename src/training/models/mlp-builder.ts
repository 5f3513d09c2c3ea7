import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { MlpArch } from '../../spaces/mlp.js';
import { chain, SeededLayers } from './building-blocks.js';
import type { ModelBuilder } from './model-builder.js';
import { parseModelSettings } from './model-settings.js';
import { denseInput } from './task-input.js';

/** The MLP space is fully searched: nothing is left to fix per task. */
const MlpSettingsSchema = z.strictObject({});

/** Flattened input, the searched dense layers (each with its dropout), a dense softmax: what `mlpCost` counts. */
export const mlpBuilder: ModelBuilder<MlpArch> = {
  space: 'mlp',
  settings: (input) => parseModelSettings(MlpSettingsSchema, input),
  build(arch, shape, _settings, seed = 0) {
    const layers = new SeededLayers(seed);
    const { input, features } = denseInput('mlp', shape);
    const hidden = arch.layers.reduce(
      (x, layer) =>
        chain(x, layers.dense(layer.units, layer.activation), ...(layer.dropout > 0 ? [tf.layers.dropout({ rate: layer.dropout })] : [])),
      features,
    );
    return tf.model({ inputs: input, outputs: chain(hidden, layers.dense(shape.classes, 'softmax')) });
  },
};
