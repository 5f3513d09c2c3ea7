import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnsembleFitProcess } from '../../src/local/ensemble-fit-process.js';
import { fitInThisThread, Predictor } from '../../src/predictors/predictor.js';
import { nb201Space } from '../../src/spaces/nb201.js';
import { nb201TrainingData } from '../helpers/nb201-cells.js';

/** A server on this event loop: its answer comes only when the loop is free to give it. */
const server = createServer((_, response) => response.end('ok'));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('predictor training in a process of its own (EnsembleFitProcess)', () => {
  let trainer: EnsembleFitProcess;
  beforeAll(() => {
    trainer = new EnsembleFitProcess();
  });
  afterAll(() => trainer.close());

  it('gives the predictor a fit in this thread gives, bit for bit', async () => {
    const input = { space: nb201Space, ...nb201TrainingData(60, 1), seed: 0, options: { members: 3, hiddenLayers: [16], epochs: 3, updateEpochs: 2, holdOutFraction: 0.2 } };
    const [elsewhere, here] = await Promise.all([Predictor.trainWith(input, trainer.fit), Predictor.trainWith(input, fitInThisThread)]);
    expect(elsewhere.toJSON()).toEqual(here.toJSON());
    expect(trainer.started).toBe(1);
  });

  it('keeps this event loop answering while it fits a predictor on 1,000 trials', async () => {
    // The default network for 5 passes (160 Adam steps, over half a second on the 2-core machine): long enough to ask many questions while it runs.
    const input = { space: nb201Space, ...nb201TrainingData(1000, 2), seed: 0, options: { epochs: 5, holdOutFraction: 0 } };
    let trained = false;
    const training = Predictor.trainWith(input, trainer.fit).finally(() => (trained = true));
    // Wait until the fit is out, then ask this loop questions (a timer, then a request) for as long as it runs.
    while (trainer.busy === 0) await new Promise((resolve) => setImmediate(resolve));
    let answeredDuringFit = 0;
    while (!trained) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      if ((await (await fetch(url)).text()) === 'ok' && trainer.busy > 0) answeredDuringFit++;
    }
    const predictor = await training;
    expect(predictor.metadata.trainingSize).toBe(1000);
    // Had the fit held this loop, nothing asked during it would have been answered before it ended.
    expect(answeredDuringFit).toBeGreaterThanOrEqual(10);
  });

  it('rejects the fits of a closed trainer, and ends an idle process, starting a new one for the next fit', async () => {
    const idle = new EnsembleFitProcess({ idleMs: 50 });
    const input = { space: nb201Space, ...nb201TrainingData(20, 3), seed: 0, options: { members: 2, hiddenLayers: [8], epochs: 2, holdOutFraction: 0 } };
    await Predictor.trainWith(input, idle.fit);
    expect(idle.started).toBe(1);
    // Idle past idleMs, the process ends by itself; the next fit starts another.
    while (idle.running) await new Promise((resolve) => setTimeout(resolve, 10));
    await Predictor.trainWith(input, idle.fit);
    expect(idle.started).toBe(2);

    const cut = expect(Predictor.trainWith(input, idle.fit)).rejects.toThrow(/closed/);
    await idle.close();
    await cut;
    expect(idle.running).toBe(false);
    await expect(Predictor.trainWith(input, idle.fit)).rejects.toThrow(/closed/);
  });
});
