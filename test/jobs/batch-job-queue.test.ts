import { createHash } from 'node:crypto';
import { BatchClient } from '@aws-sdk/client-batch';
import { describe, expect, it } from 'vitest';
import { BatchJobQueue, batchJobName, REGISTERED_DEFINITION_PREFIX, stateOf, type BatchApi, type BatchJobTarget } from '../../src/jobs/batch-job-queue.js';
import { containerJobTarget, type ContainerJobPlaces } from '../../src/jobs/container-job.js';
import type { AgentTrainingJob, TrialJob } from '../../src/jobs/job-queue.js';
import { ContainerEvaluatorSchema } from '../../src/search/container-spec.js';
import type { SearchSpec } from '../../src/search/spec.js';
import type { TrialPatch } from '../../src/store/store.js';
import { FakeBatch } from '../functions/fake-batch.js';
import { newSearch, newTrial, testSpec } from '../helpers/records.js';

const CPU: BatchJobTarget = {
  jobQueue: 'arn:aws:batch:eu-west-1:123456789012:job-queue/nas-cpu',
  jobDefinition: 'arn:aws:batch:eu-west-1:123456789012:job-definition/nas-benchmark:3',
  timeoutSeconds: 900,
};
const GPU: BatchJobTarget = {
  jobQueue: 'arn:aws:batch:eu-west-1:123456789012:job-queue/nas-gpu',
  jobDefinition: 'arn:aws:batch:eu-west-1:123456789012:job-definition/nas-train:1',
  timeoutSeconds: 14_400,
};
const SEARCH = '01JD3S9V7X0000000000000000';
const job = (trialNumber: number, attempt = 1, searchId = SEARCH): TrialJob => ({ tenantId: 'tenant-a', searchId, trialNumber, attempt });

function queueOn(batch: FakeBatch, targetFor: (job: TrialJob) => BatchJobTarget = () => CPU) {
  return new BatchJobQueue({ client: batch, targetFor });
}

