/**
 * The training data contract: every dataset, built-in or user-supplied, arrives as three fixed splits of
 * flat typed arrays. Model builders read only `inputShape`, `inputType`, `targetShape` and `classes`.
 *
 * Selection (early stopping, choosing the best trial) uses `validation`; `test` is only reported.
 * Datasets are cached and shared within a process: callers must not write into the arrays.
 */

/** One split: `count` samples; x is row-major [count, ...inputShape], y is [count, ...targetShape]. */
export interface DataSplit {
  readonly x: Float32Array | Int32Array;
  /** Class ids, or next-token ids per step for sequence tasks. */
  readonly y: Int32Array;
  readonly count: number;
  /** Per-step weights for sequence tasks (1 = scored position), same layout as y; absent = all scored. */
  readonly mask?: Float32Array;
}

export type InputType = 'float32' | 'int32';

export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

export interface Dataset {
  readonly name: string;
  readonly description: string;
  /** One sample, e.g. [28, 28, 1] or [seqLen]. */
  readonly inputShape: readonly number[];
  /** int32: token ids in [0, classes), from the same vocabulary as the targets. */
  readonly inputType: InputType;
  /** [] one label per sample; [seqLen] one per step. */
  readonly targetShape: readonly number[];
  /** Number of labels / vocabulary size. */
  readonly classes: number;
  /** Token id -> token, for text and symbol sequences. */
  readonly vocabulary?: readonly string[];
  readonly train: DataSplit;
  readonly validation: DataSplit;
  readonly test: DataSplit;
}

/** What the catalog shows of a dataset: everything but the data. */
export type DatasetSummary = Pick<Dataset, 'name' | 'description' | 'inputShape' | 'inputType' | 'targetShape' | 'classes'> & {
  readonly splits: Readonly<Record<SplitName, number>>;
};

/** Values per sample in a flat array laid out as [count, ...shape]. */
export function valuesPerSample(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

export function summarizeDataset(dataset: Dataset): DatasetSummary {
  return {
    name: dataset.name,
    description: dataset.description,
    inputShape: dataset.inputShape,
    inputType: dataset.inputType,
    targetShape: dataset.targetShape,
    classes: dataset.classes,
    splits: { train: dataset.train.count, validation: dataset.validation.count, test: dataset.test.count },
  };
}
