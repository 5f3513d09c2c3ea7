import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createControllerDeps,
  createControllerHandler,
  jobTargetsFrom,
  targetResolver,
  trialJobOf,
  type ControllerHandlerDeps,
} from '../../functions/controller.js';
import { jobKindOf } from '../../src/cost/job-profiles.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { createBenchmarkEvaluator } from '../../src/evaluators/benchmark-evaluator.js';
import { evaluatorKindLookup } from '../../src/jobs/evaluator-kinds.js';
import type { TrialJob } from '../../src/jobs/job-queue.js';
import { runTrialJob } from '../../src/jobs/run-trial.js';
import type { SearchRecord } from '../../src/search/records.js';
import type { Store } from '../../src/store/store.js';
import { BENCHMARKS_DIR, nb201Row } from '../helpers/nb201-csv.js';
import { newSearch, TEST_TENANT, testSpec } from '../helpers/records.js';
import { startTestStore, type TestStore } from '../helpers/store.js';
import { batchJobStateChange, scheduledEvent, searchEvent } from './eventbridge-event-shapes.js';
import { FakeBatch } from './fake-batch.js';

const ENV = {
  NAS_TABLE: 'nas',
  NAS_CPU_JOB_QUEUE: 'arn:aws:batch:eu-west-1:123456789012:job-queue/CpuQueue',
  NAS_CPU_JOB_DEFINITION: 'arn:aws:batch:eu-west-1:123456789012:job-definition/BenchmarkJob:1',
  NAS_GPU_JOB_QUEUE: 'arn:aws:batch:eu-west-1:123456789012:job-queue/GpuQueue',
  NAS_GPU_JOB_DEFINITION: 'arn:aws:batch:eu-west-1:123456789012:job-definition/TrainJob:1',
};

let db: TestStore;
let nextId = 0;
beforeAll(async () => {
  db = await startTestStore();
});
afterAll(() => db.close());

/**
 * The controller Lambda as the stack wires it (env → DynamoDB store on dynalite, BatchJobQueue) with a fake
 * Batch. The Lambda answers benchmark trials in-process; these tests drive the Batch job path with the same
 * benchmark searches, so they take that out (`inProcess: true` keeps it).
 */
function controller(options: Partial<ControllerHandlerDeps> & { inProcess?: boolean } = {}) {
  const batch = new FakeBatch();
  const { inProcess, ...rest } = options;
  const wired = createControllerDeps({ ...ENV, NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint }, { batch });
  const { inProcess: evaluation, ...jobsOnly } = wired.controller;
  const deps = { ...wired, controller: inProcess ? { ...jobsOnly, inProcess: evaluation! } : jobsOnly };
  const logged: Record<string, unknown>[] = [];
  const handler = createControllerHandler({ ...deps, log: (line) => logged.push(line), ...rest });
  return { batch, handler, logged };
}

async function createSearch(budget: Parameters<typeof testSpec>[0] = {}): Promise<string> {
  const id = `01JD3S9V7X${String(++nextId).padStart(16, '0')}`;
  await db.store.createSearch(newSearch(id, testSpec(budget)));
  return id;
}

const evaluator = createBenchmarkEvaluator(new BenchmarkCatalog(BENCHMARKS_DIR));
/** What the container does with its job: `batch/job.ts` reads NAS_JOB and runs the trial against the table. */
const runContainer = (job: TrialJob) => runTrialJob({ store: db.store, evaluator, clock: () => new Date(), simulatedTimeScale: 0 }, job);
const nasJobOf = (environment: { name?: string; value?: string }[] = []) =>
  JSON.parse(environment.find((variable) => variable.name === 'NAS_JOB')!.value!) as TrialJob;