describe('BatchJobQueue.submit', () => {
  it('looks the attempt up by name on its queue, then submits it with NAS_JOB, tags, Spot-only retries and a timeout', async () => {
    const batch = new FakeBatch();
    const { jobId } = await queueOn(batch).submit(job(7, 2));

    expect(batch.sent.map((s) => s.command)).toEqual(['ListJobs', 'SubmitJob']);
    expect(batch.inputs('ListJobs')[0]).toEqual({ jobQueue: CPU.jobQueue, filters: [{ name: 'JOB_NAME', values: [`${SEARCH}-7-2`] }], nextToken: undefined });
    expect(batch.inputs('SubmitJob')[0]).toEqual({
      jobName: `${SEARCH}-7-2`,
      jobQueue: CPU.jobQueue,
      jobDefinition: CPU.jobDefinition,
      containerOverrides: {
        environment: [{ name: 'NAS_JOB', value: JSON.stringify({ tenantId: 'tenant-a', searchId: SEARCH, trialNumber: 7, attempt: 2 }) }],
      },
      tags: { tenant: 'tenant-a', search: SEARCH, trial: '7', attempt: '2' },
      propagateTags: true,
      retryStrategy: {
        attempts: 3,
        evaluateOnExit: [
          { onStatusReason: 'Host EC2*', action: 'RETRY' },
          { onStatusReason: 'Your Spot Task was interrupted*', action: 'RETRY' },
          { onReason: '*', action: 'EXIT' },
        ],
      },
      timeout: { attemptDurationSeconds: 900 },
    });
    expect(jobId).toBe(batch.jobs[0]!.jobId);
  });

  it('GIVEN a retried controller WHEN it submits the same attempt again THEN it gets the same job and Batch gets no second SubmitJob', async () => {
    const batch = new FakeBatch();
    const first = await queueOn(batch).submit(job(1));
    // A new queue object: the controller crashed after SubmitJob and before recording the job id.
    const again = await queueOn(batch).submit(job(1));

    expect(again).toEqual(first);
    expect(batch.inputs('SubmitJob')).toHaveLength(1);
    expect(batch.jobs).toHaveLength(1);
  });

  it('submits the next attempt of the same trial as a new job', async () => {
    const batch = new FakeBatch();
    const queue = queueOn(batch);
    const first = await queue.submit(job(1, 1));
    const second = await queue.submit(job(1, 2));
    expect(second.jobId).not.toBe(first.jobId);
    expect(batch.inputs<{ jobName: string }>('SubmitJob').map((input) => input.jobName)).toEqual([`${SEARCH}-1-1`, `${SEARCH}-1-2`]);
  });

  it('matches names exactly (the filter is case-insensitive), pages through the list and prefers a job that has not failed', async () => {
    const batch = new FakeBatch(1);
    const name = `${SEARCH}-4-1`;
    batch.seed({ jobName: name.toLowerCase(), jobQueue: CPU.jobQueue, status: 'RUNNING' });
    const running = batch.seed({ jobName: name, jobQueue: CPU.jobQueue, status: 'RUNNING' });
    batch.seed({ jobName: name, jobQueue: CPU.jobQueue, status: 'FAILED' });
    batch.seed({ jobName: name, jobQueue: GPU.jobQueue, status: 'RUNNING' });

    expect(await queueOn(batch).submit(job(4))).toEqual({ jobId: running });
    expect(batch.inputs('ListJobs')).toHaveLength(3);
    expect(batch.inputs('SubmitJob')).toHaveLength(0);
  });

  it('returns a failed job of the attempt rather than running the attempt twice', async () => {
    const batch = new FakeBatch();
    const failed = batch.seed({ jobName: `${SEARCH}-5-1`, jobQueue: CPU.jobQueue, status: 'FAILED' });
    expect(await queueOn(batch).submit(job(5))).toEqual({ jobId: failed });
    expect(batch.inputs('SubmitJob')).toHaveLength(0);
  });

  it('sends each job where targetFor says: training to the GPU queue with its timeout, lookups to the CPU queue', async () => {
    const batch = new FakeBatch();
    const queue = queueOn(batch, (j) => (j.trialNumber % 2 === 0 ? GPU : CPU));
    await queue.submit(job(2));
    await queue.submit(job(3));
    expect(batch.inputs('SubmitJob')).toEqual([
      expect.objectContaining({ jobQueue: GPU.jobQueue, jobDefinition: GPU.jobDefinition, timeout: { attemptDurationSeconds: 14_400 } }),
      expect.objectContaining({ jobQueue: CPU.jobQueue, jobDefinition: CPU.jobDefinition, timeout: { attemptDurationSeconds: 900 } }),
    ]);
    expect(batch.inputs('ListJobs').map((input) => input.jobQueue)).toEqual([GPU.jobQueue, CPU.jobQueue]);
  });

  it('submits an agent-training run as its own job, named and tagged by space, policy and run', async () => {
    const batch = new FakeBatch();
    const training: AgentTrainingJob = { kind: 'agent-training', runId: '01JD3S9V7X0000000000000001', space: 'darts', name: 'default', benchmark: 'nb301', metric: 'val_accuracy', options: { steps: 1500 } };
    const queue = new BatchJobQueue<AgentTrainingJob>({ client: batch, targetFor: () => CPU });
    const { jobId } = await queue.submit(training);

    expect(batch.inputs('SubmitJob')[0]).toMatchObject({
      jobName: 'agent-darts-default-01JD3S9V7X0000000000000001',
      jobQueue: CPU.jobQueue,
      containerOverrides: { environment: [{ name: 'NAS_JOB', value: JSON.stringify(training) }] },
      tags: { job: 'agent-training', space: 'darts', policy: 'default', run: '01JD3S9V7X0000000000000001' },
    });
    expect(await queue.submit(training)).toEqual({ jobId });
    expect(batch.inputs('SubmitJob')).toHaveLength(1);
  });

  it('takes the number of Spot attempts from the options and refuses one Batch would not accept', async () => {
    const batch = new FakeBatch();
    await new BatchJobQueue({ client: batch, targetFor: () => CPU, spotAttempts: 5 }).submit(job(1));
    expect(batch.inputs<{ retryStrategy: { attempts: number } }>('SubmitJob')[0]!.retryStrategy.attempts).toBe(5);
    expect(() => new BatchJobQueue({ client: batch, targetFor: () => CPU, spotAttempts: 11 })).toThrow(/spotAttempts/);
  });
});

