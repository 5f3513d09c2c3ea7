import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { readConfig } from '../../src/config.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { EnsembleFitProcess } from '../../src/local/ensemble-fit-process.js';
import type { EnsembleFitter } from '../../src/predictors/predictor.js';
import { listRecords } from '../../src/predictors/predictor-registry.js';
import { PredictorService } from '../../src/predictors/predictor-service.js';
import type { SearchRecord } from '../../src/search/records.js';
import { predict } from '../../src/usecases/predict.js';
import { PredictionWarmup } from '../../src/usecases/prediction-warmup.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { TEST_TENANT } from '../helpers/records.js';
import { finishedRandomNb201Search } from '../helpers/run-search.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

const catalog = new BenchmarkCatalog(BENCHMARKS_DIR);
const METRIC = 'cifar10_valid_12';
const clock = () => new Date('2026-12-02T12:00:00Z');
const TRIALS = 30;
let db: TestStore;
let artifactsDir: string;
let search: SearchRecord;

beforeAll(async () => {
  db = await startTestStore();
  artifactsDir = await mkdtemp(join(tmpdir(), 'nas-prediction-warmup-'));
  search = await finishedSearch('WARMUP-1', TRIALS);
});
afterAll(async () => {
  await db.close();
  await rm(artifactsDir, { recursive: true, force: true });
});

const finishedSearch = (id: string, trials: number) => finishedRandomNb201Search(db.store, { catalog, tenantId: TEST_TENANT, id, trials, seed: 2, metric: METRIC, clock });

const request = { space: 'nb201', evaluator: { kind: 'benchmark' as const, benchmark: 'nb201' }, metric: METRIC, architectures: ['|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'] };

describe('the prediction warm-up of the local service', () => {
  it('is on unless NAS_WARM_PREDICTORS=0', () => {
    expect(readConfig({}).warmPredictors).toBe(true);
    expect(readConfig({ NAS_WARM_PREDICTORS: '1' }).warmPredictors).toBe(true);
    expect(readConfig({ NAS_WARM_PREDICTORS: '0' }).warmPredictors).toBe(false);
  });

  it('trains in its process while this event loop answers, and the first prediction after it is served from the warmed predictor', async () => {
    const trainer = new EnsembleFitProcess();
    let fits = 0;
    const fitter: EnsembleFitter = (job) => {
      fits++;
      return trainer.fit(job);
    };
    const artifacts = new DirectoryArtifactStore(join(artifactsDir, 'warmed'));
    const predictors = new PredictorService({ store: db.store, artifacts, clock, fitter });
    const errors: unknown[] = [];
    const warmup = new PredictionWarmup({ predictors }, (error) => errors.push(error));
    try {
      warmup.afterTick(search);
      let warmed = false;
      const idle = warmup.idle().then(() => (warmed = true));
      // Timers set while the trainer fits fire while it still fits: the warm-up does not hold this loop.
      let firedWhileFitting = 0;
      while (!warmed) {
        const fitting = trainer.busy > 0;
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (fitting && trainer.busy > 0) firedWhileFitting++;
      }
      await idle;
      expect(errors).toEqual([]);
      expect(fits).toBeGreaterThan(0);
      expect(firedWhileFitting).toBeGreaterThan(0);
      const [record] = await listRecords(artifacts, TEST_TENANT);
      expect(record).toMatchObject({ space: 'nb201', trainingSize: TRIALS });

      const fitsBefore = fits;
      const first = await predict({ predictors }, TEST_TENANT, request);
      expect(fits).toBe(fitsBefore);
      expect(first.predictor).toMatchObject({ version: record!.version, trainingSize: TRIALS });
      expect(first.items[0]).toMatchObject({ mean: expect.any(Number), std: expect.any(Number) });
    } finally {
      warmup.close();
      await trainer.close();
      await warmup.idle();
    }
  });

  it('waits until it is told the controller is quiet before it trains', async () => {
    const trainer = new EnsembleFitProcess();
    const artifacts = new DirectoryArtifactStore(join(artifactsDir, 'settled'));
    const predictors = new PredictorService({ store: db.store, artifacts, clock, fitter: trainer.fit });
    let asked = false;
    let settle: () => void = () => {};
    const settled = () => {
      asked = true;
      return new Promise<void>((resolve) => (settle = resolve));
    };
    const warmup = new PredictionWarmup({ predictors }, () => {}, settled);
    try {
      warmup.afterTick(search);
      while (!asked) await new Promise((resolve) => setImmediate(resolve));
      expect(trainer.started).toBe(0);
      settle();
      await warmup.idle();
      expect(trainer.started).toBe(1);
      expect(await listRecords(artifacts, TEST_TENANT)).toHaveLength(1);
    } finally {
      warmup.close();
      await trainer.close();
    }
  });

  it('keeps at most 16 warm-ups waiting: those beyond are skipped, their predictors train on first use', async () => {
    const trainer = new EnsembleFitProcess();
    const predictors = new PredictorService({ store: db.store, artifacts: new DirectoryArtifactStore(join(artifactsDir, 'waiting')), clock, fitter: trainer.fit });
    let asked = 0;
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const errors: unknown[] = [];
    const warmup = new PredictionWarmup({ predictors }, (error) => errors.push(error), () => (asked++, gate));
    try {
      // Searches of a tenant with no trials: nothing to fit, so each warm-up is only its wait.
      for (let i = 0; i < 20; i++) warmup.afterTick({ ...search, tenantId: 'tenant-without-trials', id: `WAITING-${i}` });
      open();
      await warmup.idle();
      expect(asked).toBe(16);
      expect(errors).toEqual([]);
      // Once they ran, a search that ends is warmed again.
      warmup.afterTick({ ...search, tenantId: 'tenant-without-trials', id: 'WAITING-20' });
      await warmup.idle();
      expect(asked).toBe(17);
    } finally {
      warmup.close();
      await trainer.close();
    }
  });

  it('reports nothing and starts nothing once closed: a warm-up cut short by the service closing is no failure', async () => {
    const trainer = new EnsembleFitProcess();
    const predictors = new PredictorService({ store: db.store, artifacts: new DirectoryArtifactStore(join(artifactsDir, 'closed')), clock, fitter: trainer.fit });
    const errors: unknown[] = [];
    const warmup = new PredictionWarmup({ predictors }, (error) => errors.push(error));
    warmup.afterTick(search);
    while (trainer.busy === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    warmup.close();
    await trainer.close();
    await warmup.idle();
    warmup.afterTick({ ...search, id: 'WARMUP-2' });
    await warmup.idle();
    expect(errors).toEqual([]);
    expect(trainer.started).toBe(1);
  });
});
