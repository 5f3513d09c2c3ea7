import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSearchToEnd } from '../helpers/run-search.js';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { InvalidRequest } from '../../src/errors.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { evaluatorByKind } from '../../src/evaluators/evaluator.js';
import { createTrainEvaluator } from '../../src/evaluators/train-evaluator.js';
import { requireTeacherModel } from '../../src/jobs/run-trial.js';
import { newSearchRecord } from '../../src/usecases/new-search.js';
import { resolveSearchSpec } from '../../src/usecases/resolve-spec.js';
import { SearchSpecSchema, type SearchSpecInput } from '../../src/search/spec.js';
import { rnnSeedCells, rnnSpace } from '../../src/spaces/rnn.js';
import { loadDataset } from '../../src/training/datasets/registry.js';
import { evaluateSplit } from '../../src/training/train-loop.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { TEST_TENANT } from '../helpers/records.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

const catalog = new BenchmarkCatalog(BENCHMARKS_DIR);
let db: TestStore;
let artifactsDir: string;
beforeAll(async () => {
  db = await startTestStore();
  artifactsDir = await mkdtemp(join(tmpdir(), 'nas-artifacts-'));
});
afterAll(async () => {
  await db.close();
  await rm(artifactsDir, { recursive: true, force: true });
});

const TRAIN_SPEC = {
  space: 'mlp',
  objectives: [{ metric: 'validation_accuracy', direction: 'maximize' }],
  strategy: { name: 'random' },
  evaluator: { kind: 'train', dataset: 'blobs', schedule: { epochs: 3, batchSize: 50, learningRate: 0.02 } },
  earlyStopping: { algorithm: 'median', settings: { startEpoch: 1, minTrialsRequired: 1 } },
  budget: { maxTrialCount: 6, parallelTrialCount: 2 },
  seed: 5,
} as const satisfies SearchSpecInput;

/** Runs the search to its end through the controller, its trial jobs training for real. */
async function runToEnd(id: string) {
  const evaluator = evaluatorByKind({ benchmark: createBenchmarkEvaluator(catalog), train: createTrainEvaluator({}) });
  return runSearchToEnd(db.store, TEST_TENANT, id, { evaluator, job: { artifacts: new DirectoryArtifactStore(artifactsDir) } });
}

function resolve(input: unknown) {
  return resolveSearchSpec(SearchSpecSchema.parse(input), catalog, () => 0);
}

