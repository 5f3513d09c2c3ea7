import { z } from 'zod';
import { InvalidRequest } from '../../errors.js';
import type { RnnCell } from '../../spaces/rnn-cell.js';
import { RNN_NOMINAL_TASK, type RnnTask } from '../../spaces/rnn.js';
import type { ModelBuilder, ModelSettings, TaskShape } from './model-builder.js';
import { parseModelSettings } from './model-settings.js';
import { buildRnnLanguageModel } from './rnn-block-cell.js';

/** The sizes around the searched cell; the vocabulary is the dataset's `classes`. */
const RnnSettingsSchema = z.strictObject({
  /** Width of h_t, c_t and every block. @default 200 (Zaremba et al.'s small PTB model) */
  hiddenSize: z.number().int().min(1).max(4096).default(RNN_NOMINAL_TASK.hiddenSize),
  /** Width of the token embedding x_t. @default 200 */
  embeddingSize: z.number().int().min(1).max(4096).default(RNN_NOMINAL_TASK.embeddingSize),
});

/** The task as `rnnCost` counts it, for this dataset and these settings. */
export function rnnTaskOf(shape: TaskShape, settings: ModelSettings): RnnTask {
  return { vocabSize: shape.classes, embeddingSize: settings.embeddingSize!, hiddenSize: settings.hiddenSize! };
}

/** A token sequence `[seqLen]` of int32 ids, or the cell has nothing to read. */
function sequenceLength(shape: TaskShape): number {
  const [length, ...rest] = shape.inputShape;
  if (shape.inputType !== 'int32' || length === undefined || rest.length > 0) {
    throw new InvalidRequest('dataset', `space 'rnn' reads token id sequences (int32, [seqLen]), got ${shape.inputType} [${shape.inputShape.join(', ')}]`);
  }
  return length;
}

/**
 * Embedding, the block cell unrolled over the sequence, and a dense softmax over the vocabulary, at every
 * step for a per-step task (`[batch, seqLen, classes]`, language modelling) or at the last step otherwise
 * (`[batch, classes]`). The cell is a custom layer (`RnnBlockCell`), registered with TensorFlow.js's
 * serialization when this module loads, so a saved model loads wherever this module has been imported.
 */
export const rnnBuilder: ModelBuilder<RnnCell> = {
  space: 'rnn',
  settings: (input) => parseModelSettings(RnnSettingsSchema, input),
  build: (cell, shape, settings, seed = 0) =>
    buildRnnLanguageModel(cell, rnnTaskOf(shape, settings), { sequenceLength: sequenceLength(shape), perStep: shape.perStep, seed }),
};
