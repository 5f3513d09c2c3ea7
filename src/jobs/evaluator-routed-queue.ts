import type { EvaluatorSpec } from '../search/spec.js';
import { isExternalJobId } from './external-lease-queue.js';
import type { JobQueue, JobState, TrialJob } from './job-queue.js';

export interface EvaluatorRoutedQueueOptions {
  /** The evaluator kind of a trial's search (`evaluatorKindLookup`). */
  readonly evaluatorKind: (job: TrialJob) => Promise<EvaluatorSpec['kind']>;
  /** Runs trial jobs: the local pool, AWS Batch. */
  readonly jobs: JobQueue;
  /** Leases trials of `external` searches to the user's workers (`ExternalLeaseQueue`). */
  readonly external: JobQueue;
}

/**
 * The controller's one `JobQueue`: trials of `external` searches go to the lease queue, every other trial
 * to the queue that runs jobs, so the controller need not know who trains. `describe` and `terminate`
 * route by the job id alone.
 */
export class EvaluatorRoutedQueue implements JobQueue {
  constructor(private readonly options: EvaluatorRoutedQueueOptions) {}

  async submit(job: TrialJob): Promise<{ jobId: string }> {
    const queue = (await this.options.evaluatorKind(job)) === 'external' ? this.options.external : this.options.jobs;
    return queue.submit(job);
  }

  async describe(jobIds: readonly string[]): Promise<Map<string, JobState>> {
    const leased = jobIds.filter(isExternalJobId);
    const run = jobIds.filter((jobId) => !isExternalJobId(jobId));
    const states = await Promise.all([
      leased.length > 0 ? this.options.external.describe(leased) : new Map<string, JobState>(),
      run.length > 0 ? this.options.jobs.describe(run) : new Map<string, JobState>(),
    ]);
    return new Map(states.flatMap((state) => [...state]));
  }

  async terminate(jobId: string, reason: string): Promise<void> {
    await (isExternalJobId(jobId) ? this.options.external : this.options.jobs).terminate(jobId, reason);
  }
}
