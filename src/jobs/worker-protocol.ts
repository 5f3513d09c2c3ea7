import type { Job } from './job-queue.js';

/** Messages between the local job pool and its child processes (which run `batch/job.ts`). */
export type PoolToWorker = { readonly type: 'run'; readonly jobId: string; readonly job: Job };

export type WorkerToPool =
  | { readonly type: 'ready' }
  | { readonly type: 'ended'; readonly jobId: string; readonly ok: true }
  | { readonly type: 'ended'; readonly jobId: string; readonly ok: false; readonly reason: string };
