import { ACTIVE_TRIAL_STATUSES } from '../search/states.js';
import type { Store } from '../store/store.js';
import { jobName, type JobQueue, type JobState, type TrialJob } from './job-queue.js';

const PREFIX = 'external:';
const JOB_ID = /^external:([^/]+)\/(.+)-(\d+)-(\d+)$/;

/** `external:<tenant>/<search>-<trial>-<attempt>`: the tenant rides along, so the record is reachable from the id alone. */
export function externalJobId(job: TrialJob): string {
  return `${PREFIX}${job.tenantId}/${jobName(job)}`;
}

export function isExternalJobId(jobId: string): boolean {
  return jobId.startsWith(PREFIX);
}

function parseExternalJobId(jobId: string): TrialJob | undefined {
  const match = JOB_ID.exec(jobId);
  return match ? { tenantId: match[1]!, searchId: match[2]!, trialNumber: Number(match[3]), attempt: Number(match[4]) } : undefined;
}

/**
 * The `JobQueue` of `external` searches, whose trials the user's own workers train (ask/tell over HTTP:
 * `src/usecases/claim-trial.ts`). Nothing runs here and nothing is kept: submitting an attempt only gives
 * it a job id, which makes the trial claimable, and the trial record (its lease, while a worker holds it)
 * is the job's whole state.
 */
export class ExternalLeaseQueue implements JobQueue {
  constructor(private readonly store: Store) {}

  async submit(job: TrialJob): Promise<{ jobId: string }> {
    return { jobId: externalJobId(job) };
  }

  /**
   * From the trial records: an attempt waiting for a worker is QUEUED, one a worker holds RUNNING, and any
   * other (STALE, superseded, no such trial) UNKNOWN: no worker will finish it, so the controller treats it
   * as lost. A lease that ran out is the controller's to notice (`isSilent` reads `leaseExpiresAt`), so
   * that its attempt ends as `stale` and the lease is revoked through `terminate`.
   */
  async describe(jobIds: readonly string[]): Promise<Map<string, JobState>> {
    const bySearch = new Map<string, { jobId: string; job: TrialJob }[]>();
    for (const jobId of jobIds) {
      const job = parseExternalJobId(jobId);
      if (!job) continue;
      const key = `${job.tenantId}/${job.searchId}`;
      bySearch.set(key, [...(bySearch.get(key) ?? []), { jobId, job }]);
    }
    const states = new Map<string, JobState>(jobIds.map((jobId) => [jobId, { status: 'UNKNOWN' }]));
    for (const group of bySearch.values()) {
      const { tenantId, searchId } = group[0]!.job;
      const trials = await this.store.getTrials(tenantId, searchId, group.map(({ job }) => job.trialNumber));
      for (const { jobId, job } of group) {
        const trial = trials.find((t) => t.number === job.trialNumber && t.attempt === job.attempt);
        if (trial?.status === 'PENDING') states.set(jobId, { status: 'QUEUED' });
        if (trial?.status === 'RUNNING') states.set(jobId, { status: 'RUNNING' });
      }
    }
    return states;
  }

  /** Revokes the attempt's lease: its worker's reports and completion are refused from now on. */
  async terminate(jobId: string): Promise<void> {
    const job = parseExternalJobId(jobId);
    if (!job) return;
    // Only while the attempt is unfinished: a completion that won the race keeps its lease, so a retry of it is recognised.
    const unfinished = { attempt: job.attempt, status: ACTIVE_TRIAL_STATUSES };
    await this.store.updateTrial(job.tenantId, job.searchId, job.trialNumber, { leaseId: undefined, leaseExpiresAt: undefined }, unfinished);
  }
}
