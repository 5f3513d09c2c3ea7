import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSearchToEnd } from '../helpers/run-search.js';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { PredictorService } from '../../src/predictors/predictor-service.js';
import { newSearchRecord } from '../../src/usecases/new-search.js';
import { resolveSearchSpec } from '../../src/usecases/resolve-spec.js';
import { SearchSpecSchema } from '../../src/search/spec.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

const catalog = new BenchmarkCatalog(BENCHMARKS_DIR);
const METRIC = 'cifar10_valid_12';
let db: TestStore;
let artifactsDir: string;
beforeAll(async () => {
  db = await startTestStore();
  artifactsDir = await mkdtemp(join(tmpdir(), 'nas-prescreen-'));
});
afterAll(async () => {
  await db.close();
  await rm(artifactsDir, { recursive: true, force: true });
});

/** Runs a random NB201 search of 40 trials as tenant `tenant`, pre-screened or not; returns its trials' values in order. */
async function randomSearch(tenant: string, prescreen: boolean): Promise<number[]> {
  const spec = await resolveSearchSpec(
    SearchSpecSchema.parse({
      space: 'nb201',
      objectives: [{ metric: METRIC, direction: 'maximize' }],
      strategy: { name: 'random', ...(prescreen ? { prescreen: { factor: 8 } } : {}) },
      evaluator: { kind: 'benchmark', benchmark: 'nb201' },
      budget: { maxTrialCount: 40, parallelTrialCount: 5 },
      seed: 3,
    }),
    catalog,
    () => 0,
  );
  await db.store.createSearch(newSearchRecord(tenant, `S-${tenant}`, spec, new Date().toISOString()));
  const clock = () => new Date();
  const predictors = new PredictorService({ store: db.store, artifacts: new DirectoryArtifactStore(artifactsDir), clock, refreshSeconds: 0 });
  await runSearchToEnd(db.store, tenant, `S-${tenant}`, { evaluator: createBenchmarkEvaluator(catalog), controller: { predictors }, clock });
  return (await db.store.allTrials(tenant, `S-${tenant}`)).map((t) => t.metrics![METRIC]!);
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('pre-screening with the predictor', () => {
  it('keeps the predictor’s best of several proposals once it has trials to learn from, and the strategy’s own before', async () => {
    const plain = await randomSearch('plain', false);
    const screened = await randomSearch('screened', true);
    // Before any trial finished there is no predictor: the first batch is the strategy's own first picks.
    expect(screened.slice(0, 5)).toEqual(plain.slice(0, 5));
    expect(mean(screened.slice(20))).toBeGreaterThan(mean(plain.slice(20)) + 1);
  });
});
