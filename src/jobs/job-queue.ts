/** A trial's training or lookup job, as submitted to the queue. */
export interface TrialJob {
  readonly tenantId: string;
  readonly searchId: string;
  readonly trialNumber: number;
  readonly attempt: number;
}

export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'UNKNOWN';

export interface JobState {
  readonly status: JobStatus;
  /** Why a job failed, as the queue saw it (exit code, worker crash, Spot interruption). */
  readonly reason?: string;
}

/** Unique per trial attempt: resubmitting the same attempt is recognised as a duplicate. */
export function jobName(job: TrialJob): string {
  return `${job.searchId}-${job.trialNumber}-${job.attempt}`;
}

/**
 * Runs trial jobs: AWS Batch in the cloud, a child-process pool locally. The job itself records its
 * result on the trial; the queue only reports that a job ended (through `Events`) and answers `describe`.
 *
 * Contract: `submit` is idempotent per `jobName`; `describe` answers `UNKNOWN` for a job the queue has no
 * record of (e.g. lost in a restart), which the controller treats as a stale trial.
 */
export interface JobQueue {
  submit(job: TrialJob): Promise<{ jobId: string }>;
  describe(jobIds: readonly string[]): Promise<Map<string, JobState>>;
  terminate(jobId: string, reason: string): Promise<void>;
}
