import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tick, type ControllerDeps } from '../../src/controller/tick.js';
import { SearchHistories } from '../../src/controller/search-history.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import type { SearchRecord } from '../../src/search/records.js';
import type { Store } from '../../src/store/store.js';
import { BENCHMARKS_DIR, nb201Row } from '../helpers/nb201-csv.js';
import { newSearch, TEST_TENANT, testSpec } from '../helpers/records.js';
import { ScriptedJobQueue } from '../helpers/scripted-queue.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

let db: TestStore;
const evaluator = createBenchmarkEvaluator(new BenchmarkCatalog(BENCHMARKS_DIR));
let nextId = 0;

beforeAll(async () => {
  db = await startTestStore();
});
afterAll(() => db.close());

function controller(store: Store = db.store, histories = new SearchHistories()): ControllerDeps & { queue: ScriptedJobQueue } {
  return { store, queue: new ScriptedJobQueue(), clock: () => new Date(), inProcess: { evaluator, sliceMs: 50 }, histories };
}

async function createSearch(budget: Parameters<typeof testSpec>[0]): Promise<string> {
  const id = `IP-${++nextId}`;
  await db.store.createSearch(newSearch(id, testSpec(budget)));
  return id;
}

async function tickToEnd(deps: ControllerDeps, id: string): Promise<SearchRecord> {
  for (let round = 0; round < 1000; round++) {
    const search = (await tick(deps, TEST_TENANT, id))!;
    if (!['CREATED', 'RUNNING', 'STOPPING'].includes(search.status)) return search;
  }
  throw new Error('search did not finish');
}