describe('controller Lambda', () => {
  it('GIVEN a benchmark search WHEN its SearchCreated is handled THEN the controller evaluates its trials itself: no Batch job', async () => {
    const { batch, handler } = controller({ inProcess: true });
    const id = await createSearch({ maxTrialCount: 6, parallelTrialCount: 2 });

    const result = await handler(searchEvent('SearchCreated', TEST_TENANT, id));

    expect(result).toEqual({ trigger: 'search-event', ticked: [{ tenantId: TEST_TENANT, searchId: id, status: 'SUCCEEDED' }] });
    expect(batch.inputs('SubmitJob')).toHaveLength(0);
    const trials = await db.store.allTrials(TEST_TENANT, id);
    expect(trials.map((t) => [t.number, t.status])).toEqual([1, 2, 3, 4, 5, 6].map((n) => [n, 'SUCCEEDED']));
  });

  it('GIVEN SearchCreated from our bus WHEN handled THEN the parallel slots are submitted to the CPU queue', async () => {
    const { batch, handler, logged } = controller();
    const id = await createSearch({ maxTrialCount: 6, parallelTrialCount: 2 });

    const result = await handler(searchEvent('SearchCreated', TEST_TENANT, id));

    expect(result).toEqual({ trigger: 'search-event', ticked: [{ tenantId: TEST_TENANT, searchId: id, status: 'RUNNING' }] });
    const submitted = batch.inputs<{ jobName: string; jobQueue: string; jobDefinition: string; tags: object }>('SubmitJob');
    expect(submitted).toEqual([
      expect.objectContaining({ jobName: `${id}-1-1`, jobQueue: ENV.NAS_CPU_JOB_QUEUE, jobDefinition: ENV.NAS_CPU_JOB_DEFINITION, timeout: { attemptDurationSeconds: 900 } }),
      expect.objectContaining({ jobName: `${id}-2-1`, tags: { tenant: TEST_TENANT, search: id, trial: '2', attempt: '1' } }),
    ]);
    const trials = await db.store.allTrials(TEST_TENANT, id);
    expect(trials.map((t) => t.jobId)).toEqual(batch.jobs.map((j) => j.jobId));
    expect(logged).toContainEqual(expect.objectContaining({ message: 'search ticked', trigger: 'SearchCreated', searchId: id, status: 'RUNNING' }));

    // The same event delivered twice (EventBridge is at-least-once) submits nothing more.
    await handler(searchEvent('SearchCreated', TEST_TENANT, id));
    expect(batch.inputs('SubmitJob')).toHaveLength(2);
  });

  it('runs a search to the end on Batch Job State Change events, exactly as the cloud would', async () => {
    const { batch, handler } = controller();
    const id = await createSearch({ maxTrialCount: 6, parallelTrialCount: 2 });
    let search = (await handler(searchEvent('SearchCreated', TEST_TENANT, id))).ticked[0]!;

    for (let round = 0; round < 20 && search.status === 'RUNNING'; round++) {
      const queued = batch.jobs.filter((job) => job.status === 'SUBMITTED');
      for (const job of queued) {
        await runContainer(nasJobOf(job.container?.environment));
        batch.update(job.jobId, 'SUCCEEDED', { container: { ...job.container, exitCode: 0 } });
        const event = batchJobStateChange({ ...job, environment: job.container?.environment as { name: string; value: string }[] }, 'SUCCEEDED');
        search = (await handler(event)).ticked[0]!;
      }
    }

    const final = (await db.store.getSearch(TEST_TENANT, id)) as SearchRecord;
    expect(final).toMatchObject({ status: 'SUCCEEDED', reason: 'MaxTrialsReached', trialCount: 6 });
    expect(final.trialStatusCounters.succeeded).toBe(6);
    expect(final.best!.value).toBe(Number(nb201Row(final.best!.arch)!.cifar10_test_200));
    expect(batch.inputs('SubmitJob')).toHaveLength(6);
  });

  it('GIVEN a job that failed WHEN its event arrives THEN the trial fails with the reason, the failure is logged and the slot refilled', async () => {
    const { batch, handler, logged } = controller();
    const id = await createSearch({ maxTrialCount: 6, parallelTrialCount: 2 });
    await handler(searchEvent('SearchCreated', TEST_TENANT, id));
    const job = batch.jobs.find((j) => j.jobName === `${id}-1-1`)!;
    batch.update(job.jobId, 'FAILED', { statusReason: 'Essential container in task exited', container: { exitCode: 137 } });

    const event = batchJobStateChange(
      { ...job, environment: job.container?.environment as { name: string; value: string }[] },
      'FAILED',
      { statusReason: 'Essential container in task exited', exitCode: 137 },
    );
    const result = await handler(event);

    expect(result.trigger).toBe('job');
    const trial = await db.store.getTrial(TEST_TENANT, id, 1);
    expect(trial).toMatchObject({ status: 'FAILED', error: { message: 'Essential container in task exited; exit code 137', retryable: true } });
    expect(logged).toContainEqual({
      message: 'batch job failed',
      jobId: job.jobId,
      jobName: `${id}-1-1`,
      jobQueue: ENV.NAS_CPU_JOB_QUEUE,
      reason: 'Essential container in task exited; exit code 137',
      tenantId: TEST_TENANT,
      searchId: id,
      trialNumber: 1,
      attempt: 1,
    });
    expect(batch.inputs<{ jobName: string }>('SubmitJob').map((input) => input.jobName)).toContain(`${id}-3-1`);
  });

  it('finds the search from the tags when the event carries no NAS_JOB, and ignores jobs that are not ours', async () => {
    const { handler, logged } = controller();
    const id = await createSearch();
    const tagged = batchJobStateChange(
      { jobId: 'j-1', jobName: 'x', jobQueue: ENV.NAS_CPU_JOB_QUEUE, jobDefinition: ENV.NAS_CPU_JOB_DEFINITION, tags: { tenant: TEST_TENANT, search: id, trial: '1', attempt: '1' } },
      'SUCCEEDED',
    );
    expect((await handler(tagged)).ticked).toEqual([{ tenantId: TEST_TENANT, searchId: id, status: 'RUNNING' }]);

    const foreign = batchJobStateChange({ jobId: 'j-2', jobName: 'someone-elses', jobQueue: ENV.NAS_CPU_JOB_QUEUE, jobDefinition: 'other:1' }, 'SUCCEEDED');
    expect(await handler(foreign)).toEqual({ trigger: 'ignored', ticked: [] });
    expect(logged).toContainEqual(expect.objectContaining({ message: 'event ignored', source: 'aws.batch', detailType: 'Batch Job State Change' }));
    expect(await handler({ ...scheduledEvent(), source: 'aws.s3', 'detail-type': 'Object Created' })).toEqual({ trigger: 'ignored', ticked: [] });
    expect(await handler({ ...searchEvent('SearchCreated', TEST_TENANT, id), detail: { type: 'SearchCreated' } })).toEqual({ trigger: 'ignored', ticked: [] });
  });

  it('GIVEN SearchStopRequested WHEN handled THEN the running jobs are terminated and the search stops', async () => {
    const { batch, handler } = controller();
    const id = await createSearch({ maxTrialCount: 6, parallelTrialCount: 2 });
    await handler(searchEvent('SearchCreated', TEST_TENANT, id));
    const search = (await db.store.getSearch(TEST_TENANT, id))!;
    await db.store.saveSearch({ ...search, status: 'STOPPING' });

    const result = await handler(searchEvent('SearchStopRequested', TEST_TENANT, id));

    expect(result.ticked).toEqual([{ tenantId: TEST_TENANT, searchId: id, status: 'STOPPED' }]);
    expect(batch.inputs('TerminateJob')).toEqual(batch.jobs.map((job) => ({ jobId: job.jobId, reason: 'search stopped' })));
  });

  it('GIVEN the one-minute schedule WHEN it fires THEN every active search is ticked', async () => {
    const { batch, handler } = controller();
    const fresh = [await createSearch(), await createSearch()];
    const active = await db.store.listActiveSearches();

    const result = await handler(scheduledEvent(), { getRemainingTimeInMillis: () => 120_000 });

    expect(result.trigger).toBe('sweep');
    expect(result.ticked.map((t) => t.searchId).sort()).toEqual(active.map((a) => a.searchId).sort());
    for (const id of fresh) expect(batch.inputs<{ jobName: string }>('SubmitJob').map((input) => input.jobName)).toContain(`${id}-1-1`);
  });

  it('leaves what it has no time for to the next sweep, which starts elsewhere', async () => {
    await createSearch();
    const { handler, logged } = controller({ sweepBudgetMs: 0 });
    const active = await db.store.listActiveSearches();

    const result = await handler(scheduledEvent());

    expect(result).toEqual({ trigger: 'sweep', ticked: [], deferred: active.length });
    expect(logged).toContainEqual({ message: 'sweep out of time', ticked: 0, deferred: active.length });
  });

  it('ticks the other searches when one tick fails, then fails the invocation so the error is seen', async () => {
    const broken = `01JD3S9V7X${String(++nextId).padStart(16, '0')}`;
    // A record the API would never write (an unknown strategy): its tick throws.
    const record = newSearch(broken);
    await db.store.createSearch({ ...record, spec: { ...record.spec, strategy: { name: 'no-such-strategy' as 'random', params: {} } } });
    const healthy = await createSearch();
    const { batch, handler, logged } = controller();

    await expect(handler(scheduledEvent('2025-06-01T12:07:00Z'))).rejects.toThrow(AggregateError);

    expect(logged).toContainEqual(expect.objectContaining({ message: 'tick failed', trigger: 'sweep', searchId: broken }));
    expect(batch.inputs<{ jobName: string }>('SubmitJob').map((input) => input.jobName)).toContain(`${healthy}-1-1`);
    // Out of the way of later sweeps.
    await db.store.saveSearch({ ...(await db.store.getSearch(TEST_TENANT, broken))!, status: 'FAILED' });
  });

  it('fails the invocation when a single search event cannot be handled, so Lambda retries it', async () => {
    const deps = createControllerDeps({ ...ENV, NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint }, { batch: new FakeBatch() });
    vi.spyOn(deps.controller.store, 'getSearch').mockRejectedValueOnce(new Error('ProvisionedThroughputExceededException'));
    const handler = createControllerHandler({ ...deps, log: () => {} });
    await expect(handler(searchEvent('SearchCreated', TEST_TENANT, 'x'))).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});

describe('job routing', () => {
  const targets = jobTargetsFrom(ENV);

  it('sends training jobs to the GPU queue and everything else to the CPU queue, reading each search once', async () => {
    const getSearch = vi.fn(async (_tenantId: string, searchId: string) => ({ spec: { evaluator: { kind: searchId === 'train' ? 'train' : 'benchmark' } } }));
    const resolve = targetResolver(evaluatorKindLookup({ getSearch } as unknown as Store), targets);
    const job = (searchId: string): TrialJob => ({ tenantId: 't', searchId, trialNumber: 1, attempt: 1 });

    expect(await resolve(job('train'))).toEqual({ jobQueue: ENV.NAS_GPU_JOB_QUEUE, jobDefinition: ENV.NAS_GPU_JOB_DEFINITION, timeoutSeconds: 14_400 });
    expect(await resolve({ ...job('train'), trialNumber: 2 })).toMatchObject({ jobQueue: ENV.NAS_GPU_JOB_QUEUE });
    expect(await resolve(job('bench'))).toEqual({ jobQueue: ENV.NAS_CPU_JOB_QUEUE, jobDefinition: ENV.NAS_CPU_JOB_DEFINITION, timeoutSeconds: 900 });
    expect(getSearch).toHaveBeenCalledTimes(2);
    expect(jobKindOf('predict')).toBe('benchmark');
  });

  it('refuses to start without the table, the queues or the job definitions', () => {
    expect(() => createControllerDeps({ ...ENV, NAS_TABLE: '' })).toThrow(/NAS_TABLE/);
    expect(() => jobTargetsFrom({ ...ENV, NAS_GPU_JOB_QUEUE: undefined })).toThrow(/NAS_GPU_JOB_QUEUE must name the Batch job queue/);
    expect(() => jobTargetsFrom({ ...ENV, NAS_CPU_JOB_DEFINITION: undefined })).toThrow(/NAS_CPU_JOB_DEFINITION must name the Batch job definition/);
  });

  it('reads the trial from NAS_JOB first, then from the tags', () => {
    const fromEnv = { container: { environment: [{ name: 'NAS_JOB', value: '{"tenantId":"a b","searchId":"s","trialNumber":3,"attempt":2}' }] } };
    expect(trialJobOf(fromEnv)).toEqual({ tenantId: 'a b', searchId: 's', trialNumber: 3, attempt: 2 });
    const mangled = { container: { environment: [{ name: 'NAS_JOB', value: '{' }] }, tags: { tenant: 't', search: 's', trial: '4', attempt: '1' } };
    expect(trialJobOf(mangled)).toEqual({ tenantId: 't', searchId: 's', trialNumber: 4, attempt: 1 });
    expect(trialJobOf({ tags: { resourceArn: 'arn:aws:batch:eu-west-1:123456789012:job/x' } })).toBeUndefined();
  });
});
