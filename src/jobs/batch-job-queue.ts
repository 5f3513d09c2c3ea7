import { createHash } from 'node:crypto';
import {
  DescribeJobDefinitionsCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  TerminateJobCommand,
  type DescribeJobDefinitionsCommandOutput,
  type DescribeJobsCommandOutput,
  type JobDetail,
  type JobStatus as BatchJobStatus,
  type ListJobsCommandOutput,
  type RegisterJobDefinitionCommandInput,
  type RegisterJobDefinitionCommandOutput,
  type SubmitJobCommandOutput,
  type TerminateJobCommandOutput,
} from '@aws-sdk/client-batch';
import { isAgentTraining, jobName, type Job, type JobQueue, type JobState, type JobStatus, type TrialJob } from './job-queue.js';

/** The Batch calls the queue makes; a `BatchClient` is one, and so is a test's recording fake. */
export interface BatchApi {
  send(command: SubmitJobCommand): Promise<SubmitJobCommandOutput>;
  send(command: DescribeJobDefinitionsCommand): Promise<DescribeJobDefinitionsCommandOutput>;
  send(command: RegisterJobDefinitionCommand): Promise<RegisterJobDefinitionCommandOutput>;
  send(command: ListJobsCommand): Promise<ListJobsCommandOutput>;
  send(command: DescribeJobsCommand): Promise<DescribeJobsCommandOutput>;
  send(command: TerminateJobCommand): Promise<TerminateJobCommandOutput>;
}

/** Where and how long one job runs. */
export interface BatchJobTarget {
  /** Job queue name or ARN: the GPU queue for training jobs, the Fargate queue for benchmark lookups and agent training. */
  readonly jobQueue: string;
  /**
   * Job definition name or ARN (with revision, to match an IAM grant on that exact revision), or one the
   * queue registers first: a `container` trial runs the user's image (`src/jobs/container-job.ts`).
   */
  readonly jobDefinition: string | JobDefinitionToRegister;
  /** Batch stops an attempt after this long; at least 60. */
  readonly timeoutSeconds: number;
  /** Variables the job's container gets besides `NAS_JOB`. */
  readonly environment?: Readonly<Record<string, string>>;
}

/** A job definition the queue registers under a name made from its content (`registeredDefinitionName`). */
export type JobDefinitionToRegister = Omit<RegisterJobDefinitionCommandInput, 'jobDefinitionName'>;

/** The names of the job definitions the queue registers: the controller's IAM grant is on these only (cdk/training-queue.ts). */
export const REGISTERED_DEFINITION_PREFIX = 'nas-container-';

/**
 * The name of a job definition the queue registers: a hash of all it says (image, command, resources,
 * timeout, roles: the tenant's among them), so the same content always has the same name and a
 * different one never does. Registering is then idempotent: a name with an ACTIVE revision is used as it is.
 */
