import { z } from 'zod';
import { Rng } from '../../random/rng.js';
import type { BuiltinDataset } from './builtin-dataset.js';
import type { DataSplit, Dataset } from './dataset.js';

/**
 * Next-symbol prediction on strings a^n b^n c^n, the counting task of Gers & Schmidhuber (2001) as used by
 * MOE/RNAS (Booysen & Bosman 2024). While reading a's the next symbol may be another a or the first b, so
 * those steps are not scored; once the first b is read, n is known and every later symbol, up to the end
 * mark T, is determined: the mask scores exactly those 2n steps. Splits use disjoint, increasing ranges of
 * n, so validation and test measure whether a model counts beyond the lengths it was trained on.
 */
const VOCABULARY = ['<pad>', 'a', 'b', 'c', 'T'] as const;
const A = 1;
const B = 2;
const C = 3;
const END = 4;
const SEED = 20_260_004;

const nRange = z
  .tuple([z.int().min(1).max(200), z.int().min(1).max(200)])
  .refine(([min, max]) => min <= max, 'expected [min, max] with min <= max');

const optionsSchema = z
  .strictObject({
    trainN: nRange.default([1, 10]).describe('n of the training strings, [min, max]'),
    validationN: nRange.default([11, 15]).describe('n of the validation strings (one string per n), above trainN'),
    testN: nRange.default([16, 20]).describe('n of the test strings (one string per n), above validationN'),
    trainSamples: z.int().min(1).max(20_000).default(1000).describe('training strings, n drawn uniformly from trainN'),
  })
  .superRefine((options, context) => {
    if (options.validationN[0] <= options.trainN[1])
      context.addIssue({ code: 'custom', path: ['validationN'], message: 'must start above trainN, so validation strings are unseen' });
    if (options.testN[0] <= options.validationN[1])
      context.addIssue({ code: 'custom', path: ['testN'], message: 'must start above validationN, so test strings are unseen' });
  });
type AnbncnOptions = z.output<typeof optionsSchema>;

const DESCRIPTION =
  'Next-symbol prediction on a^n b^n c^n (Gers & Schmidhuber 2001; MOE/RNAS): token ids of a, b, c padded to ' +
  '3 x the largest n; targets are the next symbols then the end mark T; the mask scores the 2n determined steps ' +
  'after the first b. Default n: train 1-10 (1000 strings), validation 11-15, test 16-20.';

/** Writes a^n b^n c^n, its next symbols and its scored steps into row `row` of a split of length `length`. */
function writeString(n: number, row: number, length: number, split: { x: Int32Array; y: Int32Array; mask: Float32Array }): void {
  const start = row * length;
  for (let step = 0; step < 3 * n; step++) {
    split.x[start + step] = step < n ? A : step < 2 * n ? B : C;
    const next = step + 1;
    split.y[start + step] = next === 3 * n ? END : next < n ? A : next < 2 * n ? B : C;
    split.mask[start + step] = step >= n ? 1 : 0;
  }
}

function stringsSplit(ns: readonly number[], length: number): DataSplit {
  // Zero-filled: steps after a string are <pad> (id 0) with mask 0.
  const split = {
    x: new Int32Array(ns.length * length),
    y: new Int32Array(ns.length * length),
    mask: new Float32Array(ns.length * length),
    count: ns.length,
  };
  ns.forEach((n, row) => writeString(n, row, length, split));
  return split;
}

function everyN([min, max]: readonly [number, number]): number[] {
  return Array.from({ length: max - min + 1 }, (_, index) => min + index);
}

function buildAnbncn(options: AnbncnOptions): Dataset {
  const length = 3 * options.testN[1];
  const rng = Rng.fromSeed(SEED);
  const trainNs = Array.from({ length: options.trainSamples }, () => rng.int(options.trainN[0], options.trainN[1]));
  return {
    name: 'anbncn',
    description: DESCRIPTION,
    inputShape: [length],
    inputType: 'int32',
    targetShape: [length],
    classes: VOCABULARY.length,
    vocabulary: VOCABULARY,
    train: stringsSplit(trainNs, length),
    validation: stringsSplit(everyN(options.validationN), length),
    test: stringsSplit(everyN(options.testN), length),
  };
}

export const anbncn: BuiltinDataset<typeof optionsSchema> = {
  name: 'anbncn',
  description: DESCRIPTION,
  optionsSchema,
  defaultSummary: {
    name: 'anbncn',
    description: DESCRIPTION,
    inputShape: [60],
    inputType: 'int32',
    targetShape: [60],
    classes: VOCABULARY.length,
    splits: { train: 1000, validation: 5, test: 5 },
  },
  build: buildAnbncn,
};
