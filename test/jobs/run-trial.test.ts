import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuUnavailable, InvalidArchitecture } from '../../src/errors.js';
import type { Evaluator } from '../../src/evaluators/evaluator.js';
import { runTrialJob } from '../../src/jobs/run-trial.js';
import { waitFor } from '../../src/local/service-process.js';
import { newSearch, newTrial, TEST_TENANT, testSpec } from '../helpers/records.js';
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

describe('a GPU trial', () => {
  const gpu = { device: 'Tesla T4', computeCapability: '7.5', driverVersion: '550.127.05', driverCudaVersion: '12.4', cudaRuntimeVersion: '11.8.0', tensorflowVersion: '2.9.1', firstOpMs: 412 };

  it('GIVEN the evaluator proved the GPU WHEN the outcome is written THEN the trial records the device and the driver and CUDA versions', async () => {
    const job = await setUp('J-gpu');
    await runTrialJob(deps({ evaluate: async () => ({ metrics: { cifar10_test_200: 90 }, costSeconds: 5, backend: 'tfjs-node-gpu', gpu }) }), job);
    expect(await db.store.getTrial(TEST_TENANT, 'J-gpu', 1)).toMatchObject({ status: 'SUCCEEDED', backend: 'tfjs-node-gpu', gpu });
  });

  it('GIVEN TensorFlow is not on the GPU WHEN the job starts training THEN the trial fails at once with GpuUnavailable and the container fails too', async () => {
    const job = await setUp('J-nogpu');
    const failing = runTrialJob(deps({ evaluate: async () => Promise.reject(new GpuUnavailable('TensorFlow placed its operations on the CPU', 'Tesla T4')) }), job);
    await expect(failing).rejects.toThrow(GpuUnavailable);
    expect(await db.store.getTrial(TEST_TENANT, 'J-nogpu', 1)).toMatchObject({
      status: 'FAILED',
      error: { message: 'GpuUnavailable: TensorFlow placed its operations on the CPU (device: Tesla T4)', retryable: true },
    });
  });
});

describe('Spot interruptions count against budget.maxTrialAttempts', () => {
  const startedAt = '2026-01-01T00:00:00.000Z';
  const heartbeatAt = '2026-01-01T00:20:00.000Z';
  const clock = () => new Date('2026-01-01T00:30:00.000Z');

  it('GIVEN a reclaimed container WHEN Batch starts the attempt again THEN its run is kept in pastAttempts, ending a heartbeat after its last sign', async () => {
    const job = await setUp('J-reclaim');
    await db.store.updateTrial(TEST_TENANT, 'J-reclaim', 1, { status: 'RUNNING', startedAt, heartbeatAt });
    await runTrialJob({ ...deps(slowEvaluator(1)), clock, heartbeatSeconds: 30, reclaimRunning: true }, job);
    expect(await db.store.getTrial(TEST_TENANT, 'J-reclaim', 1)).toMatchObject({
      status: 'SUCCEEDED',
      pastAttempts: [{ attempt: 1, startedAt, endedAt: '2026-01-01T00:20:30.000Z', endedBy: 'spot-reclaim' }],
    });
  });

  it('GIVEN the limit is reached WHEN Batch starts the attempt once more THEN the trial fails with the reason instead of training', async () => {
    const id = 'J-reclaim-limit';
    await db.store.createSearch(newSearch(id, testSpec({ maxTrialAttempts: 2 })));
    await db.store.createTrial(newTrial(id, 1));
    const pastAttempts = [{ attempt: 1, startedAt, endedAt: startedAt, endedBy: 'spot-reclaim' as const }];
    await db.store.updateTrial(TEST_TENANT, id, 1, { status: 'RUNNING', startedAt, heartbeatAt, pastAttempts });
    let evaluated = false;
    const evaluator: Evaluator = { evaluate: async () => ((evaluated = true), { metrics: {}, costSeconds: 1 }) };
    await runTrialJob({ ...deps(evaluator), clock, heartbeatSeconds: 30, reclaimRunning: true }, { tenantId: TEST_TENANT, searchId: id, trialNumber: 1, attempt: 1 });
    expect(evaluated).toBe(false);
    const trial = await db.store.getTrial(TEST_TENANT, id, 1);
    expect(trial).toMatchObject({ status: 'FAILED', error: { message: 'gave up after 2 attempts (budget.maxTrialAttempts 2): #1 Spot interruption, #2 Spot interruption', retryable: false } });
    expect(trial?.pastAttempts).toHaveLength(2);
  });
});
