import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tick, type ControllerDeps } from '../../src/controller/tick.js';
import { followContainerJob } from '../../src/usecases/record-container-outcome.js';
import { containerSpec, FakeJobLogs } from '../helpers/container-search.js';
import { newSearch, TEST_TENANT } from '../helpers/records.js';
import { ScriptedJobQueue } from '../helpers/scripted-queue.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

/**
 * A container trial on AWS Batch as the deployed controller follows it: no code of ours runs in the user's
 * image, so the job's own states move the trial (QUEUED, RUNNING, SUCCEEDED) and its log holds the result.
 */
describe('the controller and a container trial run by Batch', () => {
  let db: TestStore;
  beforeAll(async () => {
    db = await startTestStore();
  });
  afterAll(async () => db.close());

  it('GIVEN a job that goes QUEUED, RUNNING, SUCCEEDED WHEN the controller ticks THEN the trial runs from Batch\'s start, is never taken for silent, and ends SUCCEEDED with the metrics of its log', async () => {
    const T0 = Date.parse('2026-03-01T00:00:00.000Z');
    let now = T0;
    const queue = new ScriptedJobQueue();
    const logs = new FakeJobLogs();
    const clock = () => new Date(now);
    const store = db.store;
    const deps: ControllerDeps = { store, queue, clock, staleAfterSeconds: 300, containerJobs: (search, trial, job) => followContainerJob({ store, logs, clock }, search, trial, job) };
    const searchId = '01JD3S9V7X0000000000000C01';
    await store.createSearch(newSearch(searchId, containerSpec({ maxTrialCount: 1, parallelTrialCount: 1 })));
    const trial = async () => (await store.getTrial(TEST_TENANT, searchId, 1))!;

    await tick(deps, TEST_TENANT, searchId);
    const [job] = queue.submitted;
    expect(job).toMatchObject({ trialNumber: 1, attempt: 1 });
    expect((await trial()).status).toBe('PENDING');

    now = T0 + 120_000;
    queue.move(job!, { status: 'RUNNING', startedAt: new Date(T0 + 60_000).toISOString(), logStream: 'container/default/t0' });
    await tick(deps, TEST_TENANT, searchId);
    expect(await trial()).toMatchObject({ status: 'RUNNING', startedAt: new Date(T0 + 60_000).toISOString() });

    // Far past staleAfterSeconds without a heartbeat: Batch's RUNNING is the sign of life.
    now = T0 + 3600_000;
    await tick(deps, TEST_TENANT, searchId);
    expect((await trial()).status).toBe('RUNNING');
    expect(queue.terminated).toEqual([]);

    logs.write('container/default/t0', T0 + 60_000, ['epoch=1 val_acc=0.61 val_loss=1.1', 'epoch=2 val_acc=0.83 val_loss=0.6']);
    queue.move(job!, { status: 'SUCCEEDED', startedAt: new Date(T0 + 60_000).toISOString(), stoppedAt: new Date(T0 + 3660_000).toISOString(), logStream: 'container/default/t0' });
    now = T0 + 3720_000;
    const search = await tick(deps, TEST_TENANT, searchId);

    expect(await trial()).toMatchObject({ status: 'SUCCEEDED', metrics: { val_acc: 0.83, val_loss: 0.6 }, costSeconds: 3600, curve: [{ epoch: 1 }, { epoch: 2 }] });
    expect(search).toMatchObject({ status: 'SUCCEEDED', reason: 'MaxTrialsReached' });
    expect(queue.submitted).toHaveLength(1);
    expect(logs.reads).toEqual(['container/default/t0']);
  });
});
