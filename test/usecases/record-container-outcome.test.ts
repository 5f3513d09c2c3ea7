import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followContainerJob } from '../../src/usecases/record-container-outcome.js';
import type { JobState } from '../../src/jobs/job-queue.js';
import type { EpochObservation } from '../../src/search/records.js';
import { containerSpec, FakeJobLogs } from '../helpers/container-search.js';
import { newSearch, newTrial, TEST_TENANT } from '../helpers/records.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

describe('followContainerJob', () => {
  let db: TestStore;
  let logs: FakeJobLogs;
  let searchNumber = 0;
  beforeAll(async () => {
    db = await startTestStore();
  });
  afterAll(async () => db.close());

  /** A container search with one trial whose job is `job-1`, PENDING as the controller submitted it. */
  async function given() {
    logs = new FakeJobLogs();
    const search = newSearch(`01JD3S9V7X00000000000000${String(++searchNumber).padStart(2, '0')}`, containerSpec());
    await db.store.createSearch(search);
    await db.store.createTrial(newTrial(search.id, 0, { jobId: 'job-1' }));
    const deps = { store: db.store, logs, clock: () => new Date(T0 + 3600_000) };
    const trial = async () => (await db.store.getTrial(TEST_TENANT, search.id, 0))!;
    const follow = async (job: JobState) => followContainerJob(deps, search, await trial(), job);
    return { follow, trial };
  }

  it("claims the trial from Batch's RUNNING, with Batch's start, once", async () => {
    const { follow, trial } = await given();
    expect(await follow({ status: 'QUEUED' })).toBe(false);
    expect(await follow({ status: 'RUNNING', startedAt: iso(30) })).toBe(true);
    expect(await trial()).toMatchObject({ status: 'RUNNING', startedAt: iso(30) });
    expect(await follow({ status: 'RUNNING', startedAt: iso(30) })).toBe(false);
  });

  it('records the metrics and the curve read from the log once the job SUCCEEDED, and a replay changes nothing', async () => {
    const { follow, trial } = await given();
    logs.write('container/default/a', T0 + 30_000, ['loading data', 'epoch=1 val_acc=0.5 val_loss=1.2', 'epoch=2 val_acc=0.75 val_loss=0.8', 'done']);
    const ended: JobState = { status: 'SUCCEEDED', startedAt: iso(30), stoppedAt: iso(330), logStream: 'container/default/a' };
    // The job ran and ended between two ticks: the trial is claimed and succeeds in the same pass.
    expect(await follow(ended)).toBe(true);
    const recorded = await trial();
    expect(recorded).toMatchObject({
      status: 'SUCCEEDED',
      startedAt: iso(30),
      finishedAt: iso(330),
      costSeconds: 300,
      metrics: { val_acc: 0.75, val_loss: 0.8 },
      curve: [
        { epoch: 1, metrics: { val_acc: 0.5, val_loss: 1.2 }, seconds: 120 },
        { epoch: 2, metrics: { val_acc: 0.75, val_loss: 0.8 }, seconds: 180 },
      ],
    });
    expect(await follow(ended)).toBe(false);
    expect(await trial()).toEqual(recorded);
  });

  it("fails the trial for good with Batch's reason and the last lines of the output when the job FAILED", async () => {
    const { follow, trial } = await given();
    logs.write('container/default/b', T0, ['epoch=1 val_acc=0.5 val_loss=1.2', ...Array.from({ length: 25 }, (_, i) => `trace ${i}`), 'CUDA out of memory']);
    expect(await follow({ status: 'FAILED', reason: 'Essential container in task exited; exit code 1', startedAt: iso(30), logStream: 'container/default/b' })).toBe(true);
    const failed = await trial();
    expect(failed.status).toBe('FAILED');
    expect(failed.error?.retryable).toBe(false);
    expect(failed.error?.message).toMatch(/^Essential container in task exited; exit code 1; its output ended with:\ntrace 6\n/);
    expect(failed.error?.message).toMatch(/CUDA out of memory$/);
    expect(failed.error?.message).not.toMatch(/trace 5\n/);
  });

  it('takes what the container reported over the API when it printed no metric', async () => {
    const { follow, trial } = await given();
    const reported: EpochObservation[] = [
      { epoch: 1, metrics: { val_acc: 0.5, val_loss: 1.2 }, seconds: 60 },
      { epoch: 2, metrics: { val_acc: 0.7 }, seconds: 120 },
    ];
    const running = await trial();
    await db.store.updateTrial(TEST_TENANT, running.searchId, 0, { status: 'RUNNING', startedAt: iso(30), curve: reported }, { attempt: 1 });
    logs.write('container/default/r', T0, ['loading data', 'training done']);
    expect(await follow({ status: 'SUCCEEDED', startedAt: iso(30), stoppedAt: iso(330), logStream: 'container/default/r' })).toBe(true);
    // Each metric's last reported value; the curve stays the reported one.
    expect(await trial()).toMatchObject({ status: 'SUCCEEDED', metrics: { val_acc: 0.7, val_loss: 1.2 }, curve: reported });
  });

  it('fails a job that SUCCEEDED without printing every metric the search ranks on, and one that never started without reading a log', async () => {
    const silent = await given();
    logs.write('container/default/c', T0, ['val_loss=0.3']);
    await silent.follow({ status: 'SUCCEEDED', startedAt: iso(30), logStream: 'container/default/c' });
    expect((await silent.trial()).error?.message).toMatch(/^the command printed \(or reported\) no value of val_acc \(evaluator\.metricDefinitions\)/);

    const unplaced = await given();
    await unplaced.follow({ status: 'FAILED', reason: 'CapacityUnavailable: not started within 70 minutes', code: 'CapacityUnavailable' });
    expect(await unplaced.trial()).toMatchObject({ status: 'FAILED', error: { message: 'CapacityUnavailable: not started within 70 minutes', retryable: true } });
    expect((await unplaced.trial()).startedAt).toBeUndefined();
    expect(logs.reads).toEqual([]);
  });
});
