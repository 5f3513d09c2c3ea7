import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tick, type ControllerDeps } from '../../src/controller/tick.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { runTrialJob } from '../../src/jobs/run-trial.js';
import type { SearchRecord } from '../../src/search/records.js';
import { BENCHMARKS_DIR, nb201Row } from '../helpers/nb201-csv.js';
import { newSearch, TEST_TENANT, testSpec } from '../helpers/records.js';
import { ScriptedJobQueue } from '../helpers/scripted-queue.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

let db: TestStore;
let queue: ScriptedJobQueue;
let deps: ControllerDeps;
const evaluator = createBenchmarkEvaluator(new BenchmarkCatalog(BENCHMARKS_DIR));
let nextId = 0;

beforeAll(async () => {
  db = await startTestStore();
});
afterAll(() => db.close());
beforeEach(() => {
  queue = new ScriptedJobQueue();
  deps = { store: db.store, queue, clock: () => new Date() };
});

async function createSearch(budget: Parameters<typeof testSpec>[0]): Promise<string> {
  const id = `S-${++nextId}`;
  await db.store.createSearch(newSearch(id, testSpec(budget)));
  return id;
}

const run = (job: Parameters<typeof runTrialJob>[1]) =>
  runTrialJob({ store: db.store, evaluator, clock: () => new Date(), simulatedTimeScale: 0 }, job);
const trials = (id: string) => db.store.allTrials(TEST_TENANT, id);

/** Alternates ticks and job runs until the search finishes, like the event loop of the service. */
async function runToEnd(id: string): Promise<SearchRecord> {
  for (let round = 0; round < 1000; round++) {
    const search = (await tick(deps, TEST_TENANT, id))!;
    if (!['CREATED', 'RUNNING', 'STOPPING'].includes(search.status)) return search;
    await queue.runQueued(run);
  }
  throw new Error('search did not finish');
}

