import { describe, expect, it } from 'vitest';
import { InvalidRequest } from '../../../src/errors.js';
import { anbncn } from '../../../src/training/datasets/anbncn.js';
import { SPLIT_NAMES, type DataSplit, type Dataset } from '../../../src/training/datasets/dataset.js';
import { loadDataset } from '../../../src/training/datasets/registry.js';
import { sameBytes } from './same-bytes.js';

const build = (options: object = {}) => anbncn.build(anbncn.optionsSchema.parse(options));
const dataset = build();
const length = dataset.inputShape[0]!;

/** Row `row` of a split as symbol strings, padding dropped from the input. */
function decode(data: Dataset, split: DataSplit, row: number) {
  const symbols = (values: ArrayLike<number>) => Array.from(values, (id) => data.vocabulary![id]!);
  const x = symbols(split.x.subarray(row * length, (row + 1) * length));
  return {
    input: x.filter((symbol) => symbol !== '<pad>').join(''),
    x,
    y: symbols(split.y.subarray(row * length, (row + 1) * length)),
    mask: Array.from(split.mask!.subarray(row * length, (row + 1) * length)),
  };
}

/** n of a well-formed a^n b^n c^n, or undefined. */
function nOf(input: string): number | undefined {
  const match = /^(a+)(b+)(c+)$/.exec(input);
  if (!match || match[1]!.length !== match[2]!.length || match[2]!.length !== match[3]!.length) return undefined;
  return match[1]!.length;
}

/**
 * Whether the symbol after `prefix` is the same in every string of the language that starts with it:
 * decided by enumerating the language (plus its end mark T), independently of how the dataset is built.
 */
function determinedAfter(prefix: string, longest: number): boolean {
  const continuations = new Set<string>();
  for (let n = 1; n <= longest; n++) {
    const string = `${'a'.repeat(n)}${'b'.repeat(n)}${'c'.repeat(n)}T`;
    if (string.startsWith(prefix) && string.length > prefix.length) continuations.add(string[prefix.length]!);
  }
  return continuations.size === 1;
}

describe('anbncn', () => {
  it('holds well-formed strings, padded, whose n lies in the split range', () => {
    const ranges = { train: [1, 10], validation: [11, 15], test: [16, 20] } as const;
    expect(dataset.inputShape).toEqual([60]);
    expect(dataset.targetShape).toEqual([60]);
    for (const name of SPLIT_NAMES) {
      const split = dataset[name];
      for (let row = 0; row < split.count; row++) {
        const { input, x } = decode(dataset, split, row);
        const n = nOf(input);
        expect(n, input).toBeDefined();
        expect(n).toBeGreaterThanOrEqual(ranges[name][0]);
        expect(n).toBeLessThanOrEqual(ranges[name][1]);
        expect(x.slice(3 * n!).every((symbol) => symbol === '<pad>')).toBe(true);
      }
    }
  });

  it('has every n of its range once in validation and test, and 1000 seeded training strings', () => {
    const ns = (split: DataSplit) => Array.from({ length: split.count }, (_, row) => nOf(decode(dataset, split, row).input));
    expect(ns(dataset.validation)).toEqual([11, 12, 13, 14, 15]);
    expect(ns(dataset.test)).toEqual([16, 17, 18, 19, 20]);
    expect(dataset.train.count).toBe(1000);
    expect(new Set(ns(dataset.train)).size).toBe(10);
  });

  it('targets the next symbol, then T, and its mask marks exactly the steps whose next symbol is determined', () => {
    for (const name of SPLIT_NAMES) {
      const split = dataset[name];
      for (let row = 0; row < Math.min(split.count, 50); row++) {
        const { input, y, mask } = decode(dataset, split, row);
        const next = `${input.slice(1)}T`;
        expect(y.slice(0, input.length).join('')).toBe(next);
        const determined = Array.from({ length: length }, (_, step) => (step < input.length && determinedAfter(input.slice(0, step + 1), 3 * length) ? 1 : 0));
        expect(mask).toEqual(determined);
      }
    }
  });

  it('builds the same bytes every time', () => {
    const again = build();
    for (const name of SPLIT_NAMES) {
      expect(sameBytes(again[name].x, dataset[name].x)).toBe(true);
      expect(sameBytes(again[name].y, dataset[name].y)).toBe(true);
      expect(sameBytes(again[name].mask, dataset[name].mask)).toBe(true);
    }
  });

  it('sizes the strings by the largest n and accepts other ranges', () => {
    const small = build({ trainN: [1, 3], validationN: [4, 4], testN: [5, 6], trainSamples: 20 });
    expect(small.inputShape).toEqual([18]);
    expect([small.train.count, small.validation.count, small.test.count]).toEqual([20, 1, 2]);
  });

  it('refuses validation or test ranges that overlap the strings before them', async () => {
    await expect(loadDataset('anbncn', { options: { validationN: [5, 12] } })).rejects.toMatchObject({
      constructor: InvalidRequest,
      field: 'datasetOptions.validationN',
    });
    await expect(loadDataset('anbncn', { options: { testN: [3, 1] } })).rejects.toBeInstanceOf(InvalidRequest);
  });
});
