import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArchitecture } from '../../src/errors.js';
import type { Evaluator } from '../../src/evaluators/evaluator.js';
import { runTrialJob } from '../../src/jobs/run-trial.js';
import { waitFor } from '../../src/local/service-process.js';
import { newSearch, newTrial, TEST_TENANT } from '../helpers/records.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

let db: TestStore;
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(() => db.close());

/** An evaluator that takes `ms` (or until `done` settles) and then answers (or fails as told), to watch the job around it. */
const slowEvaluator = (done: number | Promise<void>, outcome: 'ok' | 'invalid' | 'crash' = 'ok'): Evaluator => ({
  evaluate: async () => {
    await (typeof done === 'number' ? new Promise((resolve) => setTimeout(resolve, done)) : done);
    if (outcome === 'invalid') throw new InvalidArchitecture('nb201.table', 'not in the table');
    if (outcome === 'crash') throw new Error('GPU fell off the bus');
    return { metrics: { cifar10_test_200: 90 }, costSeconds: 12 };
  },
});

async function setUp(id: string) {
  await db.store.createSearch(newSearch(id));
  await db.store.createTrial(newTrial(id, 1));
  return { tenantId: TEST_TENANT, searchId: id, trialNumber: 1, attempt: 1 };
}
const deps = (evaluator: Evaluator) => ({ store: db.store, evaluator, clock: () => new Date(), simulatedTimeScale: 0, heartbeatSeconds: 0.05 });

describe('the trial job', () => {
  it('beats its heart while it runs and records the outcome', async () => {
    const job = await setUp('J-ok');
    let finishEvaluation!: () => void;
    const evaluation = new Promise<void>((resolve) => (finishEvaluation = resolve));
    const running = runTrialJob(deps(slowEvaluator(evaluation)), job);
    // The evaluation lasts until the trial shows a heartbeat after its start (or the wait times out).
    const midway = await waitFor(async () => {
      const trial = await db.store.getTrial(TEST_TENANT, 'J-ok', 1);
      return trial?.heartbeatAt && Date.parse(trial.heartbeatAt) > Date.parse(trial.startedAt!) ? trial : undefined;
    }, 'a heartbeat after the start', 10_000);
    expect(midway.status).toBe('RUNNING');
    finishEvaluation();
    await running;
    expect(await db.store.getTrial(TEST_TENANT, 'J-ok', 1)).toMatchObject({ status: 'SUCCEEDED', metrics: { cifar10_test_200: 90 }, costSeconds: 12 });
  });

  it('records an architecture the evaluator rejects as a non-retryable failure, and rethrows anything else', async () => {
    await runTrialJob(deps(slowEvaluator(1, 'invalid')), await setUp('J-invalid'));
    expect(await db.store.getTrial(TEST_TENANT, 'J-invalid', 1)).toMatchObject({ status: 'FAILED', error: { retryable: false } });
    await expect(runTrialJob(deps(slowEvaluator(1, 'crash')), await setUp('J-crash'))).rejects.toThrow('GPU fell off the bus');
    expect((await db.store.getTrial(TEST_TENANT, 'J-crash', 1))?.status).toBe('RUNNING');
  });

  it('does nothing for a superseded attempt', async () => {
    const job = await setUp('J-old');
    await db.store.updateTrial(TEST_TENANT, 'J-old', 1, { attempt: 2 });
    await runTrialJob(deps(slowEvaluator(1)), job);
    expect(await db.store.getTrial(TEST_TENANT, 'J-old', 1)).toMatchObject({ status: 'PENDING', attempt: 2 });
  });
});

describe('a job retried by AWS Batch after a Spot interruption', () => {
  it('takes over the RUNNING attempt only when told it is a retry', async () => {
    const job = await setUp('J-spot');
    await db.store.updateTrial(TEST_TENANT, 'J-spot', 1, { status: 'RUNNING' });
    await runTrialJob(deps(slowEvaluator(1)), job);
    expect((await db.store.getTrial(TEST_TENANT, 'J-spot', 1))?.status).toBe('RUNNING');
    await runTrialJob({ ...deps(slowEvaluator(1)), reclaimRunning: true }, job);
    expect((await db.store.getTrial(TEST_TENANT, 'J-spot', 1))?.status).toBe('SUCCEEDED');
  });
});
