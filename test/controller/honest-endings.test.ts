import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTableShelf } from '../../src/artifacts/open-artifact-store.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { loadImportedTable } from '../../src/evaluators/imported-table.js';
import { shippedPolicies } from '../../src/local/shipped-policies.js';
import { SearchSpecSchema, type SearchSpecInput } from '../../src/search/spec.js';
import { resolveSpace } from '../../src/spaces/registry.js';
import { nb201Space } from '../../src/spaces/nb201.js';
import { Rng } from '../../src/random/rng.js';
import { newSearchRecord } from '../../src/usecases/new-search.js';
import { resolveSearchSpec } from '../../src/usecases/resolve-spec.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { TEST_TENANT } from '../helpers/records.js';
import { runSearchToEnd } from '../helpers/run-search.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

/** 40 NB201 cells with made-up accuracies: a table that covers a sliver of its space. */
const rng = Rng.fromSeed(3);
const cells = [...new Map(Array.from({ length: 60 }, () => nb201Space.sample(rng)).map((c) => [nb201Space.canonical(c), c])).values()].slice(0, 40);
const accuracyOf = (i: number) => 50 + i / 2;

let db: TestStore;
let dir: string;
let catalog: BenchmarkCatalog;
beforeAll(async () => {
  db = await startTestStore();
  dir = await mkdtemp(join(tmpdir(), 'nas-honest-'));
  const write = async (name: string, manifest: object, rows: string[]) => {
    await mkdir(join(dir, 'tables', name), { recursive: true });
    await writeFile(join(dir, 'tables', name, 'manifest.json'), JSON.stringify(manifest));
    await writeFile(join(dir, 'tables', name, 'table.csv'), ['arch,accuracy', ...rows].join('\n'));
  };
  await write('part', { space: 'nb201', metrics: ['accuracy'] }, cells.map((c, i) => `${nb201Space.format(c)},${accuracyOf(i)}`));
  const twice = [...cells.slice(0, 3).map((c) => `${nb201Space.format(c)},60`), `${nb201Space.format(cells[0]!)},70`];
  await write('twice', { space: 'nb201', metrics: ['accuracy'] }, twice);
  catalog = new BenchmarkCatalog(BENCHMARKS_DIR, openTableShelf(join(dir, 'tables')));
});
afterAll(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

const spec = (strategy: SearchSpecInput['strategy'], evaluator: SearchSpecInput['evaluator'] = { kind: 'benchmark', benchmark: 'part' }, trials = 30) =>
  SearchSpecSchema.parse({ space: 'nb201', objectives: [{ metric: 'accuracy', direction: 'maximize' }], strategy, evaluator, budget: { maxTrialCount: trials }, seed: 1 });

let nextId = 0;
async function runSpec(resolved: Awaited<ReturnType<typeof resolveSearchSpec>>, withCatalog: boolean) {
  const id = `honest-${++nextId}`;
  await db.store.createSearch(newSearchRecord(TEST_TENANT, id, resolved, new Date().toISOString()));
  return runSearchToEnd(db.store, TEST_TENANT, id, {
    evaluator: createBenchmarkEvaluator(catalog),
    controller: { policies: [shippedPolicies()], ...(withCatalog ? { benchmarks: catalog } : {}) },
  });
}

describe('searches that measured nothing, and strategies that cannot propose', () => {
  it('fails a search whose every trial failed (a table that lacks the proposed cells), saying why', async () => {
    const search = await runSpec(await resolveSearchSpec(spec({ name: 'random' }, undefined, 5), catalog, () => 0), false);
    expect(search).toMatchObject({ status: 'FAILED', reason: 'AllTrialsFailed' });
    expect(search?.message).toMatch(/all 5 trials failed/);
  });

  it('fails a search whose strategy throws, once, with the reason', async () => {
    const input = SearchSpecSchema.parse({ ...spec({ name: 'rl' }, { kind: 'benchmark', benchmark: 'nb201', metric: 'cifar10_valid_12' }), objectives: [{ metric: 'cifar10_valid_12', direction: 'maximize' }] });
    const resolved = await resolveSearchSpec(input, catalog, () => 0);
    // A policy removed after the search was accepted: the controller cannot find it.
    const broken = { ...resolved, strategy: { ...resolved.strategy, params: { ...resolved.strategy.params, policy: 'gone' } } };
    const search = await runSpec(broken, false);
    expect(search).toMatchObject({ status: 'FAILED', reason: 'StrategyFailed' });
    expect(search?.message).toMatch(/no policy 'gone'/);
  });

  it('refuses a missing policy at creation, naming the field', async () => {
    const nb201 = { kind: 'benchmark', benchmark: 'nb201', metric: 'cifar10_valid_12' } as const;
    const input = SearchSpecSchema.parse({ ...spec({ name: 'rl', params: { policy: 'gone' } }, nb201), objectives: [{ metric: 'cifar10_valid_12', direction: 'maximize' }] });
    await expect(resolveSearchSpec(input, catalog, () => 0, undefined, [shippedPolicies()])).rejects.toMatchObject({ field: 'strategy.params.policy' });
  });
});

describe('imported tables', () => {
  it.each(['random', 'evolution', 'local-search', 'predictor-guided', 'rl'] as const)('%s proposes only the rows of a partial table', async (name) => {
    const search = await runSpec(await resolveSearchSpec(spec({ name, ...(name === 'rl' ? { params: { online: { steps: 20, warmup: 20 } } } : {}) }), catalog, () => 0), true);
    expect([search?.status, search?.message]).toEqual(['SUCCEEDED', undefined]);
    expect(search?.trialStatusCounters).toMatchObject({ failed: 0 });
    expect(search?.trialCount).toBe(30);
  });

  it('keeps the first or the mean of duplicate rows when asked, and refuses them by default', async () => {
    const shelf = openTableShelf(join(dir, 'tables'));
    await expect(loadImportedTable(shelf, 'twice', resolveSpace)).rejects.toThrow(/the same architecture as row 1/);
    const first = await loadImportedTable(shelf, 'twice', resolveSpace, 'first');
    const mean = await loadImportedTable(shelf, 'twice', resolveSpace, 'mean');
    const key = nb201Space.canonical(cells[0]!);
    expect([first.size, first.duplicateRows, first.lookup(key)?.metrics.accuracy]).toEqual([3, 1, 60]);
    expect(mean.lookup(key)?.metrics.accuracy).toBe(65);
  });
});

describe('auto', () => {
  it('records its choice: a policy trained on another dataset, never the one searched', async () => {
    const input = (metric: string) =>
      SearchSpecSchema.parse({ space: 'nb201', objectives: [{ metric, direction: 'maximize' }], evaluator: { kind: 'benchmark', benchmark: 'nb201' }, budget: { maxTrialCount: 10 } });
    const c10 = await resolveSearchSpec(input('cifar10_valid_12'), catalog, () => 0, undefined, [shippedPolicies()]);
    expect(c10.strategy).toMatchObject({ name: 'rl', params: { policy: 'c100' }, auto: { reason: expect.stringContaining('c100') } });
    const c100 = await resolveSearchSpec(input('cifar100_valid_12'), catalog, () => 0, undefined, [shippedPolicies()]);
    expect(c100.strategy).toMatchObject({ name: 'rl', params: { policy: 'default' } });
  });

  it('picks predictor-guided where no policy fits the space', async () => {
    const resolved = await resolveSearchSpec(SearchSpecSchema.parse({ ...spec({ name: 'auto' }), strategy: undefined }), catalog, () => 0, undefined, []);
    expect(resolved.strategy).toMatchObject({ name: 'predictor-guided', auto: { reason: expect.any(String) } });
  });
});
