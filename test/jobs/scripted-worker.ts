/**
 * A stand-in for batch/job.ts speaking the pool's protocol, so the pool's own behaviour (dispatch,
 * crashes, termination) can be tested without a store: trial 13 kills its process mid-job, trial 99 never
 * finishes, every other job succeeds after a short while.
 */
import { isAgentTraining } from '../../src/jobs/job-queue.js';
import type { PoolToWorker, WorkerToPool } from '../../src/jobs/worker-protocol.js';

const reply = (message: WorkerToPool) => process.send!(message);
process.on('message', ({ jobId, job }: PoolToWorker) => {
  const trialNumber = isAgentTraining(job) ? undefined : job.trialNumber;
  if (trialNumber === 13) process.exit(3);
  if (trialNumber === 99) return;
  setTimeout(() => reply({ type: 'ended', jobId, ok: true }), 20);
});
process.on('disconnect', () => process.exit(0));
reply({ type: 'ready' });