export function registeredDefinitionName(definition: JobDefinitionToRegister): string {
  const canonical = JSON.stringify(definition, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))) : value,
  );
  return `${REGISTERED_DEFINITION_PREFIX}${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}

export interface BatchJobQueueOptions<J extends Job> {
  readonly client: BatchApi;
  /** Picks the queue, job definition and timeout per job, e.g. from the search's evaluator kind. */
  readonly targetFor: (job: J) => BatchJobTarget | Promise<BatchJobTarget>;
  /**
   * Batch-level attempts of one trial attempt when its Spot host is reclaimed (status reason `Host EC2*`).
   * Any other failure ends the job at once: the controller decides what a failed trial means.
   * @default 3
   */
  readonly spotAttempts?: number;
  /**
   * On-demand queues to try when a queue cannot place a job: `{ [spotQueue]: onDemandQueue }`, by the name
   * or ARN the jobs are submitted with (DescribeJobs answers with ARNs; both are matched). A job the Spot
   * queue gave up on for capacity (its time limit cancelled it RUNNABLE, or it waited past
   * `maxQueuedSeconds`) is submitted again, under the same name and definition, to the fallback queue, and
   * `describe` and `terminate` of the original id follow it there: the controller keeps the id it recorded.
   * @default {} (no fallback)
   */
  readonly fallbackQueues?: Readonly<Record<string, string>>;
  /**
   * The longest a job may wait to start (SUBMITTED to STARTING), whatever the queue's own time limit
   * detects: past it the job is cancelled with `CapacityUnavailable` (or moved to its fallback queue).
   * Batch's `jobStateTimeLimitActions` act only on the blocking reasons Batch recognises; a G-instance
   * quota of 0 may not be one of them.
   * @default no limit of its own
   */
  readonly maxQueuedSeconds?: number;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

export const DEFAULT_SPOT_ATTEMPTS = 3;

/**
 * Why Batch retries a job: its host went away. `Host EC2*` is an EC2 Spot reclaim (AWS's documented
 * pattern); a Fargate Spot task's interruption reads "Your Spot Task was interrupted." (ECS's stopped reason).
 */
export const SPOT_RETRY_STATUS_REASONS = ['Host EC2*', 'Your Spot Task was interrupted*'] as const;

/**
 * How a job that waited too long reads once cancelled: Batch's own words when a queue's time limit
 * cancels it ("Canceled by JobStateTimeLimit action due to reason: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY"),
 * or the reason this adapter gives when it cancels one itself.
 */
const CAPACITY_FAILURE = /JobStateTimeLimit|CAPACITY:|MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE|^CapacityUnavailable/;
const CAPACITY_CODE = 'CapacityUnavailable';
const WAITING: ReadonlySet<string> = new Set(['SUBMITTED', 'PENDING', 'RUNNABLE']);
/** DescribeJobs takes at most 100 ids per call. */
const DESCRIBE_CHUNK = 100;
const BATCH_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

const STATUS_OF: Record<BatchJobStatus, JobStatus> = {
  SUBMITTED: 'QUEUED',
  PENDING: 'QUEUED',
  RUNNABLE: 'QUEUED',
  STARTING: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
};

/**
 * The trial's `jobName` as Batch accepts it (up to 128 letters, digits, `-` and `_`, starting with a
 * letter or digit). Service-made names (ULID search ids) pass unchanged; anything else is cleaned and
 * suffixed with a hash of the original, so that two different jobs never share a name.
 */
export function batchJobName(job: Job): string {
  const name = jobName(job);
  if (BATCH_NAME.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return `j${name.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, 128 - hash.length - 1) + `-${hash}`;
}

/** Tags on the job (and, propagated, its ECS task): who ran what, for cost allocation and for the controller. */
export function jobTags(job: Job): Record<string, string> {
  // Tag values allow letters, digits, spaces and `_ . : / = + - @`, up to 256 characters.
  const value = (v: string | number) => String(v).replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, '_').slice(0, 256);
  if (isAgentTraining(job)) return { job: 'agent-training', space: value(job.space), policy: value(job.name), run: value(job.runId) };
  return { tenant: value(job.tenantId), search: value(job.searchId), trial: value(job.trialNumber), attempt: value(job.attempt) };
}

/**
 * `JobQueue` on AWS Batch. A job is the container of `batch/job.ts` with the job (a trial, or an agent's
 * training run) in `NAS_JOB`.
 *
 * Idempotency: Batch's SubmitJob has no client token, so `submit` first lists the target queue's jobs
 * by the attempt's deterministic name and returns the job it finds. A controller that submitted, then
 * crashed before recording the job id, finds its job on the next tick instead of starting a second one.
 * Two submissions racing past the lookup at once are prevented by running one tick per search at a
 * time (see the Controller construct), not here.
 *
 * `describe` answers `UNKNOWN` for ids Batch no longer (or never) knew: it keeps finished jobs for about
 * a week. `terminate` of a finished or unknown job does nothing.
 */
export class BatchJobQueue<J extends Job = TrialJob> implements JobQueue<J> {
  private readonly spotAttempts: number;

  constructor(private readonly options: BatchJobQueueOptions<J>) {
    this.spotAttempts = options.spotAttempts ?? DEFAULT_SPOT_ATTEMPTS;
    if (!Number.isInteger(this.spotAttempts) || this.spotAttempts < 1 || this.spotAttempts > 10) {
      throw new RangeError(`spotAttempts must be an integer from 1 to 10 (Batch's limit), got ${options.spotAttempts}`);
    }
  }

  async submit(job: J): Promise<{ jobId: string }> {
    return this.submitTo(await this.options.targetFor(job), job);
  }

