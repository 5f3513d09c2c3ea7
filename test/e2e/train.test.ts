import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { SearchView, TrialView } from '../../src/api/views.js';
import { newApiKey } from '../../src/auth/api-keys.js';
import { createClient } from '../../src/client/index.js';
import { exportModel } from '../../src/cli/export.js';
import { startServiceProcess, waitFor, type ServiceProcess } from '../../src/local/service-process.js';
import { loadDataset } from '../../src/training/datasets/registry.js';
import { evaluateSplit } from '../../src/training/train-loop.js';

const API_KEY = newApiKey();
// The crash comes once two epochs are checkpointed; an epoch of blobs (training, checkpoint, curve write)
// takes ~150 ms here, so the 14 left give the kill a margin of about two seconds to land mid-trial.
const EPOCHS = 16;
let dataDir: string;
let service: ServiceProcess | undefined;

afterAll(async () => {
  await service?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a real training search on the local service', () => {
  it('survives a crash mid-training by resuming from the checkpoint, and exports a model that reproduces its score', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'nas-train-e2e-'));
    const env = { NAS_API_KEY: API_KEY, NAS_DATA_DIR: dataDir, NAS_WORKERS: '1', NAS_SWEEP_SECONDS: '1', NAS_STALE_AFTER_SECONDS: '5' };
    service = await startServiceProcess(env);
    let client = createClient({ baseUrl: service.url, apiKey: API_KEY });
    const { id } = await client.createSearch({
      space: 'mlp',
      objectives: [{ metric: 'validation_accuracy', direction: 'maximize' }],
      strategy: { name: 'random' },
      evaluator: { kind: 'train', dataset: 'blobs', schedule: { epochs: EPOCHS, batchSize: 50, learningRate: 0.01 } },
      budget: { maxTrialCount: 2, parallelTrialCount: 1 },
      seed: 4,
    });
    // Crash once the first trial has checkpointed two epochs and is training its third.
    const beforeCrash = await waitFor(async () => {
      const [first] = await client.allTrials(id);
      return first?.status === 'RUNNING' && (first.curve?.length ?? 0) >= 2 ? first : undefined;
    }, 'the first trial two epochs in', 120_000);
    await service.crash();

    service = await startServiceProcess(env);
    client = createClient({ baseUrl: service.url, apiKey: API_KEY });
    const finished = await waitFor<SearchView>(async () => {
      const search = await client.getSearch(id);
      return ['CREATED', 'RUNNING'].includes(search.status) ? undefined : search;
    }, 'the search to finish', 240_000);
    expect(finished).toMatchObject({ status: 'SUCCEEDED', trialCount: 2 });

    const [first] = (await client.allTrials(id)) as [TrialView];
    expect(first).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
    expect(first.curve!.map((o) => o.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
    // The second container resumed after the checkpointed epochs instead of training them again.
    const resumedAfter = beforeCrash.curve!.length;
    expect(first.curve!.slice(0, resumedAfter)).toEqual(beforeCrash.curve);
    expect(first.metrics!.test_accuracy).toBeGreaterThan(0.6); // three classes: chance is 1/3

    const folder = join(dataDir, 'export');
    await exportModel(client, id, first.number, folder);
    const modelJson = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
    const weights = await readFile(join(folder, 'weights.bin'));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData: new Uint8Array(weights).buffer }),
    );
    const recipe = JSON.parse(await readFile(join(folder, 'recipe.json'), 'utf8'));
    expect(recipe).toMatchObject({ dataset: 'blobs', schedule: { epochs: EPOCHS, batchSize: 50 } });
    const dataset = await loadDataset(recipe.dataset);
    const { accuracy } = await evaluateSplit(model, dataset, dataset.validation);
    expect(accuracy).toBeCloseTo(first.metrics!.validation_accuracy!, 5);
  }, 300_000);
});