/** Every trial exactly once: numbers 1..N, distinct architectures, counters and best equal to the records. */
async function expectExactlyOnce(search: SearchRecord, count: number) {
  const trials = await db.store.allTrials(TEST_TENANT, search.id);
  expect(search).toMatchObject({ status: 'SUCCEEDED', reason: 'MaxTrialsReached', trialCount: count });
  expect(trials.map((t) => t.number)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  expect(new Set(trials.map((t) => t.archHash)).size).toBe(count);
  expect(trials.every((t) => t.status === 'SUCCEEDED' && t.attempt === 1)).toBe(true);
  expect(search.trialStatusCounters.succeeded).toBe(count);
  const values = trials.map((t) => t.metrics!.cifar10_test_200!);
  expect(search.best?.value).toBe(Math.max(...values));
  expect(search.trainingSeconds).toBeCloseTo(trials.reduce((sum, t) => sum + t.costSeconds!, 0), 6);
}

describe('benchmark trials evaluated in-process by the controller', () => {
  it('runs a search without a single job, every trial recorded with its table values and simulated time', async () => {
    const deps = controller();
    const id = await createSearch({ maxTrialCount: 40, parallelTrialCount: 8 });
    const search = await tickToEnd(deps, id);
    await expectExactlyOnce(search, 40);
    expect(deps.queue.submitted).toHaveLength(0);
    const [trial] = await db.store.getTrials(TEST_TENANT, id, [1]);
    expect(trial!.metrics!.cifar10_test_200).toBe(Number(nb201Row(trial!.arch)!.cifar10_test_200));
    expect(trial!.costSeconds).toBeGreaterThan(0);
    // The record carries the aggregates: a finished search's ledger has nothing open.
    expect(search.ledger).toMatchObject({ open: [] });
  });

  it('keeps every trial exactly once when several controllers tick the same search at the same time', async () => {
    const id = await createSearch({ maxTrialCount: 60, parallelTrialCount: 4 });
    // Separate histories: as separate processes (or Lambda containers) would be, racing on the record's version.
    const racers = Array.from({ length: 4 }, () => controller());
    const settle = async (deps: ControllerDeps) => {
      for (;;) {
        try {
          return await tickToEnd(deps, id);
        } catch (error) {
          // A tick that lost five races in a row gives up (the sweep would tick it again): so do we.
          if (!(error instanceof Error && error.name === 'VersionConflict')) throw error;
        }
      }
    };
    const ends = await Promise.all(racers.map(settle));
    const search = (await db.store.getSearch(TEST_TENANT, id))!;
    expect(ends.every((end) => end.status === 'SUCCEEDED')).toBe(true);
    await expectExactlyOnce(search, 60);
  });

  it('runs several waves of parallelTrialCount in one round, saved with one decision write', async () => {
    const id = await createSearch({ maxTrialCount: 48, parallelTrialCount: 8 });
    const calls = { saveSearch: 0, putTrials: 0 };
    const counting: Store = new Proxy(db.store, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        if (name === 'saveSearch' || name === 'putTrials') calls[name]++;
        return value.bind(target);
      },
    });
    const inProcess = { evaluator, roundTrials: 24, roundMs: 60_000 };
    // One round: three waves (each proposed with the ones before it in the history), written, and the record
    // left without the batch it carried until they were.
    await tick({ ...controller(counting), inProcess: { ...inProcess, sliceMs: 0 } }, TEST_TENANT, id);
    const atRest = (await db.store.getSearch(TEST_TENANT, id))!;
    expect(atRest).toMatchObject({ status: 'RUNNING', trialCount: 24 });
    expect(atRest.ledger!.batch).toEqual([]);
    expect(await db.store.allTrials(TEST_TENANT, id)).toHaveLength(24);
    const search = await tickToEnd({ ...controller(counting), inProcess: { ...inProcess, sliceMs: 60_000 } }, id);
    await expectExactlyOnce(search, 48);
    // Each of the two rounds saves the record with its batch and once more without it; the last save finishes
    // the search, never in the write that carries a batch not yet written.
    expect(calls).toEqual({ saveSearch: 5, putTrials: 2 });
    expect(search.ledger!.batch).toEqual([]);
  });

  it('writes again the batch a controller folded but died before writing', async () => {
    const id = await createSearch({ maxTrialCount: 24, parallelTrialCount: 8 });
    let failures = 0;
    // A store whose batched trial writes are lost twice, as if the process died right after saving the search.
    const crashing: Store = new Proxy(db.store, {
      get(target, name, receiver) {
        if (name === 'putTrials' && failures < 2) {
          return async () => {
            failures++;
            throw new Error('process died');
          };
        }
        const value = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expect(tick(controller(crashing), TEST_TENANT, id)).rejects.toThrow('process died');
    const afterCrash = (await db.store.getSearch(TEST_TENANT, id))!;
    // The round's trials are counted and carried on the record (still RUNNING), none of them written.
    expect(afterCrash.status).toBe('RUNNING');
    expect(afterCrash.trialCount).toBeGreaterThanOrEqual(8);
    expect(afterCrash.ledger!.batch).toHaveLength(afterCrash.trialCount);
    expect(await db.store.allTrials(TEST_TENANT, id)).toHaveLength(0);
    // A fresh process (no history) finds the batch on the record and writes it before going on.
    await expect(tick(controller(crashing), TEST_TENANT, id)).rejects.toThrow('process died');
    const search = await tickToEnd(controller(), id);
    await expectExactlyOnce(search, 24);
  });

  it('stops a search between rounds: nothing is written past the stop', async () => {
    const id = await createSearch({ maxTrialCount: 1000, parallelTrialCount: 4 });
    const deps = controller();
    const running = (await tick({ ...deps, inProcess: { evaluator, sliceMs: 0 } }, TEST_TENANT, id))!;
    await db.store.saveSearch({ ...running, status: 'STOPPING' });
    const stopped = (await tick(deps, TEST_TENANT, id))!;
    const trials = await db.store.allTrials(TEST_TENANT, id);
    expect(stopped).toMatchObject({ status: 'STOPPED', reason: 'Stopped', trialCount: trials.length });
    expect(trials.length).toBe(running.trialCount);
    expect(stopped.trialStatusCounters.succeeded).toBe(trials.length);
  });
});