describe('BatchJobQueue.submit of a container trial (the user\'s image)', () => {
  const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/trainer:v1';
  const places: ContainerJobPlaces = {
    gpuQueue: GPU.jobQueue,
    cpuQueue: CPU.jobQueue,
    executionRoleOf: async (tenantId) => `arn:aws:iam::123456789012:role/nas-container/exec-of-${tenantId}`,
    logGroup: 'nas-job-logs',
    artifacts: 's3://nas-artifacts',
    jobRoleOf: async (tenantId) => `arn:aws:iam::123456789012:role/nas-container/role-of-${tenantId}`,
  };
  const containerSpec = (resources: Record<string, number>): SearchSpec => ({
    ...testSpec(),
    objectives: [{ metric: 'val_acc', direction: 'maximize' }],
    evaluator: ContainerEvaluatorSchema.parse({ kind: 'container', image: IMAGE, command: ['python', 'train.py'], resources, metricDefinitions: [{ name: 'val_acc', regex: 'val_acc=([0-9.]+)' }], timeoutSeconds: 3600 }),
  });
  /** Writes to trials (the lease and token hash an attempt is given) land in `written`. */
  const queueFor = (batch: FakeBatch, spec: SearchSpec, where: ContainerJobPlaces = places, written: TrialPatch[] = []) => {
    const search = newSearch(SEARCH, spec);
    const store = {
      getSearch: async () => search,
      getTrial: async (_t: string, _s: string, n: number) => newTrial(SEARCH, n),
      updateTrial: async (_t: string, _s: string, _n: number, patch: TrialPatch) => Boolean(written.push(patch)),
    };
    return new BatchJobQueue({ client: batch, targetFor: containerJobTarget(store, where) });
  };

  it('registers one job definition per image, command, size, timeout and tenant role, found again by name rather than registered twice', async () => {
    const batch = new FakeBatch();
    const queue = queueFor(batch, containerSpec({ gpu: 0, vcpus: 2, memoryMiB: 4096 }));
    await queue.submit(job(1));
    await queue.submit(job(2));

    expect(batch.inputs('RegisterJobDefinition')).toHaveLength(1);
    expect(batch.inputs('DescribeJobDefinitions')).toHaveLength(2);
    const [definition] = batch.definitions;
    expect(definition!.jobDefinitionName).toMatch(new RegExp(`^${REGISTERED_DEFINITION_PREFIX}[0-9a-f]{32}$`));
    expect(batch.inputs<{ jobDefinition: string }>('SubmitJob').map((input) => input.jobDefinition)).toEqual([definition!.jobDefinitionName, definition!.jobDefinitionName]);
    expect(definition).toMatchObject({
      type: 'container',
      platformCapabilities: ['FARGATE'],
      timeout: { attemptDurationSeconds: 3600 },
      containerProperties: {
        image: IMAGE,
        command: ['python', 'train.py'],
        jobRoleArn: 'arn:aws:iam::123456789012:role/nas-container/role-of-tenant-a',
        executionRoleArn: 'arn:aws:iam::123456789012:role/nas-container/exec-of-tenant-a',
        resourceRequirements: [
          { type: 'VCPU', value: '2' },
          { type: 'MEMORY', value: '4096' },
        ],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'nas-job-logs', 'awslogs-stream-prefix': 'container' } },
      },
    });
  });

  it("registers another definition for another tenant's roles, so no tenant's job runs as another's nor pulls with another's execution role", async () => {
    const batch = new FakeBatch();
    const spec = containerSpec({ gpu: 0, vcpus: 1, memoryMiB: 2048 });
    await queueFor(batch, spec).submit(job(1));
    await queueFor(batch, spec).submit({ ...job(2), tenantId: 'tenant-b' });
    const roles = batch.definitions.map((d) => d.containerProperties?.jobRoleArn);
    expect(roles).toEqual([expect.stringMatching(/role-of-tenant-a$/), expect.stringMatching(/role-of-tenant-b$/)]);
    // The same image, pulled by each tenant's own execution role: tenant B's role cannot pull tenant A's repositories.
    const executionRoles = batch.definitions.map((d) => d.containerProperties?.executionRoleArn);
    expect(executionRoles).toEqual(['arn:aws:iam::123456789012:role/nas-container/exec-of-tenant-a', 'arn:aws:iam::123456789012:role/nas-container/exec-of-tenant-b']);
    expect(new Set(batch.definitions.map((d) => d.jobDefinitionName)).size).toBe(2);
  });

  it('sends a GPU container to the GPU queue on EC2 with one GPU, a CPU one to the Fargate queue', async () => {
    const batch = new FakeBatch();
    await queueFor(batch, containerSpec({ gpu: 1, vcpus: 4, memoryMiB: 14000 })).submit(job(1));
    await queueFor(batch, containerSpec({ gpu: 0, vcpus: 1, memoryMiB: 2048 })).submit(job(2));
    expect(batch.inputs<{ jobQueue: string }>('SubmitJob').map((input) => input.jobQueue)).toEqual([GPU.jobQueue, CPU.jobQueue]);
    expect(batch.definitions.map((d) => d.platformCapabilities)).toEqual([['EC2'], ['FARGATE']]);
    expect(batch.definitions[0]!.containerProperties?.resourceRequirements).toContainEqual({ type: 'GPU', value: '1' });
  });

  it("gives the container the trial's variables as the local runner does (NAS_ARCH_FILE aside), its own checkpoint prefix, and NAS_JOB", async () => {
    const batch = new FakeBatch();
    await queueFor(batch, containerSpec({ gpu: 0, vcpus: 1, memoryMiB: 2048 })).submit(job(3));
    const [submitted] = batch.inputs<{ containerOverrides: { environment: { name: string; value: string }[] } }>('SubmitJob');
    const env = Object.fromEntries(submitted!.containerOverrides.environment.map(({ name, value }) => [name, value]));
    expect(Object.keys(env).sort()).toEqual(['NAS_ARCH', 'NAS_ARCH_STRING', 'NAS_CHECKPOINT_URI', 'NAS_JOB', 'NAS_SEARCH', 'NAS_SEED', 'NAS_TRIAL']);
    expect(env).toMatchObject({
      NAS_ARCH_STRING: newTrial(SEARCH, 3).arch,
      NAS_SEARCH: SEARCH,
      NAS_TRIAL: '3',
      NAS_CHECKPOINT_URI: `s3://nas-artifacts/tenants/tenant-a/searches/${SEARCH}/trials/3/`,
      NAS_JOB: JSON.stringify(job(3)),
    });
    expect(JSON.parse(env.NAS_ARCH!)).toBeTruthy();
  });

  it('gives the container a lease and a trial token of its own to report over HTTP with, storing only the hash of the token', async () => {
    const batch = new FakeBatch();
    const written: TrialPatch[] = [];
    await queueFor(batch, containerSpec({ gpu: 0, vcpus: 1, memoryMiB: 2048 }), { ...places, apiUrl: 'https://api.example.com/prod' }, written).submit(job(3));
    const [submitted] = batch.inputs<{ containerOverrides: { environment: { name: string; value: string }[] } }>('SubmitJob');
    const env = Object.fromEntries(submitted!.containerOverrides.environment.map(({ name, value }) => [name, value]));
    expect(env).toMatchObject({ NAS_API_URL: 'https://api.example.com/prod', NAS_LEASE_ID: expect.any(String), NAS_TRIAL_TOKEN: expect.stringMatching(/^nas_trial_/) });
    expect(written).toEqual([{ leaseId: env.NAS_LEASE_ID, trialTokenHash: createHash('sha256').update(env.NAS_TRIAL_TOKEN!).digest('hex') }]);
  });

  it("reads the job's start, end and log stream from DescribeJobs, for the controller to follow the trial", async () => {
    const batch = new FakeBatch();
    const queue = queueFor(batch, containerSpec({ gpu: 0, vcpus: 1, memoryMiB: 2048 }));
    const { jobId } = await queue.submit(job(1));
    batch.update(jobId, 'SUCCEEDED', { startedAt: Date.parse('2026-03-01T00:00:00Z'), stoppedAt: Date.parse('2026-03-01T00:10:00Z'), container: { logStreamName: 'container/default/abc' } });
    expect((await queue.describe([jobId])).get(jobId)).toEqual({
      status: 'SUCCEEDED',
      startedAt: '2026-03-01T00:00:00.000Z',
      stoppedAt: '2026-03-01T00:10:00.000Z',
      logStream: 'container/default/abc',
    });
  });
});

