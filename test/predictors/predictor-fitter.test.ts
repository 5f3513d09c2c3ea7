import { describe, expect, it } from 'vitest';
import { fitInThisThread, Predictor, type EnsembleFitter } from '../../src/predictors/predictor.js';
import { nb201Space } from '../../src/spaces/nb201.js';
import { nb201TrainingData } from '../helpers/nb201-cells.js';

/** Small and quick: these tests are about where a fit runs, not how well it ranks. */
const SMALL = { members: 3, hiddenLayers: [16, 16], epochs: 3, updateEpochs: 2, holdOutFraction: 0.2 };

describe('a predictor fitted by a fitter (trainWith, updateWith)', () => {
  const input = { space: nb201Space, ...nb201TrainingData(60, 1), seed: 3, options: SMALL };
  const more = nb201TrainingData(80, 2);
  const fresh = { archs: more.archs.slice(60), targets: more.targets.slice(60) };

  it('is the predictor train and update give, bit for bit', async () => {
    const inline = Predictor.train(input);
    const fitted = await Predictor.trainWith(input, fitInThisThread);
    expect(fitted.toJSON()).toEqual(inline.toJSON());
    expect(fitted.metadata.heldOut).not.toBeNull();

    inline.update(fresh.archs, fresh.targets);
    await fitted.updateWith(fresh.archs, fresh.targets, fitInThisThread);
    expect(fitted.toJSON()).toEqual(inline.toJSON());
    expect(fitted.metadata.trainingSize).toBe(80);
  });

  it('answers as before until the fit is back, and stays as it was when the fit fails', async () => {
    const predictor = await Predictor.trainWith(input, fitInThisThread);
    const before = predictor.toJSON();
    const probe = fresh.archs.slice(0, 5);
    const answers = predictor.predict(probe);

    let release!: () => void;
    const held: EnsembleFitter = async (job) => {
      await new Promise<void>((resolve) => (release = resolve));
      return fitInThisThread(job);
    };
    const updating = predictor.updateWith(fresh.archs, fresh.targets, held);
    await new Promise((resolve) => setImmediate(resolve));
    expect(predictor.predict(probe)).toEqual(answers);
    expect(predictor.toJSON()).toEqual(before);
    release();
    await updating;
    expect(predictor.metadata.trainingSize).toBe(80);
    expect(predictor.predict(probe)).not.toEqual(answers);

    const failing: EnsembleFitter = async () => {
      throw new Error('thread gone');
    };
    const after = predictor.toJSON();
    await expect(predictor.updateWith(nb201TrainingData(100, 4).archs.slice(0, 12), new Array(12).fill(1), failing)).rejects.toThrow('thread gone');
    expect(predictor.toJSON()).toEqual(after);
    await expect(Predictor.trainWith(input, failing)).rejects.toThrow('thread gone');
  });
});
