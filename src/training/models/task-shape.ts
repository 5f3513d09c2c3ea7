import { valuesPerSample, type DataSplit, type Dataset } from '../datasets/dataset.js';
import type { TaskShape } from './model-builder.js';

/** What a model must consume and produce for `dataset`: a target per step when targets have a shape. */
export function taskShapeOf(dataset: Dataset): TaskShape {
  return {
    inputShape: dataset.inputShape,
    inputType: dataset.inputType,
    classes: dataset.classes,
    perStep: dataset.targetShape.length > 0,
  };
}

/**
 * A dataset of zeros shaped for `shape`, `samples` in each split: for what needs the right shapes but no
 * data, such as recording the kernels of a training step (`trainingStepKernels`) to choose a backend.
 * Per-step tasks get one target per element of the input sequence.
 */
export function placeholderDataset(shape: TaskShape, samples = 2): Dataset {
  const targetShape = shape.perStep ? shape.inputShape.slice(0, 1) : [];
  const split = (): DataSplit => ({
    x: shape.inputType === 'int32' ? new Int32Array(samples * valuesPerSample(shape.inputShape)) : new Float32Array(samples * valuesPerSample(shape.inputShape)),
    y: new Int32Array(samples * valuesPerSample(targetShape)),
    count: samples,
  });
  return {
    name: 'placeholder',
    description: 'zeros shaped like the task',
    inputShape: shape.inputShape,
    inputType: shape.inputType,
    targetShape,
    classes: shape.classes,
    train: split(),
    validation: split(),
    test: split(),
  };
}