describe('BatchJobQueue.describe', () => {
  it('asks DescribeJobs 100 ids at a time and answers UNKNOWN for ids Batch does not know', async () => {
    const batch = new FakeBatch();
    const known = Array.from({ length: 250 }, (_, i) => batch.seed({ jobName: `j${i}`, jobQueue: CPU.jobQueue, status: 'RUNNING' }));
    const states = await queueOn(batch).describe([...known, 'gone', known[0]!]);

    expect(batch.inputs<{ jobs: string[] }>('DescribeJobs').map((input) => input.jobs.length)).toEqual([100, 100, 51]);
    expect(states.size).toBe(251);
    expect(states.get(known[249]!)).toEqual({ status: 'RUNNING' });
    expect(states.get('gone')).toEqual({ status: 'UNKNOWN' });
  });

  it.each([
    ['SUBMITTED', 'QUEUED'],
    ['PENDING', 'QUEUED'],
    ['RUNNABLE', 'QUEUED'],
    ['STARTING', 'QUEUED'],
    ['RUNNING', 'RUNNING'],
    ['SUCCEEDED', 'SUCCEEDED'],
  ] as const)('maps %s to %s', async (batchStatus, status) => {
    const batch = new FakeBatch();
    const id = batch.seed({ jobName: 'j', jobQueue: CPU.jobQueue, status: batchStatus });
    expect((await queueOn(batch).describe([id])).get(id)).toEqual({ status });
  });

  it('reports why a job failed, with the exit code of its last attempt', async () => {
    const batch = new FakeBatch();
    const id = batch.seed({
      jobName: 'j',
      jobQueue: CPU.jobQueue,
      status: 'FAILED',
      statusReason: 'Essential container in task exited',
      attempts: [
        { container: { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }, statusReason: 'Host EC2 (instance i-0abc) terminated.' },
        { container: { exitCode: 1 }, statusReason: 'Essential container in task exited' },
      ],
      container: { exitCode: 1 },
    });
    expect((await queueOn(batch).describe([id])).get(id)).toEqual({ status: 'FAILED', reason: 'Essential container in task exited; exit code 1' });
  });

  it('says "job failed" when Batch gives no reason', () => {
    expect(stateOf({ status: 'FAILED' })).toEqual({ status: 'FAILED', reason: 'job failed' });
    expect(stateOf({ status: 'FAILED', container: { reason: 'CannotPullContainerError: pull access denied' } })).toEqual({
      status: 'FAILED',
      reason: 'CannotPullContainerError: pull access denied',
    });
    expect(stateOf({ status: undefined })).toEqual({ status: 'UNKNOWN' });
  });

  it('makes no call for no ids', async () => {
    const batch = new FakeBatch();
    expect((await queueOn(batch).describe([])).size).toBe(0);
    expect(batch.sent).toEqual([]);
  });
});