describe('controller tick', () => {
  it('fills the parallel slots and changes nothing when called again', async () => {
    const id = await createSearch({ maxTrialCount: 10, parallelTrialCount: 3 });
    const first = await tick(deps, TEST_TENANT, id);
    expect(first?.status).toBe('RUNNING');
    expect(first?.trialStatusCounters.pending).toBe(3);
    const again = await tick(deps, TEST_TENANT, id);
    expect(again?.trialCount).toBe(3);
    expect(again?.trialStatusCounters).toEqual(first?.trialStatusCounters);
    expect(queue.submitted).toHaveLength(3);
    expect((await trials(id)).every((t) => t.jobId)).toBe(true);
  });

  it('runs a search to exactly maxTrialCount unique trials and reports the best from the table', async () => {
    const id = await createSearch({ maxTrialCount: 12, parallelTrialCount: 4 });
    const search = await runToEnd(id);
    const all = await trials(id);
    expect(search.status).toBe('SUCCEEDED');
    expect(search.reason).toBe('MaxTrialsReached');
    expect(all.map((t) => t.number)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(all.map((t) => t.archHash)).size).toBe(12);
    expect(search.trialStatusCounters.succeeded).toBe(12);
    const values = all.map((t) => t.metrics!.cifar10_test_200!);
    expect(search.best?.value).toBe(Math.max(...values));
    expect(search.best?.value).toBe(Number(nb201Row(search.best!.arch)!.cifar10_test_200));
    expect(search.trainingSeconds).toBeCloseTo(all.reduce((sum, t) => sum + t.costSeconds!, 0), 6);
  });

  it('fails a trial whose job failed, and fails the search past maxFailedTrialCount, killing the rest', async () => {
    const id = await createSearch({ maxTrialCount: 10, parallelTrialCount: 2, maxFailedTrialCount: 0 });
    await tick(deps, TEST_TENANT, id);
    const [first] = queue.queued();
    queue.fail(first!, 'container exited with code 137');
    const search = await tick(deps, TEST_TENANT, id);
    expect(search?.status).toBe('FAILED');
    expect(search?.reason).toBe('MaxFailedTrialsReached');
    const all = await trials(id);
    expect(all.find((t) => t.number === first!.trialNumber)).toMatchObject({
      status: 'FAILED',
      error: { message: 'container exited with code 137', retryable: true },
    });
    expect(all.filter((t) => t.status === 'KILLED')).toHaveLength(1);
    expect(queue.terminated).toHaveLength(1);
    expect(search?.trialStatusCounters).toMatchObject({ failed: 1, killed: 1, pending: 0 });
  });

  it('fails a trial whose job never found capacity (cancelled while RUNNABLE) with CapacityUnavailable, and the failure policy decides the rest', async () => {
    const reason = 'CapacityUnavailable: not started within 60 minutes of being submitted';
    // Without maxFailedTrialCount the search goes on: the slot is given to a new trial, which runs.
    const tolerant = await createSearch({ maxTrialCount: 3, parallelTrialCount: 1 });
    await tick(deps, TEST_TENANT, tolerant);
    queue.fail(queue.queued()[0]!, reason, 'CapacityUnavailable');
    const goingOn = await runToEnd(tolerant);
    expect(goingOn).toMatchObject({ status: 'SUCCEEDED', trialCount: 3, trialStatusCounters: { failed: 1, succeeded: 2 } });
    expect((await trials(tolerant))[0]).toMatchObject({ status: 'FAILED', error: { message: reason } });

    // With maxFailedTrialCount 0 the first capacity failure fails the search, saying why.
    const strict = await createSearch({ maxTrialCount: 3, parallelTrialCount: 2, maxFailedTrialCount: 0 });
    await tick(deps, TEST_TENANT, strict);
    queue.fail(queue.queued()[0]!, reason, 'CapacityUnavailable');
    const failed = await tick(deps, TEST_TENANT, strict);
    expect(failed).toMatchObject({ status: 'FAILED', reason: 'MaxFailedTrialsReached', trialStatusCounters: { failed: 1, killed: 1 } });
  });

  it('resubmits trials whose jobs were lost, and the lost attempt can no longer write', async () => {
    const id = await createSearch({ maxTrialCount: 4, parallelTrialCount: 2 });
    await tick(deps, TEST_TENANT, id);
    const lost = queue.queued();
    queue.forgetAll();
    await tick(deps, TEST_TENANT, id);
    const requeued = await trials(id);
    expect(requeued.map((t) => [t.status, t.attempt])).toEqual([
      ['PENDING', 2],
      ['PENDING', 2],
    ]);
    for (const job of lost) await run(job);
    expect((await trials(id)).every((t) => t.status === 'PENDING')).toBe(true);
    const search = await runToEnd(id);
    expect(search.trialCount).toBe(4);
    expect(search.trialStatusCounters.succeeded).toBe(4);
  });

  it('gives a trial up after budget.maxTrialAttempts containers were lost, recording every attempt', async () => {
    const id = await createSearch({ maxTrialCount: 1, parallelTrialCount: 1, maxTrialAttempts: 2 });
    await tick(deps, TEST_TENANT, id);
    queue.forgetAll();
    await tick(deps, TEST_TENANT, id);
    expect((await trials(id))[0]).toMatchObject({ status: 'PENDING', attempt: 2, pastAttempts: [{ attempt: 1, endedBy: 'lost' }] });
    queue.forgetAll();
    await tick(deps, TEST_TENANT, id);
    const [trial] = await trials(id);
    expect(trial).toMatchObject({ status: 'FAILED', attempt: 2, error: { retryable: false, message: expect.stringMatching(/gave up after 2 attempts/) } });
    expect(trial!.pastAttempts).toHaveLength(2);
    expect(queue.submitted.map((job) => job.attempt)).toEqual([1, 2]);
  });

  it('declares a running trial STALE when its job stops beating, terminates the job and runs it again', async () => {
    const id = await createSearch({ maxTrialCount: 2, parallelTrialCount: 1 });
    await tick(deps, TEST_TENANT, id);
    const [trial] = await trials(id);
    const startedAt = new Date(Date.now() - 600_000).toISOString();
    await db.store.updateTrial(TEST_TENANT, id, trial!.number, { status: 'RUNNING', startedAt, heartbeatAt: startedAt });
    await tick({ ...deps, staleAfterSeconds: 700 }, TEST_TENANT, id);
    expect((await trials(id))[0]).toMatchObject({ status: 'RUNNING', attempt: 1 });

    await tick({ ...deps, staleAfterSeconds: 300 }, TEST_TENANT, id);
    expect((await trials(id))[0]).toMatchObject({ status: 'PENDING', attempt: 2 });
    expect(queue.terminated).toEqual([trial!.jobId]);
    expect(queue.submitted.map((job) => job.attempt)).toEqual([1, 2]);
  });

  it('stops a search: active trials are killed, finished ones kept', async () => {
    const id = await createSearch({ maxTrialCount: 10, parallelTrialCount: 2 });
    await tick(deps, TEST_TENANT, id);
    const [done] = queue.queued();
    await run(done!);
    const search = await db.store.getSearch(TEST_TENANT, id);
    await db.store.saveSearch({ ...search!, status: 'STOPPING' });
    const stopped = await tick(deps, TEST_TENANT, id);
    expect(stopped).toMatchObject({ status: 'STOPPED', reason: 'Stopped', trialCount: 2 });
    expect(stopped?.trialStatusCounters).toMatchObject({ succeeded: 1, killed: 1 });
    expect(await tick(deps, TEST_TENANT, id)).toMatchObject({ status: 'STOPPED', version: stopped!.version });
  });

  it('stops proposing once the simulated runtime budget is spent', async () => {
    // One 200-epoch NB201 trial costs 1,600 to 4,200 simulated seconds.
    const id = await createSearch({ maxTrialCount: 50, parallelTrialCount: 1, maxRuntimeSeconds: 10_000 });
    const search = await runToEnd(id);
    expect(search.reason).toBe('BudgetExhausted');
    expect(search.trialCount).toBeGreaterThan(1);
    expect(search.trialCount).toBeLessThan(10);
    expect(search.elapsedSeconds).toBeGreaterThanOrEqual(10_000);
  });
});
