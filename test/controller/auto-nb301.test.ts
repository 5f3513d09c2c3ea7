import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { shippedPolicies } from '../../src/local/shipped-policies.js';
import { SearchSpecSchema, type SearchSpecInput } from '../../src/search/spec.js';
import { newSearchRecord } from '../../src/usecases/new-search.js';
import { resolveSearchSpec } from '../../src/usecases/resolve-spec.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { TEST_TENANT } from '../helpers/records.js';
import { runSearchToEnd } from '../helpers/run-search.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

let db: TestStore;
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(async () => {
  await db.close();
});

const catalog = new BenchmarkCatalog(BENCHMARKS_DIR);
/** A search of NB301's final validation accuracy that names no strategy, so `auto` picks. */
const nb301Search = (rest: Pick<SearchSpecInput, 'budget' | 'seed' | 'warmStart'>) =>
  SearchSpecSchema.parse({ space: 'darts', objectives: [{ metric: 'val_accuracy', direction: 'maximize' }], evaluator: { kind: 'benchmark', benchmark: 'nb301' }, ...rest });

describe('auto on NB301, through the controller', () => {
  it('runs the shipped lower-fidelity policy, then hands the search over to predictor-guided, every trial measured once', async () => {
    const spec = await resolveSearchSpec(nb301Search({ budget: { maxTrialCount: 26, parallelTrialCount: 4 }, seed: 3 }), catalog, () => 0, undefined, [shippedPolicies()]);
    expect(spec.strategy).toMatchObject({ name: 'rl', params: { policy: 'e20', handOverAfter: 20, handOverTo: 'predictor-guided' } });
    await db.store.createSearch(newSearchRecord(TEST_TENANT, 'auto-nb301', spec, new Date().toISOString()));
    const search = await runSearchToEnd(db.store, TEST_TENANT, 'auto-nb301', {
      evaluator: createBenchmarkEvaluator(catalog),
      controller: { policies: [shippedPolicies()], benchmarks: catalog },
    });
    expect([search?.status, search?.message]).toEqual(['SUCCEEDED', undefined]);
    expect(search?.trialCount).toBe(26);
    expect(search?.trialStatusCounters).toMatchObject({ failed: 0 });
    const { items } = await db.store.listTrials(TEST_TENANT, 'auto-nb301', { limit: 100 });
    expect(new Set(items.map((trial) => trial.archHash)).size).toBe(26);
    // The policy's walk names no parents; predictor-guided's proposals are children of measured trials.
    const byNumber = [...items].sort((a, b) => a.number - b.number);
    expect(byNumber.slice(0, 20).filter((trial) => trial.parent)).toEqual([]);
    expect(byNumber.slice(22).every((trial) => trial.parent !== undefined)).toBe(true);
  });

  it('warm-started from that search (IdenticalTask), runs predictor-guided on its trials at once, measuring none of them again', async () => {
    const input = nb301Search({ budget: { maxTrialCount: 6, parallelTrialCount: 2 }, warmStart: { type: 'IdenticalTask', parentSearches: ['auto-nb301'] }, seed: 4 });
    const spec = await resolveSearchSpec(input, catalog, () => 0, undefined, [shippedPolicies()]);
    expect(spec.strategy).toMatchObject({ name: 'predictor-guided', params: { parents: 3, ascentSteps: 10, residualCorrection: { top: 30 } }, auto: { reason: expect.stringContaining('warm-started') } });
    await db.store.createSearch(newSearchRecord(TEST_TENANT, 'auto-nb301-warm', spec, new Date().toISOString()));
    const search = await runSearchToEnd(db.store, TEST_TENANT, 'auto-nb301-warm', {
      evaluator: createBenchmarkEvaluator(catalog),
      controller: { policies: [shippedPolicies()], benchmarks: catalog },
    });
    expect([search?.status, search?.trialCount]).toEqual(['SUCCEEDED', 6]);
    const parent = new Set((await db.store.listTrials(TEST_TENANT, 'auto-nb301', { limit: 100 })).items.map((trial) => trial.archHash));
    const { items } = await db.store.listTrials(TEST_TENANT, 'auto-nb301-warm', { limit: 100 });
    expect(items.filter((trial) => parent.has(trial.archHash))).toEqual([]);
  });
});
