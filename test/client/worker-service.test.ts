import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, runWorker, type NasClient, type TrainFunction } from 'serverless-nas/client';
import { readConfig } from '../../src/config.js';
import { startLocalService, type LocalService } from '../../src/local/local-service.js';

let dataDir: string;
let service: LocalService;
let client: NasClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'nas-sdk-worker-'));
  service = await startLocalService({ ...readConfig({}), port: 0, dataDir, workers: 1, sweepSeconds: 1 });
  client = createClient({ baseUrl: service.url, apiKey: service.apiKey });
});
afterAll(async () => {
  await service?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A stand-in for training: wider is better, and the accuracy climbs over four epochs towards it. */
const train: TrainFunction = async ({ arch, report }) => {
  const width = Number(/width=(\d+)/.exec(arch)![1]);
  let metrics = { accuracy: 0 };
  for (let epoch = 1; epoch <= 4; epoch++) {
    metrics = { accuracy: (width / 64) * (epoch / 4) };
    if ((await report(epoch, metrics)) === 'stop') break;
  }
  return metrics;
};

describe('runWorker against the local service', () => {
  it('trains every trial of an external search through the real routes, which record the curves and the best', async () => {
    const { id } = await client.createSearch({
      space: 'choices',
      spaceConfig: { decisions: { width: { options: [8, 16, 32, 64] }, depth: { options: [1, 2] } } },
      objectives: [{ metric: 'accuracy', direction: 'maximize' }],
      strategy: { name: 'random' },
      evaluator: { kind: 'external', metrics: ['accuracy'] },
      budget: { maxTrialCount: 5, parallelTrialCount: 2 },
      seed: 3,
    });
    const summary = await runWorker({ client, searchId: id, train, concurrency: 2, leaseSeconds: 30, backoff: { baseMs: 50, maxMs: 500 } });
    expect(summary).toEqual({ completed: 5, stopped: 0, failed: 0, lost: 0 });

    const trials = await client.allTrials(id);
    expect(trials.map((t) => t.status)).toEqual(Array(5).fill('SUCCEEDED'));
    for (const trial of trials) expect(trial.curve?.map((point) => point.epoch)).toEqual([1, 2, 3, 4]);
    const best = await client.bestTrial(id);
    expect(best.metrics?.accuracy).toBe(Math.max(...trials.map((t) => t.metrics!.accuracy!)));
  });
});
