import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import type { JobState, TrialJob } from '../../src/jobs/job-queue.js';
import { LocalJobPool } from '../../src/jobs/local-job-pool.js';
import { waitFor } from '../../src/local/service-process.js';

const job = (trialNumber: number, attempt = 1): TrialJob => ({ tenantId: 't', searchId: 's', trialNumber, attempt });
let pool: LocalJobPool | undefined;
afterEach(() => pool?.close());

function startPool() {
  const ended: { job: TrialJob; state: JobState }[] = [];
  pool = new LocalJobPool({
    entry: join(PROJECT_ROOT, 'test', 'jobs', 'scripted-worker.ts'),
    workers: 2,
    env: process.env,
    onJobEnded: (j, state) => ended.push({ job: j, state }),
  });
  return { pool, ended };
}

describe('local job pool', () => {
  it('runs jobs, survives a worker dying mid-job, and reports each job once', async () => {
    const { pool, ended } = startPool();
    const ids = await Promise.all([1, 13, 2, 3, 4].map((n) => pool.submit(job(n)).then((r) => r.jobId)));
    expect((await pool.submit(job(1))).jobId).toBe(ids[0]);
    await waitFor(async () => (ended.length === 5 ? true : undefined), 'five jobs to end', 20_000);
    const states = await pool.describe(ids);
    expect(states.get(ids[1]!)).toEqual({ status: 'FAILED', reason: 'worker exited (code 3) during the job' });
    for (const id of [ids[0], ids[2], ids[3], ids[4]]) expect(states.get(id!)).toEqual({ status: 'SUCCEEDED' });
    expect(new Set(ended.map((e) => e.job.trialNumber)).size).toBe(5);
    expect((await pool.describe(['never-submitted'])).get('never-submitted')).toEqual({ status: 'UNKNOWN' });
  });

  it('terminates a running job and goes on with the next', async () => {
    const { pool, ended } = startPool();
    const { jobId } = await pool.submit(job(99));
    await waitFor(async () => ((await pool.describe([jobId])).get(jobId)?.status === 'RUNNING' ? true : undefined), 'the job to start', 20_000);
    await pool.terminate(jobId, 'search stopped');
    expect((await pool.describe([jobId])).get(jobId)).toEqual({ status: 'FAILED', reason: 'terminated: search stopped' });
    const next = await pool.submit(job(5));
    await waitFor(async () => ((await pool.describe([next.jobId])).get(next.jobId)?.status === 'SUCCEEDED' ? true : undefined), 'the next job', 20_000);
    expect(ended.map((e) => e.job.trialNumber)).toEqual([99, 5]);
  });
});
