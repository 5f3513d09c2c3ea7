import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSearchToEnd } from '../helpers/run-search.js';
import { InvalidRequest } from '../../src/errors.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { newSearchRecord } from '../../src/usecases/new-search.js';
import { resolveSearchSpec } from '../../src/usecases/resolve-spec.js';
import { SearchSpecSchema, type SearchSpecInput } from '../../src/search/spec.js';
import { checkWarmStart } from '../../src/search/warm-start.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { TEST_TENANT } from '../helpers/records.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

const catalog = new BenchmarkCatalog(BENCHMARKS_DIR);
let db: TestStore;
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(() => db.close());

function specOf(metric: string, trials: number, seed: number, extra: Partial<SearchSpecInput> = {}) {
  return resolveSearchSpec(
    SearchSpecSchema.parse({
      space: 'nb201',
      objectives: [{ metric, direction: 'maximize' }],
      strategy: { name: 'evolution', params: { populationSize: 10, sampleSize: 3 } },
      evaluator: { kind: 'benchmark', benchmark: 'nb201' },
      budget: { maxTrialCount: trials, parallelTrialCount: 5 },
      seed,
      ...extra,
    }),
    catalog,
    () => 0,
  );
}

/** Creates and runs a search to its end through the controller; returns its trials. */
async function run(id: string, spec: Awaited<ReturnType<typeof specOf>>) {
  await checkWarmStart(db.store, TEST_TENANT, spec);
  await db.store.createSearch(newSearchRecord(TEST_TENANT, id, spec, new Date().toISOString()));
  const search = await runSearchToEnd(db.store, TEST_TENANT, id, { evaluator: createBenchmarkEvaluator(catalog) });
  expect(search?.status).toBe('SUCCEEDED');
  return db.store.allTrials(TEST_TENANT, id);
}

describe('warm start', () => {
  it('IdenticalTask: never measures an architecture a parent already measured', async () => {
    const parent = await run('W-PARENT', await specOf('cifar10_valid_12', 40, 1));
    const child = await run('W-SAME', await specOf('cifar10_valid_12', 40, 2, { warmStart: { parentSearches: ['W-PARENT'], type: 'IdenticalTask' } }));
    const measured = new Set(parent.map((t) => t.archHash));
    expect(child).toHaveLength(40);
    expect(child.filter((t) => measured.has(t.archHash))).toEqual([]);
  });

  it('TransferLearning: measures the parents’ best architectures first, on the new task', async () => {
    const parent = await db.store.allTrials(TEST_TENANT, 'W-PARENT');
    const child = await run('W-TRANSFER', await specOf('cifar100_valid_12', 20, 3, { warmStart: { parentSearches: ['W-PARENT'], type: 'TransferLearning', seeds: 5 } }));
    const top = [...parent].sort((a, b) => b.metrics!.cifar10_valid_12! - a.metrics!.cifar10_valid_12!).slice(0, 5);
    expect(child.slice(0, 5).map((t) => t.arch).sort()).toEqual(top.map((t) => t.arch).sort());
    expect(child.every((t) => t.metrics?.cifar100_valid_12 !== undefined)).toBe(true);
  });

  it('refuses unknown parents, other spaces and, for IdenticalTask, another task, naming the parent', async () => {
    const refuse = async (extra: Partial<SearchSpecInput>, metric = 'cifar10_valid_12') => {
      const error = await checkWarmStart(db.store, TEST_TENANT, await specOf(metric, 10, 4, extra)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequest);
      return (error as InvalidRequest).field;
    };
    expect(await refuse({ warmStart: { parentSearches: ['W-PARENT', 'nope'], type: 'IdenticalTask' } })).toBe('warmStart.parentSearches[1]');
    expect(await refuse({ warmStart: { parentSearches: ['W-PARENT'], type: 'IdenticalTask' } }, 'cifar100_valid_12')).toBe('warmStart.parentSearches[0]');
    await expect(checkWarmStart(db.store, 'someone-else', await specOf('cifar10_valid_12', 10, 4, { warmStart: { parentSearches: ['W-PARENT'], type: 'TransferLearning' } }))).rejects.toThrow(/no search/);
  });
});
