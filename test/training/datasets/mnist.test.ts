import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { SPLIT_NAMES, type Dataset } from '../../../src/training/datasets/dataset.js';
import { mnist, mnistSampleIndices } from '../../../src/training/datasets/mnist.js';
import { sameBytes } from './same-bytes.js';

const build = (layout: 'image' | 'flat' = 'image') => mnist.build(mnist.optionsSchema.parse({ layout }));
const image = build();

function rowsOf(dataset: Dataset, split: 'train' | 'validation' | 'test'): string[] {
  const { x, count } = dataset[split];
  return Array.from({ length: count }, (_, row) => Buffer.from(x.buffer, x.byteOffset + row * 784 * 4, 784 * 4).toString('base64'));
}

describe('mnist', () => {
  it('has fixed 8000/1000/1000 splits of 28x28x1 images with one label each', () => {
    expect([image.train.count, image.validation.count, image.test.count]).toEqual([8000, 1000, 1000]);
    expect(image.inputShape).toEqual([28, 28, 1]);
    expect(image.targetShape).toEqual([]);
    for (const split of SPLIT_NAMES) {
      expect(image[split].x.length).toBe(image[split].count * 784);
      expect(image[split].y.length).toBe(image[split].count);
    }
  });

  it('labels every split with digits 0-9, each of them present, and pixels in [0, 1]', () => {
    for (const split of SPLIT_NAMES) {
      const perDigit = new Array<number>(10).fill(0);
      for (const label of image[split].y) perDigit[label]!++;
      expect(perDigit.reduce((a, b) => a + b)).toBe(image[split].count);
      expect(Math.min(...perDigit)).toBeGreaterThan(image[split].count / 20);
      expect(image[split].x.every((pixel) => pixel >= 0 && pixel <= 1)).toBe(true);
    }
  });

  it('holds, row by row, the package digits its fixed indices name, with their labels', () => {
    const digits = createRequire(import.meta.url)('mnist') as { raw: number[]; length: number }[];
    const source = digits.slice(0, 10).flatMap((digit, label) => Array.from({ length: digit.length }, (_, i) => ({ digit, label, i })));
    const indices = mnistSampleIndices();
    expect(mnistSampleIndices()).toEqual(indices);
    for (const split of SPLIT_NAMES) {
      indices[split].forEach((index, row) => {
        const { digit, label, i } = source[index]!;
        expect(image[split].y[row]).toBe(label);
        if (row % 50 === 0) expect(sameBytes(image[split].x.subarray(row * 784, (row + 1) * 784), Float32Array.from(digit.raw.slice(i * 784, (i + 1) * 784)))).toBe(true);
      });
    }
  });

  it('puts each source digit in exactly one split, and no image in two', () => {
    const indices = mnistSampleIndices();
    const all = [...indices.train, ...indices.validation, ...indices.test];
    expect(new Set(all).size).toBe(10_000);
    expect(all.every((index) => Number.isInteger(index) && index >= 0 && index < 10_000)).toBe(true);
    const training = new Set(rowsOf(image, 'train'));
    const validation = rowsOf(image, 'validation');
    const validationRows = new Set(validation);
    const test = rowsOf(image, 'test');
    expect(validation.filter((row) => training.has(row))).toEqual([]);
    expect(test.filter((row) => training.has(row) || validationRows.has(row))).toEqual([]);
  });

  it('shares the same samples as [784] rows in the flat layout', () => {
    const flat = build('flat');
    expect(flat.inputShape).toEqual([784]);
    expect(flat.validation.x).toBe(image.validation.x);
  });
});