describe('no job waits forever', () => {
  const ON_DEMAND = 'arn:aws:batch:eu-west-1:123456789012:job-queue/nas-gpu-on-demand';
  const CANCELLED = 'Canceled by JobStateTimeLimit action due to reason: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY';
  const gpuQueue = (batch: FakeBatch, options: { maxQueuedSeconds?: number; clock?: () => Date } = {}) =>
    new BatchJobQueue({ client: batch, targetFor: () => GPU, fallbackQueues: { 'nas-gpu': ON_DEMAND }, ...options });

  it('GIVEN a job the queue time limit cancelled WHEN its state is read THEN it is CapacityUnavailable, with Batch\'s words', () => {
    expect(stateOf({ status: 'FAILED', statusReason: CANCELLED })).toEqual({ status: 'FAILED', reason: `CapacityUnavailable: ${CANCELLED}`, code: 'CapacityUnavailable' });
    expect(stateOf({ status: 'FAILED', statusReason: 'Essential container in task exited' }).code).toBeUndefined();
  });

  it('GIVEN Spot could not place a GPU job WHEN the controller reads it THEN the same job is submitted to the on-demand queue once, and its id reads as the new job', async () => {
    const batch = new FakeBatch();
    const queue = gpuQueue(batch);
    const { jobId } = await queue.submit(job(3));
    batch.update(jobId, 'FAILED', { statusReason: CANCELLED });

    expect((await queue.describe([jobId])).get(jobId)).toEqual({ status: 'QUEUED' });
    const moved = batch.jobs[1]!;
    expect(moved).toMatchObject({ jobQueue: ON_DEMAND, jobName: `${SEARCH}-3-1`, jobDefinition: GPU.jobDefinition, container: batch.jobs[0]!.container });
    expect(batch.inputs<{ timeout: unknown }>('SubmitJob')[1]!.timeout).toEqual({ attemptDurationSeconds: GPU.timeoutSeconds });

    batch.update(moved.jobId, 'RUNNING');
    expect((await queue.describe([jobId])).get(jobId)).toEqual({ status: 'RUNNING' });
    expect(batch.inputs('SubmitJob')).toHaveLength(2);

    await queue.terminate(jobId, 'search stopped');
    expect(batch.inputs('TerminateJob')).toContainEqual({ jobId: moved.jobId, reason: 'search stopped' });
  });

  it('GIVEN on-demand cannot place it either WHEN read THEN the trial\'s job is FAILED CapacityUnavailable', async () => {
    const batch = new FakeBatch();
    const queue = gpuQueue(batch);
    const { jobId } = await queue.submit(job(4));
    batch.update(jobId, 'FAILED', { statusReason: CANCELLED });
    await queue.describe([jobId]);
    batch.update(batch.jobs[1]!.jobId, 'FAILED', { statusReason: CANCELLED });
    expect((await queue.describe([jobId])).get(jobId)).toMatchObject({ status: 'FAILED', code: 'CapacityUnavailable' });
  });

  it('GIVEN a job waiting past maxQueuedSeconds (a blocking reason Batch does not act on, e.g. a quota of 0) WHEN read THEN it is cancelled and moved on, or fails CapacityUnavailable', async () => {
    const batch = new FakeBatch();
    // The fake's jobs are created at 1_700_000_000_000 on; these two were submitted an hour before that.
    const later = () => new Date(1_700_000_000_000 + 60_000);
    const cpuOnly = new BatchJobQueue({ client: batch, targetFor: () => CPU, maxQueuedSeconds: 1800, clock: later });
    const { jobId } = await cpuOnly.submit(job(5));
    batch.update(jobId, 'RUNNABLE', { createdAt: 1_700_000_000_000 - 3600_000 });
    expect((await cpuOnly.describe([jobId])).get(jobId)).toEqual({ status: 'FAILED', reason: 'CapacityUnavailable: not started within 30 minutes of being submitted', code: 'CapacityUnavailable' });
    expect(batch.inputs('TerminateJob')).toEqual([{ jobId, reason: 'CapacityUnavailable: not started within 30 minutes of being submitted' }]);

    const gpu = gpuQueue(batch, { maxQueuedSeconds: 1800, clock: later });
    const spot = (await gpu.submit(job(6))).jobId;
    batch.update(spot, 'RUNNABLE', { createdAt: 1_700_000_000_000 - 3600_000 });
    expect((await gpu.describe([spot])).get(spot)).toEqual({ status: 'QUEUED' });
    expect(batch.jobs.at(-1)).toMatchObject({ jobQueue: ON_DEMAND, jobName: `${SEARCH}-6-1` });
  });

  it('GIVEN a job still within its wait WHEN read THEN nothing is done to it', async () => {
    const batch = new FakeBatch();
    const queue = new BatchJobQueue({ client: batch, targetFor: () => CPU, maxQueuedSeconds: 1800, clock: () => new Date(1_700_000_000_000 + 60_000) });
    const { jobId } = await queue.submit(job(7));
    batch.update(jobId, 'RUNNABLE');
    expect((await queue.describe([jobId])).get(jobId)).toEqual({ status: 'QUEUED' });
    expect(batch.inputs('TerminateJob')).toEqual([]);
  });
});

