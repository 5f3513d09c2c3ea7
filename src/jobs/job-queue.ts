/** A trial's training or lookup job, as submitted to the queue. */
export interface TrialJob {
  readonly tenantId: string;
  readonly searchId: string;
  readonly trialNumber: number;
  readonly attempt: number;
}

/**
 * Trains an RL search policy (`nas agent train`): the named run under the artifact store's
 * `training/<space>/<name>/`, resumed from its checkpoint when one exists. `runId` tells two submissions of
 * the same run apart (a run trained again after it finished, or restarted after its job was lost).
 */
export interface AgentTrainingJob {
  readonly kind: 'agent-training';
  readonly runId: string;
  readonly space: string;
  readonly name: string;
  readonly benchmark: string;
  readonly metric: string;
  /** Hyperparameters (`TrainingOptionsSchema`), validated by the job. */
  readonly options: Readonly<Record<string, unknown>>;
  readonly fineTuneFrom?: string;
  readonly fresh?: boolean;
}

/** Everything the job entry (`batch/job.ts`) runs. */
export type Job = TrialJob | AgentTrainingJob;

export function isAgentTraining(job: Job): job is AgentTrainingJob {
  return 'kind' in job && job.kind === 'agent-training';
}

export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'UNKNOWN';

export interface JobState {
  readonly status: JobStatus;
  /** Why a job failed, as the queue saw it (exit code, worker crash, Spot interruption). */
  readonly reason?: string;
  /**
   * A failure the service names: `CapacityUnavailable` when no capacity placed the job in time (the queue's
   * time limit cancelled it while RUNNABLE); `reason` then starts with the same word.
   */
  readonly code?: 'CapacityUnavailable';
  /** When the job's container started running (ISO 8601), where the queue says. */
  readonly startedAt?: string;
  /** When it stopped (ISO 8601), where the queue says. */
  readonly stoppedAt?: string;
  /** Where the job's standard output is kept (a CloudWatch Logs stream on AWS Batch), where the queue says. */
  readonly logStream?: string;
}

/** Unique per trial attempt (per agent-training submission): resubmitting it is recognised as a duplicate. */
export function jobName(job: Job): string {
  return isAgentTraining(job) ? `agent-${job.space}-${job.name}-${job.runId}` : `${job.searchId}-${job.trialNumber}-${job.attempt}`;
}

/**
 * Runs jobs: AWS Batch in the cloud, a child-process pool locally. The job itself records its result
 * (on the trial, or as a policy); the queue only reports that a job ended (through `Events` or the pool's
 * callback) and answers `describe`.
 *
 * Contract: `submit` is idempotent per `jobName`; `describe` answers `UNKNOWN` for a job the queue has no
 * record of (e.g. lost in a restart), which the controller treats as a stale trial.
 */
export interface JobQueue<J extends Job = TrialJob> {
  submit(job: J): Promise<{ jobId: string }>;
  describe(jobIds: readonly string[]): Promise<Map<string, JobState>>;
  terminate(jobId: string, reason: string): Promise<void>;
}

/** How long an agent-training job may run before AWS Batch stops it: what the CLI submits with and the job definition's limit. */
export const AGENT_JOB_TIMEOUT_SECONDS = 24 * 3600;