describe('a search with the train evaluator', () => {
  it('trains every trial for real, records learning curves, stops laggards early and exports loadable models', async () => {
    const spec = await resolve(TRAIN_SPEC);
    await db.store.createSearch(newSearchRecord(TEST_TENANT, 'T1', spec, new Date().toISOString()));
    const search = await runToEnd('T1');
    expect(search).toMatchObject({ status: 'SUCCEEDED', trialCount: 6 });

    const trials = await db.store.allTrials(TEST_TENANT, 'T1');
    for (const trial of trials) {
      expect(['SUCCEEDED', 'EARLY_STOPPED']).toContain(trial.status);
      expect(trial.backend).toEqual(expect.any(String));
      expect(trial.curve!.map((o) => o.epoch)).toEqual([1, 2, 3].slice(0, trial.curve!.length));
      expect(trial.metrics).toMatchObject({ validation_accuracy: expect.any(Number), test_accuracy: expect.any(Number), latency_ms: expect.any(Number) });
    }
    const stopped = trials.filter((t) => t.status === 'EARLY_STOPPED');
    expect(stopped.length).toBeGreaterThan(0);
    for (const trial of stopped) {
      expect(trial.curve!.length).toBeLessThan(3);
      expect(trial.earlyStopReason).toMatch(/median rule/);
    }
    expect(search!.trialStatusCounters.earlyStopped).toBe(stopped.length);
    // Every epoch also touched the search, so its followers (SSE, the dashboard) see training progress.
    expect((await db.store.getSearch(TEST_TENANT, 'T1'))!.progressAt).toEqual(expect.any(String));
    // The best trial is one that trained to the end: a cut-short curve is not a final result.
    expect(trials.find((t) => t.number === search!.best!.trialNumber)!.status).toBe('SUCCEEDED');

    const { request } = await authorizedApp({ store: db.store, events: new RecordingEvents(), benchmarks: catalog, clock: () => new Date(), artifacts: new DirectoryArtifactStore(artifactsDir) }, TEST_TENANT);
    const best = search!.best!.trialNumber;
    const exported: any = await (await request(`/v1/searches/T1/trials/${best}/model`)).json();
    expect(exported).toMatchObject({ space: 'mlp', arch: search!.best!.arch, recipe: { dataset: 'blobs', schedule: { epochs: 3 }, seed: 5 + best } });
    const files = Object.fromEntries(
      await Promise.all(exported.files.map(async (file: { name: string; href: string }) => [file.name, new Uint8Array(await (await request(file.href)).arrayBuffer())])),
    );
    const modelJson = JSON.parse(new TextDecoder().decode(files['model.json']));
    const weights = files['weights.bin'] as Uint8Array;
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData: weights.slice().buffer }),
    );
    const dataset = await loadDataset('blobs');
    const { accuracy } = await evaluateSplit(model, dataset, dataset.validation);
    expect(accuracy).toBeCloseTo(search!.best!.value, 6);

    expect((await request('/v1/searches/T1/trials/99/model')).status).toBe(404);

    // A trained trial can teach later searches of the tenant (knowledge distillation); other tenants', not.
    await expect(requireTeacherModel(db.store, TEST_TENANT, { searchId: 'T1', trialNumber: best })).resolves.toBe(`tenants/${TEST_TENANT}/searches/T1/trials/${best}/model/`);
    await expect(requireTeacherModel(db.store, 'another-tenant', { searchId: 'T1', trialNumber: best })).rejects.toThrow(InvalidRequest);
    await expect(requireTeacherModel(db.store, TEST_TENANT, { searchId: 'T1', trialNumber: 99 })).rejects.toThrow(/no trained model/);
  });

  it('starts evolved children from their parents’ trained weights and records the lineage', async () => {
    const spec = await resolve({
      ...TRAIN_SPEC,
      strategy: { name: 'evolution', params: { populationSize: 3, sampleSize: 2 } },
      evaluator: { ...TRAIN_SPEC.evaluator, inheritWeights: true },
      earlyStopping: undefined,
    });
    await db.store.createSearch(newSearchRecord(TEST_TENANT, 'T2', spec, new Date().toISOString()));
    const search = await runToEnd('T2');
    expect(search).toMatchObject({ status: 'SUCCEEDED', trialCount: 6 });
    const children = (await db.store.allTrials(TEST_TENANT, 'T2')).filter((t) => t.parent);
    expect(children.length).toBeGreaterThan(0);
    for (const child of children) {
      expect(child.status).toBe('SUCCEEDED');
      expect(child.parent!.change).toMatch(/:=|layer|dense/);
    }
  });

  it('trains a child that barely changed its parent’s validation loss on the short schedule, every other trial on the long one', async () => {
    const spec = await resolve({
      ...TRAIN_SPEC,
      strategy: { name: 'evolution', params: { populationSize: 2, sampleSize: 2 } },
      evaluator: { ...TRAIN_SPEC.evaluator, schedule: { epochs: 4, batchSize: 16, learningRate: 0.01, shortSchedule: { epochs: 1, threshold: 0.1 } }, inheritWeights: true },
      earlyStopping: undefined,
    });
    await db.store.createSearch(newSearchRecord(TEST_TENANT, 'T4', spec, new Date().toISOString()));
    expect(await runToEnd('T4')).toMatchObject({ status: 'SUCCEEDED', trialCount: 6 });
    const trials = await db.store.allTrials(TEST_TENANT, 'T4');
    const byNumber = new Map(trials.map((t) => [t.number, t]));
    for (const trial of trials) {
      expect(trial.status).toBe('SUCCEEDED');
      expect(trial.curve).toHaveLength(trial.schedule!.epochs);
      if (!trial.parent) {
        expect(trial.schedule).toEqual({ name: 'long', epochs: 4, reason: 'no parent to compare with' });
        continue;
      }
      const parentLoss = byNumber.get(trial.parent.trialNumber)!.metrics!.validation_loss!;
      const change = Math.abs(trial.curve![0]!.metrics.validation_loss! - parentLoss) / parentLoss;
      expect(trial.schedule!.name).toBe(change <= 0.1 ? 'short' : 'long');
      expect(trial.schedule!.reason).toContain(`parent trial ${trial.parent.trialNumber}`);
    }

    const { request } = await authorizedApp({ store: db.store, events: new RecordingEvents(), benchmarks: catalog, clock: () => new Date() }, TEST_TENANT);
    const child = trials.find((t) => t.parent)!;
    expect(await (await request(`/v1/searches/T4/trials/${child.number}`)).json()).toMatchObject({ schedule: child.schedule });
    const tooLong = { ...TRAIN_SPEC, evaluator: { ...TRAIN_SPEC.evaluator, schedule: { epochs: 3, shortSchedule: { epochs: 3, threshold: 0.1 } } } };
    const refused = await request('/v1/searches', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(tooLong) });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { errors: unknown[] }).errors).toContainEqual({ field: 'evaluator.schedule.shortSchedule.epochs', message: expect.stringMatching(/shorter than the schedule/) });
  });

  it('evolves rnn block cells with NSGA-II on a^n b^n c^n, inheriting weights across morphisms', async () => {
    const spec = await resolve({
      space: 'rnn',
      objectives: [
        { metric: 'validation_accuracy', direction: 'maximize' },
        { metric: 'params', direction: 'minimize' },
      ],
      strategy: { name: 'nsga2', params: { populationSize: 3 } },
      evaluator: {
        kind: 'train',
        dataset: 'anbncn',
        datasetOptions: { trainSamples: 60 },
        model: { hiddenSize: 8, embeddingSize: 4 },
        schedule: { epochs: 2, batchSize: 30, learningRate: 0.02 },
        inheritWeights: true,
      },
      budget: { maxTrialCount: 6, parallelTrialCount: 2 },
      seed: 8,
    });
    await db.store.createSearch(newSearchRecord(TEST_TENANT, 'T3', spec, new Date().toISOString()));
    const search = await runToEnd('T3');
    expect(search).toMatchObject({ status: 'SUCCEEDED', trialCount: 6 });
    const trials = await db.store.allTrials(TEST_TENANT, 'T3');
    for (const trial of trials) {
      expect(trial.status).toBe('SUCCEEDED');
      expect(trial.metrics).toMatchObject({ validation_accuracy: expect.any(Number), validation_perplexity: expect.any(Number), params: expect.any(Number) });
    }
    // The first population starts from the seed cells of MOE/RNAS; children name the morphism that made them.
    expect(trials.slice(0, 3).map((t) => t.arch)).toEqual(Object.values(rnnSeedCells()).map((cell) => rnnSpace.format(cell)));
    expect(trials.filter((t) => t.parent).every((t) => t.parent!.change.length > 0)).toBe(true);
  });

  it.each([
    [{ evaluator: { ...TRAIN_SPEC.evaluator, dataset: 'no-such-data' } }, 'evaluator.dataset'],
    [{ evaluator: { ...TRAIN_SPEC.evaluator, datasetOptions: { vocabularySize: 3 } } }, 'evaluator.datasetOptions'],
    [{ space: 'nb101' }, 'space'],
    [{ objectives: [{ metric: 'test_accuracy', direction: 'maximize' }] }, 'evaluator.metric'],
    [{ objectives: [{ metric: 'cifar10_test_200', direction: 'maximize' }] }, 'objectives[0].metric'],
    [{ evaluator: { kind: 'benchmark', benchmark: 'nb201' }, space: 'nb201', objectives: [{ metric: 'cifar10_test_200', direction: 'maximize' }] }, 'earlyStopping'],
  ])('refuses %j naming %s', async (change, field) => {
    const error = await resolve({ ...TRAIN_SPEC, ...change }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequest);
    expect((error as InvalidRequest).field).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}`));
  });
});
