import { jobName, type JobQueue, type JobState, type TrialJob } from '../../src/jobs/job-queue.js';

/**
 * A JobQueue whose jobs run only when the test says so, to drive the controller through exact
 * interleavings (jobs finishing, failing, or being forgotten as in a restart).
 */
export class ScriptedJobQueue implements JobQueue {
  readonly submitted: TrialJob[] = [];
  readonly terminated: string[] = [];
  private readonly states = new Map<string, { job: TrialJob; state: JobState }>();

  async submit(job: TrialJob) {
    const jobId = jobName(job);
    if (!this.states.has(jobId)) {
      this.submitted.push(job);
      this.states.set(jobId, { job, state: { status: 'QUEUED' } });
    }
    return { jobId };
  }

  async describe(jobIds: readonly string[]) {
    return new Map(jobIds.map((id) => [id, this.states.get(id)?.state ?? { status: 'UNKNOWN' as const }]));
  }

  async terminate(jobId: string, reason: string) {
    this.terminated.push(jobId);
    const entry = this.states.get(jobId);
    if (entry) entry.state = { status: 'FAILED', reason };
  }

  queued(): TrialJob[] {
    return [...this.states.values()].filter((e) => e.state.status === 'QUEUED').map((e) => e.job);
  }

  /** Runs every queued job with `run`, marking it SUCCEEDED or FAILED as `run` resolves or rejects. */
  async runQueued(run: (job: TrialJob) => Promise<void>): Promise<number> {
    const jobs = this.queued();
    for (const job of jobs) {
      const entry = this.states.get(jobName(job))!;
      try {
        await run(job);
        entry.state = { status: 'SUCCEEDED' };
      } catch (error) {
        entry.state = { status: 'FAILED', reason: (error as Error).message };
      }
    }
    return jobs.length;
  }

  /** The job ends FAILED, as Batch reports it; `code` names a failure the queue recognised (capacity). */
  fail(job: TrialJob, reason: string, code?: JobState['code']) {
    this.states.get(jobName(job))!.state = { status: 'FAILED', reason, ...(code ? { code } : {}) };
  }

  /** The job moves on as the test says: e.g. RUNNING with Batch's `startedAt`, then SUCCEEDED with its log stream. */
  move(job: TrialJob, state: JobState) {
    this.states.get(jobName(job))!.state = state;
  }

  /** What a restarted local pool knows: nothing. */
  forgetAll() {
    this.states.clear();
  }
}
