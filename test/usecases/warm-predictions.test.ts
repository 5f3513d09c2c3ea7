import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { Predictor } from '../../src/predictors/predictor.js';
import { PredictorService } from '../../src/predictors/predictor-service.js';
import { predict, warmPredictions } from '../../src/usecases/predict.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { TEST_TENANT } from '../helpers/records.js';
import { finishedRandomNb201Search, randomNb201SearchRecord } from '../helpers/run-search.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

const catalog = new BenchmarkCatalog(BENCHMARKS_DIR);
const METRIC = 'cifar10_valid_12';
const clock = () => new Date('2026-11-29T12:00:00Z');
let db: TestStore;
let artifactsDir: string;

beforeAll(async () => {
  db = await startTestStore();
  artifactsDir = await mkdtemp(join(tmpdir(), 'nas-warm-predictions-'));
});
afterAll(async () => {
  await db.close();
  await rm(artifactsDir, { recursive: true, force: true });
});


const searchOptions = (id: string, trials: number, tenantId = TEST_TENANT) => ({ catalog, tenantId, id, trials, seed: 1, metric: METRIC, clock });
const searchRecord = (id: string, trials: number, tenantId = TEST_TENANT) => randomNb201SearchRecord(searchOptions(id, trials, tenantId));
const finishedSearch = (id: string, trials: number) => finishedRandomNb201Search(db.store, searchOptions(id, trials));

const request = { space: 'nb201', evaluator: { kind: 'benchmark' as const, benchmark: 'nb201' }, metric: METRIC, architectures: ['|none~0|+|none~0|none~1|+|none~0|none~1|none~2|'] };

describe('warming predictions where a search ends', () => {
  it('trains the predictor once: a prediction asked during the warm-up waits for it, and one after it trains nothing', async () => {
    const search = await finishedSearch('WARM-1', 12);
    const predictors = new PredictorService({ store: db.store, artifacts: new DirectoryArtifactStore(join(artifactsDir, 'one')), clock });
    const train = vi.spyOn(Predictor, 'train');
    try {
      const [, during] = await Promise.all([warmPredictions({ predictors }, search), predict({ predictors }, TEST_TENANT, request)]);
      const after = await predict({ predictors }, TEST_TENANT, request);
      expect(train).toHaveBeenCalledTimes(1);
      expect(after.predictor.version).toBe(during.predictor.version);
      expect(during.predictor.trainingSize).toBe(12);
    } finally {
      train.mockRestore();
    }
  });

  it('is no error for a search with too few finished trials to learn from', async () => {
    const predictors = new PredictorService({ store: db.store, artifacts: new DirectoryArtifactStore(join(artifactsDir, 'two')), clock });
    await expect(warmPredictions({ predictors }, await searchRecord('WARM-2', 3, 'a-new-tenant'))).resolves.toBeUndefined();
  });
});
