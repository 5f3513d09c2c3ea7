/**
 * Where `nas agent train` runs its training job, and how it follows it: the local job pool (a child process
 * running `batch/job.ts`, like trial jobs) or AWS Batch (the same container on the CPU queue). Either way the
 * job reports through the artifact store only (`progress.json`), so following works the same on both.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchClient } from '@aws-sdk/client-batch';
import { z } from 'zod';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { JOB_ENTRY, type ServiceConfig } from '../config.js';
import { InvalidRequest } from '../errors.js';
import { BatchJobQueue } from '../jobs/batch-job-queue.js';
import { AGENT_JOB_TIMEOUT_SECONDS, type AgentTrainingJob, type JobQueue } from '../jobs/job-queue.js';
import { LocalJobPool } from '../jobs/local-job-pool.js';
import { readAgentProgress, type AgentProgress } from '../jobs/run-agent-training.js';

export const AGENT_QUEUES = ['local', 'batch'] as const;
export type AgentQueueKind = (typeof AGENT_QUEUES)[number];

export interface AgentQueue {
  readonly kind: AgentQueueKind;
  readonly queue: JobQueue<AgentTrainingJob>;
  close(): Promise<void>;
}

/** AWS Batch settings of agent-training jobs, from the stack's outputs (see docs/deployment.md). */
const BATCH_VARIABLES = { jobQueue: 'NAS_AGENT_JOB_QUEUE', jobDefinition: 'NAS_AGENT_JOB_DEFINITION' } as const;

export function openAgentQueue(kind: AgentQueueKind, config: ServiceConfig, env: NodeJS.ProcessEnv = process.env): AgentQueue {
  if (kind === 'local') {
    const pool = new LocalJobPool<AgentTrainingJob>({
      entry: JOB_ENTRY,
      workers: 1,
      env: { ...env, NAS_ARTIFACTS: config.artifacts, NAS_BENCHMARKS_DIR: config.benchmarksDir },
      // Followed through `describe` and the run's progress instead.
      onJobEnded: () => {},
    });
    return { kind, queue: pool, close: () => pool.close() };
  }
  const missing = Object.values(BATCH_VARIABLES).filter((name) => !env[name]);
  if (missing.length > 0) throw new InvalidRequest('on', `--on batch needs ${missing.join(' and ')} (the stack's outputs) in the environment`);
  if (!config.artifacts.startsWith('s3://')) {
    throw new InvalidRequest('on', `--on batch needs NAS_ARTIFACTS=s3://<artifacts bucket>/ : the job writes its checkpoints and policy there, got '${config.artifacts}'`);
  }
  const target = {
    jobQueue: env[BATCH_VARIABLES.jobQueue]!,
    jobDefinition: env[BATCH_VARIABLES.jobDefinition]!,
    timeoutSeconds: Number(env.NAS_AGENT_JOB_TIMEOUT_SECONDS || AGENT_JOB_TIMEOUT_SECONDS),
  };
  const queue = new BatchJobQueue<AgentTrainingJob>({ client: new BatchClient({}), targetFor: () => target });
  return { kind, queue, close: async () => {} };
}

/** The job a run was last submitted as; beside (not inside) the run's folder, which `fresh` empties. */
const SubmissionSchema = z.strictObject({ runId: z.string(), jobId: z.string(), on: z.enum(AGENT_QUEUES), submitted: z.string() });
type Submission = z.output<typeof SubmissionSchema>;
const submissionKey = (space: string, name: string) => `training/${space}/${name}.job.json`;

export async function lastSubmission(artifacts: ArtifactStore, space: string, name: string): Promise<Submission | undefined> {
  const bytes = await artifacts.get(submissionKey(space, name));
  return bytes === undefined ? undefined : SubmissionSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
}

/**
 * The run's job still queued or running on `agentQueue`, to follow instead of submitting a second one
 * that would train the same run at once (on Batch, a job outlives the command that submitted it).
 */
export async function liveSubmission(artifacts: ArtifactStore, agentQueue: AgentQueue, space: string, name: string): Promise<Submission | undefined> {
  const submission = await lastSubmission(artifacts, space, name);
  if (!submission || submission.on !== agentQueue.kind) return undefined;
  const state = (await agentQueue.queue.describe([submission.jobId])).get(submission.jobId);
  return state?.status === 'QUEUED' || state?.status === 'RUNNING' ? submission : undefined;
}

export async function submitAgentTraining(artifacts: ArtifactStore, agentQueue: AgentQueue, job: AgentTrainingJob, now: Date): Promise<Submission> {
  const { jobId } = await agentQueue.queue.submit(job);
  const submission: Submission = { runId: job.runId, jobId, on: agentQueue.kind, submitted: now.toISOString() };
  await artifacts.put(submissionKey(job.space, job.name), JSON.stringify(submission));
  return submission;
}

export class AgentJobFailed extends Error {
  override readonly name = 'AgentJobFailed';
}

/**
 * Polls the job and the run's progress until the job ends; `onProgress` sees each new progress of this
 * submission. Resolves when the job succeeded, rejects with `AgentJobFailed` (the job's own error when it
 * wrote one) otherwise.
 */
export async function followAgentTraining(
  artifacts: ArtifactStore,
  agentQueue: AgentQueue,
  job: Pick<AgentTrainingJob, 'space' | 'name'>,
  submission: Submission,
  onProgress: (progress: AgentProgress) => void,
  pollMs = 500,
): Promise<void> {
  let last: AgentProgress | undefined;
  const poll = async () => {
    const progress = await readAgentProgress(artifacts, job.space, job.name);
    if (progress?.runId === submission.runId && progress.updated !== last?.updated) {
      last = progress;
      onProgress(progress);
    }
  };
  for (;;) {
    const state = (await agentQueue.queue.describe([submission.jobId])).get(submission.jobId)!;
    await poll();
    if (state.status === 'SUCCEEDED') return;
    if (state.status === 'FAILED' || state.status === 'UNKNOWN') {
      throw new AgentJobFailed(`training job ${submission.jobId} ${state.status === 'UNKNOWN' ? 'is gone from the queue' : 'failed'}: ${last?.error ?? state.reason ?? 'no reason given'}`);
    }
    await sleep(pollMs);
  }
}
