import { randomUUID } from 'node:crypto';
import {
  DescribeJobDefinitionsCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
  TerminateJobCommand,
  type JobDetail,
  type JobStatus,
  type RegisterJobDefinitionRequest,
  type SubmitJobRequest,
} from '@aws-sdk/client-batch';
import type { BatchApi } from '../../src/jobs/batch-job-queue.js';

type BatchCommand = SubmitJobCommand | ListJobsCommand | DescribeJobsCommand | TerminateJobCommand | DescribeJobDefinitionsCommand | RegisterJobDefinitionCommand;

export interface SentCommand {
  readonly command: 'SubmitJob' | 'ListJobs' | 'DescribeJobs' | 'TerminateJob' | 'DescribeJobDefinitions' | 'RegisterJobDefinition';
  readonly input: unknown;
}

/**
 * AWS Batch as far as `BatchJobQueue` sees it, in memory: jobs submitted, listed by name (case-insensitive,
 * newest first, paged), described (at most 100 ids a call, as Batch enforces) and terminated. Every
 * command is recorded with its exact input so tests can check request shapes.
 */
export class FakeBatch implements BatchApi {
  readonly sent: SentCommand[] = [];
  readonly jobs: (JobDetail & { jobId: string; jobName: string; jobQueue: string; createdAt: number })[] = [];
  /** Job definitions registered through `send`, every revision (all ACTIVE). */
  readonly definitions: (RegisterJobDefinitionRequest & { revision: number })[] = [];
  private clock = 1_700_000_000_000;

  constructor(private readonly listPageSize = 100) {}

  async send(command: BatchCommand): Promise<any> {
    if (command instanceof SubmitJobCommand) return this.submit(command.input);
    if (command instanceof ListJobsCommand) return this.list(command.input);
    if (command instanceof DescribeJobsCommand) return this.describe(command.input.jobs ?? []);
    if (command instanceof DescribeJobDefinitionsCommand) return this.describeDefinitions(command.input);
    if (command instanceof RegisterJobDefinitionCommand) return this.register(command.input);
    return this.terminate(command.input.jobId!, command.input.reason!);
  }

  /** Commands of one kind, in order. */
  inputs<T = Record<string, unknown>>(command: SentCommand['command']): T[] {
    return this.sent.filter((s) => s.command === command).map((s) => s.input as T);
  }

  /** Moves a job on, as Batch would, with whatever detail the new state carries. */
  update(jobId: string, status: JobStatus, detail: Partial<JobDetail> = {}) {
    const job = this.jobs.find((j) => j.jobId === jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    Object.assign(job, { status, ...detail });
  }

  /** A job submitted outside this fake's `send` (e.g. by an earlier controller run). */
  seed(job: Pick<JobDetail, 'jobName' | 'jobQueue' | 'status'> & Partial<JobDetail>): string {
    const jobId = job.jobId ?? randomUUID();
    this.jobs.push({ jobDefinition: 'seeded', startedAt: undefined, ...job, jobId, jobName: job.jobName!, jobQueue: job.jobQueue!, createdAt: this.clock++ });
    return jobId;
  }

  private submit(input: SubmitJobRequest) {
    this.sent.push({ command: 'SubmitJob', input });
    const jobId = randomUUID();
    this.jobs.push({
      jobId,
      jobArn: `arn:aws:batch:eu-west-1:123456789012:job/${jobId}`,
      jobName: input.jobName!,
      jobQueue: input.jobQueue!,
      jobDefinition: input.jobDefinition,
      status: 'SUBMITTED',
      startedAt: undefined,
      createdAt: this.clock++,
      container: { environment: input.containerOverrides?.environment },
      tags: input.tags,
    });
    return { jobId, jobName: input.jobName, jobArn: `arn:aws:batch:eu-west-1:123456789012:job/${jobId}` };
  }

  private describeDefinitions(input: DescribeJobDefinitionsCommand['input']) {
    this.sent.push({ command: 'DescribeJobDefinitions', input });
    return { jobDefinitions: this.definitions.filter((d) => d.jobDefinitionName === input.jobDefinitionName).map((d) => ({ ...structuredClone(d), status: 'ACTIVE' })) };
  }

  private register(input: RegisterJobDefinitionRequest) {
    this.sent.push({ command: 'RegisterJobDefinition', input });
    const revision = this.definitions.filter((d) => d.jobDefinitionName === input.jobDefinitionName).length + 1;
    this.definitions.push({ ...structuredClone(input), revision });
    return { jobDefinitionName: input.jobDefinitionName, revision, jobDefinitionArn: `arn:aws:batch:eu-west-1:123456789012:job-definition/${input.jobDefinitionName}:${revision}` };
  }

  private list(input: ListJobsCommand['input']) {
    this.sent.push({ command: 'ListJobs', input });
    const filter = input.filters?.find((f) => f.name === 'JOB_NAME')?.values?.[0]?.toLowerCase();
    const matching = this.jobs
      .filter((job) => job.jobQueue === input.jobQueue)
      .filter((job) =>
        filter === undefined ? job.status === 'RUNNING' : filter.endsWith('*') ? job.jobName.toLowerCase().startsWith(filter.slice(0, -1)) : job.jobName.toLowerCase() === filter,
      )
      .sort((a, b) => b.createdAt - a.createdAt);
    const start = Number(input.nextToken ?? 0);
    const page = matching.slice(start, start + this.listPageSize);
    const next = start + this.listPageSize < matching.length ? String(start + this.listPageSize) : undefined;
    return { jobSummaryList: page.map(({ jobId, jobName, status, createdAt }) => ({ jobId, jobName, status, createdAt })), nextToken: next };
  }

  private describe(ids: string[]) {
    this.sent.push({ command: 'DescribeJobs', input: { jobs: ids } });
    if (ids.length > 100) throw Object.assign(new Error('jobs: at most 100 ids'), { name: 'ClientException' });
    return { jobs: this.jobs.filter((job) => ids.includes(job.jobId)).map((job) => structuredClone(job)) };
  }

  private terminate(jobId: string, reason: string) {
    this.sent.push({ command: 'TerminateJob', input: { jobId, reason } });
    const job = this.jobs.find((j) => j.jobId === jobId);
    if (!job) throw Object.assign(new Error(`Job ${jobId} not found`), { name: 'ClientException' });
    if (job.status !== 'SUCCEEDED' && job.status !== 'FAILED') Object.assign(job, { status: 'FAILED', statusReason: reason });
    return {};
  }
}