  private async submitTo(target: BatchJobTarget, job: J): Promise<{ jobId: string }> {
    const name = batchJobName(job);
    const existing = await this.findByName(target.jobQueue, name);
    if (existing) return { jobId: existing };
    const jobDefinition = typeof target.jobDefinition === 'string' ? target.jobDefinition : await this.registered(target.jobDefinition);
    const environment = Object.entries({ ...target.environment, NAS_JOB: JSON.stringify(job) }).map(([name, value]) => ({ name, value }));
    const submitted = await this.options.client.send(
      new SubmitJobCommand({
        jobName: name,
        jobQueue: target.jobQueue,
        jobDefinition,
        containerOverrides: { environment },
        tags: jobTags(job),
        propagateTags: true,
        retryStrategy: {
          attempts: this.spotAttempts,
          // AWS's documented pattern: retry only when the host went away (Spot reclaim), exit on anything else.
          evaluateOnExit: [...SPOT_RETRY_STATUS_REASONS.map((onStatusReason) => ({ onStatusReason, action: 'RETRY' as const })), { onReason: '*', action: 'EXIT' }],
        },
        timeout: { attemptDurationSeconds: Math.max(60, Math.ceil(target.timeoutSeconds)) },
      }),
    );
    if (!submitted.jobId) throw new Error(`Batch accepted job ${name} without a job id`);
    return { jobId: submitted.jobId };
  }

  /** The name of `definition`, registered unless an ACTIVE revision of it exists (a lost race registers a twin revision: harmless). */
  private async registered(definition: JobDefinitionToRegister): Promise<string> {
    const jobDefinitionName = registeredDefinitionName(definition);
    const { jobDefinitions = [] } = await this.options.client.send(new DescribeJobDefinitionsCommand({ jobDefinitionName, status: 'ACTIVE' }));
    if (jobDefinitions.length === 0) await this.options.client.send(new RegisterJobDefinitionCommand({ ...definition, jobDefinitionName }));
    return jobDefinitionName;
  }

  async describe(jobIds: readonly string[]): Promise<Map<string, JobState>> {
    const ids = [...new Set(jobIds)];
    const states = new Map<string, JobState>(ids.map((id) => [id, { status: 'UNKNOWN' }]));
    for (const job of await this.describeDetails(ids)) {
      if (job.jobId && states.has(job.jobId)) states.set(job.jobId, await this.followed(job));
    }
    return states;
  }

  async terminate(jobId: string, reason: string): Promise<void> {
    await this.terminateOne(jobId, reason);
    if (Object.keys(this.options.fallbackQueues ?? {}).length === 0) return;
    // A job moved to its fallback queue lives on under another id: stop that one too.
    const [detail] = await this.describeDetails([jobId]);
    const fallback = detail && this.fallbackOf(detail.jobQueue);
    if (detail?.jobName && fallback) {
      const moved = await this.findByName(fallback, detail.jobName);
      if (moved) await this.terminateOne(moved, reason);
    }
  }

  private async terminateOne(jobId: string, reason: string): Promise<void> {
    try {
      await this.options.client.send(new TerminateJobCommand({ jobId, reason: reason.slice(0, 255) }));
    } catch (error) {
      // Batch answers ClientException for an id it does not know (expired or never submitted): nothing to stop.
      if ((error as { name?: string }).name !== 'ClientException') throw error;
    }
  }

  private async describeDetails(ids: readonly string[]): Promise<JobDetail[]> {
    const details: JobDetail[] = [];
    for (let start = 0; start < ids.length; start += DESCRIBE_CHUNK) {
      const { jobs = [] } = await this.options.client.send(new DescribeJobsCommand({ jobs: ids.slice(start, start + DESCRIBE_CHUNK) }));
      details.push(...jobs);
    }
    return details;
  }

  /** The fallback queue of `jobQueue` (name or ARN), if any. */
  private fallbackOf(jobQueue: string | undefined): string | undefined {
    if (!jobQueue) return undefined;
    const fallbacks = this.options.fallbackQueues ?? {};
    const name = jobQueue.split('/').at(-1)!;
    return fallbacks[jobQueue] ?? Object.entries(fallbacks).find(([queue]) => queue === name || queue.split('/').at(-1) === name)?.[1];
  }

