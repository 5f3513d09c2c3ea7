import { z } from 'zod';
import { Rng } from '../../random/rng.js';
import type { BuiltinDataset } from './builtin-dataset.js';
import type { Dataset, SplitName } from './dataset.js';
import { gatherRows, splitIndices } from './seeded-split.js';

const CLASSES = 3;
const FEATURES = 2;
const SAMPLES_PER_CLASS = 100;
const SPLIT_SIZES = { train: 200, validation: 50, test: 50 } as const;
const SEED = 20_260_003;
/**
 * Centres 2 standard deviations from the origin, so neighbouring blobs overlap: about 8% of points lie
 * nearer another class's centre, which leaves models something to be compared on.
 */
const CENTRE_RADIUS = 2;

const DESCRIPTION =
  'Three overlapping Gaussian blobs in the plane (unit variance, centres at distance 2 from the origin, at 0, 120 ' +
  'and 240 degrees), 300 points split 200/50/50: a tiny classification task that trains in well under a second.';

const optionsSchema = z.strictObject({});

/** A standard normal draw (Box-Muller), from the seeded source. */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
}

function buildBlobs(): Dataset {
  const rng = Rng.fromSeed(SEED);
  const count = CLASSES * SAMPLES_PER_CLASS;
  const points = new Float32Array(count * FEATURES);
  const labels = new Int32Array(count);
  for (let sample = 0; sample < count; sample++) {
    const label = sample % CLASSES;
    const angle = (2 * Math.PI * label) / CLASSES;
    labels[sample] = label;
    points[sample * FEATURES] = CENTRE_RADIUS * Math.cos(angle) + gaussian(rng);
    points[sample * FEATURES + 1] = CENTRE_RADIUS * Math.sin(angle) + gaussian(rng);
  }
  const indices = splitIndices(count, SPLIT_SIZES, SEED);
  const split = (name: SplitName) => ({
    x: gatherRows(points, FEATURES, indices[name]),
    y: gatherRows(labels, 1, indices[name]),
    count: indices[name].length,
  });
  return {
    name: 'blobs',
    description: DESCRIPTION,
    inputShape: [FEATURES],
    inputType: 'float32',
    targetShape: [],
    classes: CLASSES,
    train: split('train'),
    validation: split('validation'),
    test: split('test'),
  };
}

export const blobs: BuiltinDataset<typeof optionsSchema> = {
  name: 'blobs',
  description: DESCRIPTION,
  optionsSchema,
  defaultSummary: {
    name: 'blobs',
    description: DESCRIPTION,
    inputShape: [FEATURES],
    inputType: 'float32',
    targetShape: [],
    classes: CLASSES,
    splits: SPLIT_SIZES,
  },
  build: buildBlobs,
};
