import { describe, expect, it } from 'vitest';
import { Predictor } from '../../src/predictors/predictor.js';
import { TrainedPredictors } from '../../src/predictors/trained-predictors.js';
import { Rng } from '../../src/random/rng.js';
import { nb201Space } from '../../src/spaces/nb201.js';

const OPTIONS = { members: 2, hiddenLayers: [8], epochs: 2, holdOutFraction: 0 };
const rng = Rng.fromSeed(8);
const archs = Array.from({ length: 20 }, () => nb201Space.sample(rng));
const probe = Array.from({ length: 30 }, () => nb201Space.sample(rng));
/** Training input on the first `size` architectures, with targets that depend on `salt`. */
const input = (size: number, salt = 0) => ({
  space: nb201Space,
  archs: archs.slice(0, size),
  targets: archs.slice(0, size).map((_, i) => i + salt),
  seed: 0,
  options: OPTIONS,
});

describe('TrainedPredictors', () => {
  it('answers the same training input with the predictor trained for it, exactly as training again would', () => {
    const predictors = new TrainedPredictors(4);
    const first = predictors.get(input(10));
    expect(predictors.get(input(10))).toBe(first);
    expect(predictors.get({ ...input(10), options: { ...OPTIONS } })).toBe(first);
    const fresh = Predictor.train(input(10));
    expect(first.predict(probe)).toEqual(fresh.predict(probe));
    fresh.dispose();
  });

  it('trains anew when the data, targets, seed or options differ', () => {
    const predictors = new TrainedPredictors(8);
    const base = predictors.get(input(10));
    const variants = [input(11), input(10, 1), { ...input(10), seed: 1 }, { ...input(10), options: { ...OPTIONS, epochs: 3 } }];
    for (const variant of variants) expect(predictors.get(variant)).not.toBe(base);
  });

  it('disposes the least recently used beyond its capacity', () => {
    const predictors = new TrainedPredictors(2);
    const a = predictors.get(input(10));
    const b = predictors.get(input(11));
    predictors.get(input(10)); // a is now the most recently used
    predictors.get(input(12)); // so b goes
    expect(() => b.predict(probe)).toThrow(/disposed/);
    expect(a.predict(probe)).toHaveLength(probe.length);
    predictors.get(input(13));
    predictors.get(input(14));
    expect(() => a.predict(probe)).toThrow(/disposed/);
    // The two most recent are kept: asked again, they are the same objects, not trained anew.
    const [kept13, kept14] = [predictors.get(input(13)), predictors.get(input(14))];
    expect(predictors.get(input(13))).toBe(kept13);
    expect(kept14.predict(probe)).toHaveLength(probe.length);
  });

  it('refuses a capacity below one', () => {
    expect(() => new TrainedPredictors(0)).toThrow(RangeError);
  });
});
