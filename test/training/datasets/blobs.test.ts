import { describe, expect, it } from 'vitest';
import { blobs } from '../../../src/training/datasets/blobs.js';
import { SPLIT_NAMES, type DataSplit } from '../../../src/training/datasets/dataset.js';
import { sameBytes } from './same-bytes.js';

const dataset = blobs.build({});

/** Accuracy on `split` of the nearest class mean of the training points: how learnable the task is. */
function nearestMeanAccuracy(split: DataSplit): number {
  const sums = Array.from({ length: dataset.classes }, () => ({ x: 0, y: 0, n: 0 }));
  dataset.train.y.forEach((label, i) => {
    sums[label]!.x += dataset.train.x[2 * i]!;
    sums[label]!.y += dataset.train.x[2 * i + 1]!;
    sums[label]!.n++;
  });
  const means = sums.map((sum) => [sum.x / sum.n, sum.y / sum.n] as const);
  let correct = 0;
  split.y.forEach((label, i) => {
    const distances = means.map(([mx, my]) => (split.x[2 * i]! - mx) ** 2 + (split.x[2 * i + 1]! - my) ** 2);
    if (distances.indexOf(Math.min(...distances)) === label) correct++;
  });
  return correct / split.count;
}

describe('blobs', () => {
  it('is 300 points in the plane split 200/50/50 over 3 classes', () => {
    expect(dataset.inputShape).toEqual([2]);
    expect([dataset.train.count, dataset.validation.count, dataset.test.count]).toEqual([200, 50, 50]);
    for (const split of SPLIT_NAMES) {
      expect(dataset[split].x.length).toBe(dataset[split].count * 2);
      expect(new Set(dataset[split].y)).toEqual(new Set([0, 1, 2]));
    }
  });

  it('is learnable but not separable', () => {
    const accuracies = SPLIT_NAMES.map((split) => nearestMeanAccuracy(dataset[split]));
    expect(Math.min(...accuracies)).toBeGreaterThan(0.75);
    expect(Math.max(...accuracies)).toBeLessThan(1);
  });

  it('builds the same bytes every time, with no point in two splits', () => {
    const again = blobs.build({});
    for (const split of SPLIT_NAMES) expect(sameBytes(again[split].x, dataset[split].x) && sameBytes(again[split].y, dataset[split].y)).toBe(true);
    const points = (split: DataSplit) => Array.from({ length: split.count }, (_, i) => `${split.x[2 * i]},${split.x[2 * i + 1]}`);
    const all = SPLIT_NAMES.flatMap((split) => points(dataset[split]));
    expect(new Set(all).size).toBe(300);
  });
});
