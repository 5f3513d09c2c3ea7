import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSearchToEnd } from '../helpers/run-search.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { newSearchRecord } from '../../src/usecases/new-search.js';
import { resolveSearchSpec } from '../../src/usecases/resolve-spec.js';
import { SearchSpecSchema } from '../../src/search/spec.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { TEST_TENANT } from '../helpers/records.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

let db: TestStore;
const catalog = new BenchmarkCatalog(BENCHMARKS_DIR);
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(() => db.close());

const json = (response: Response): Promise<any> => response.json();

describe('a multi-objective search: NB201 accuracy vs. latency vs. parameters', () => {
  it('runs NSGA-II through the controller and reports a true Pareto front with its hypervolume', async () => {
    const spec = await resolveSearchSpec(
      SearchSpecSchema.parse({
        space: 'nb201',
        objectives: [
          { metric: 'cifar10_valid_12', direction: 'maximize' },
          { metric: 'latency_ms_pixel3', direction: 'minimize' },
          { metric: 'params', direction: 'minimize' },
        ],
        strategy: { name: 'nsga2', params: { populationSize: 10 } },
        evaluator: { kind: 'benchmark', benchmark: 'nb201' },
        budget: { maxTrialCount: 40, parallelTrialCount: 4 },
        seed: 3,
      }),
      catalog,
      () => 0,
    );
    await db.store.createSearch(newSearchRecord(TEST_TENANT, 'MO', spec, new Date().toISOString()));
    const search = await runSearchToEnd(db.store, TEST_TENANT, 'MO', { evaluator: createBenchmarkEvaluator(catalog) });
    expect(search).toMatchObject({ status: 'SUCCEEDED', trialCount: 40 });
    // Lineage: every child of the evolving population names its parent and the one edit that made it.
    const children = (await db.store.allTrials(TEST_TENANT, 'MO')).filter((t) => t.parent);
    expect(children.length).toBeGreaterThan(20);
    for (const child of children) {
      expect(child.parent!.trialNumber).toBeLessThan(child.number);
      expect(child.parent!.change).toMatch(/:=/);
    }

    const { request } = await authorizedApp({ store: db.store, events: new RecordingEvents(), benchmarks: catalog, clock: () => new Date() }, TEST_TENANT);
    const pareto = await json(await request('/v1/searches/MO/pareto'));
    const all = await db.store.allTrials(TEST_TENANT, 'MO');
    const vector = (m: Record<string, number>) => [m.cifar10_valid_12!, -m.latency_ms_pixel3!, -m.params!];
    const dominated = (a: number[], b: number[]) => b.every((v, i) => v >= a[i]!) && b.some((v, i) => v > a[i]!);
    for (const trial of pareto.items) {
      expect(trial.metrics.params).toBeGreaterThan(0);
      expect(all.some((other) => dominated(vector(trial.metrics), vector(other.metrics!)))).toBe(false);
    }
    const onFront = new Set(pareto.items.map((t: { number: number }) => t.number));
    for (const trial of all.filter((t) => !onFront.has(t.number))) {
      expect(pareto.items.some((f: { metrics: Record<string, number> }) => dominated(vector(trial.metrics!), vector(f.metrics)))).toBe(true);
    }
    expect(pareto.referencePoint).toHaveLength(3);
    expect(pareto.hypervolume).toBeGreaterThan(0);

    const tighter = await json(await request(`/v1/searches/MO/pareto?reference=80,5,1000000`));
    expect(tighter.referencePoint).toEqual([80, 5, 1000000]);
    expect(tighter.hypervolume).toBeLessThan(pareto.hypervolume);
    const bad = await request('/v1/searches/MO/pareto?reference=1,2');
    expect(bad.status).toBe(400);
    expect((await json(bad)).errors[0].field).toBe('reference');
  });
});
