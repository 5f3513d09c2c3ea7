import { describe, expect, it } from 'vitest';
import type { TaskShape } from '../../../src/training/models/model-builder.js';
import { placeholderDataset, taskShapeOf } from '../../../src/training/models/task-shape.js';

describe('placeholderDataset and taskShapeOf', () => {
  it.each<TaskShape>([
    { inputShape: [28, 28, 1], inputType: 'float32', classes: 10, perStep: false },
    { inputShape: [784], inputType: 'float32', classes: 10, perStep: false },
    { inputShape: [35], inputType: 'int32', classes: 1000, perStep: true },
  ])('a placeholder for $inputShape ($inputType, per step: $perStep) has that task shape and full splits', (shape) => {
    const dataset = placeholderDataset(shape, 3);
    expect(taskShapeOf(dataset)).toEqual(shape);
    const perSample = shape.inputShape.reduce((a, b) => a * b, 1);
    for (const split of [dataset.train, dataset.validation, dataset.test]) {
      expect(split.count).toBe(3);
      expect(split.x.length).toBe(3 * perSample);
      expect(split.x).toBeInstanceOf(shape.inputType === 'int32' ? Int32Array : Float32Array);
      expect(split.y.length).toBe(shape.perStep ? 3 * shape.inputShape[0]! : 3);
    }
  });
});