describe('BatchJobQueue.terminate', () => {
  it('sends TerminateJob with the reason, and does nothing for a job Batch no longer knows', async () => {
    const batch = new FakeBatch();
    const queue = queueOn(batch);
    const { jobId } = await queue.submit(job(1));
    await queue.terminate(jobId, 'search stopped');
    await queue.terminate('expired-job-id', 'search stopped');

    expect(batch.inputs('TerminateJob')).toEqual([
      { jobId, reason: 'search stopped' },
      { jobId: 'expired-job-id', reason: 'search stopped' },
    ]);
    expect((await queue.describe([jobId])).get(jobId)).toEqual({ status: 'FAILED', reason: 'search stopped' });
  });

  it('lets other errors through', async () => {
    const failing: BatchApi = { send: async () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })) };
    await expect(new BatchJobQueue({ client: failing, targetFor: () => CPU }).terminate('id', 'x')).rejects.toThrow('denied');
  });
});

describe('batchJobName', () => {
  it("keeps the port's jobName when Batch accepts it", () => {
    expect(batchJobName(job(12, 3))).toBe(`${SEARCH}-12-3`);
  });

  it('cleans any other name into a valid, distinct one', () => {
    const odd = batchJobName(job(1, 1, '-a b/c'));
    const other = batchJobName(job(1, 1, '-a b.c'));
    const long = batchJobName(job(1, 1, 'x'.repeat(200)));
    for (const name of [odd, other, long]) expect(name).toMatch(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/);
    expect(odd).not.toBe(other);
    expect(long).toHaveLength(128);
  });
});

it('takes a real BatchClient as its client', () => {
  const client: BatchApi = new BatchClient({ region: 'eu-west-1' });
  expect(new BatchJobQueue({ client, targetFor: () => CPU })).toBeInstanceOf(BatchJobQueue);
});
