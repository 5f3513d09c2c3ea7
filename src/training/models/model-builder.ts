import type * as tf from '@tensorflow/tfjs';

/** What a model must consume and produce, from the dataset. */
export interface TaskShape {
  /** One sample, e.g. `[784]`, `[28, 28, 1]`, `[seqLen]`. */
  readonly inputShape: readonly number[];
  /** `int32`: token ids (the model starts with an embedding). */
  readonly inputType: 'float32' | 'int32';
  /** Output units (labels, or vocabulary size). */
  readonly classes: number;
  /** Sequence tasks: one prediction per time step. */
  readonly perStep: boolean;
}

/** Per-task knobs a search fixes for all its trials (validated per space), e.g. nb201 `{channels, cellsPerStage}`. */
export type ModelSettings = Readonly<Record<string, number>>;

/**
 * Turns an architecture of one search space into a TensorFlow.js model.
 *
 * Contract (checked for every builder by `test/training/models/builders.test.ts`): the model's trainable
 * parameters equal the space's cost model for the same task and settings, its output is
 * `[batch, classes]` rows of a softmax, and it uses only built-in layers, so `model.save()` and
 * `tf.loadLayersModel` round-trip it without registering anything.
 */
export interface ModelBuilder<A> {
  readonly space: string;
  /** Validates settings, naming the offending field (`InvalidRequest`); returns them with defaults. */
  settings(input: unknown): ModelSettings;
  /**
   * A compiled-free `tf.LayersModel` (functional or sequential) ending in softmax over `classes`.
   * Initial weights are drawn from `seed` (default 0): the same arguments build the same weights.
   * Throws `InvalidRequest` (field `dataset`) for a task the space cannot model, e.g. token input to a CNN.
   */
  build(arch: A, shape: TaskShape, settings: ModelSettings, seed?: number): tf.LayersModel;
}