  /**
   * A job's state, after what the adapter does about waiting: a job queued past `maxQueuedSeconds` is
   * cancelled as `CapacityUnavailable`; one that failed for capacity on a queue with a fallback continues
   * there (submitted once, found by name after), and reads as the fallback job reads.
   */
  private async followed(job: JobDetail): Promise<JobState> {
    let state = stateOf(job);
    const { maxQueuedSeconds } = this.options;
    const now = (this.options.clock ?? (() => new Date()))().getTime();
    if (maxQueuedSeconds !== undefined && job.jobId && job.status && WAITING.has(job.status) && job.createdAt !== undefined && now - job.createdAt > maxQueuedSeconds * 1000) {
      const reason = `${CAPACITY_CODE}: not started within ${Math.round(maxQueuedSeconds / 60)} minutes of being submitted`;
      await this.terminateOne(job.jobId, reason);
      state = { status: 'FAILED', reason, code: CAPACITY_CODE };
    }
    const fallback = this.fallbackOf(job.jobQueue);
    if (state.code !== CAPACITY_CODE || !fallback) return state;
    const original = jobOf<J>(job);
    if (!original) return state;
    const { jobId } = await this.submitTo({ ...(await this.options.targetFor(original)), jobQueue: fallback }, original);
    const [moved] = await this.describeDetails([jobId]);
    // Just submitted: Batch may not describe it yet.
    if (!moved) return { status: 'QUEUED' };
    // The fallback's own wait is judged like any job's, but it has no fallback of its own.
    return this.fallbackOf(moved.jobQueue) ? stateOf(moved) : this.followed(moved);
  }

  /** The id of the newest job on `jobQueue` named exactly `name`, preferring one that has not failed. */
  private async findByName(jobQueue: string, name: string): Promise<string | undefined> {
    const matches: { jobId: string; status?: string }[] = [];
    let nextToken: string | undefined;
    do {
      // With a filter, ListJobs returns jobs in every status, newest first; JOB_NAME matches case-insensitively.
      const page = await this.options.client.send(
        new ListJobsCommand({ jobQueue, filters: [{ name: 'JOB_NAME', values: [name] }], nextToken }),
      );
      for (const summary of page.jobSummaryList ?? []) {
        if (summary.jobName === name && summary.jobId) matches.push({ jobId: summary.jobId, status: summary.status });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return (matches.find((m) => m.status !== 'FAILED') ?? matches[0])?.jobId;
  }
}

/** The job a Batch job runs, from its `NAS_JOB` environment. */
function jobOf<J extends Job>(detail: JobDetail): J | undefined {
  const raw = detail.container?.environment?.find((variable) => variable.name === 'NAS_JOB')?.value;
  try {
    return raw ? (JSON.parse(raw) as J) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Batch job's state in the queue's terms; a failure says why, with the exit code when there is one. A job
 * cancelled for want of capacity reads `CapacityUnavailable` (`code` too), so its trial fails with that reason.
 */
export function stateOf(job: Partial<Pick<JobDetail, 'status' | 'statusReason' | 'container' | 'attempts' | 'startedAt' | 'stoppedAt'>>): JobState {
  const status = job.status ? STATUS_OF[job.status] : undefined;
  if (!status) return { status: 'UNKNOWN' };
  const seen = {
    ...(job.startedAt === undefined ? {} : { startedAt: new Date(job.startedAt).toISOString() }),
    ...(job.stoppedAt === undefined ? {} : { stoppedAt: new Date(job.stoppedAt).toISOString() }),
    ...(job.container?.logStreamName ? { logStream: job.container.logStreamName } : {}),
  };
  if (status !== 'FAILED') return { status, ...seen };
  if (job.statusReason && CAPACITY_FAILURE.test(job.statusReason)) {
    const reason = job.statusReason.startsWith(CAPACITY_CODE) ? job.statusReason : `${CAPACITY_CODE}: ${job.statusReason}`;
    return { status, reason, code: CAPACITY_CODE, ...seen };
  }
  const lastAttempt = job.attempts?.at(-1)?.container;
  const exitCode = job.container?.exitCode ?? lastAttempt?.exitCode;
  const parts = [job.statusReason, job.container?.reason ?? lastAttempt?.reason, exitCode === undefined ? undefined : `exit code ${exitCode}`];
  const reason = [...new Set(parts.filter((part): part is string => Boolean(part)))].join('; ');
  return { status, reason: reason || 'job failed', ...seen };
}
