import { fork, type ChildProcess } from 'node:child_process';
import { jobName, type Job, type JobQueue, type JobState, type TrialJob } from './job-queue.js';
import type { PoolToWorker, WorkerToPool } from './worker-protocol.js';

export interface LocalJobPoolOptions<J extends Job> {
  /** The job entry to run in each child process (`batch/job.ts`). */
  readonly entry: string;
  /** How many jobs run at once. */
  readonly workers: number;
  /** Environment of the children: store endpoint, table, benchmarks folder. */
  readonly env: NodeJS.ProcessEnv;
  /** Called once per job when it ends, like EventBridge's "Batch Job State Change". */
  readonly onJobEnded: (job: J, state: JobState) => void;
}

interface PoolJob<J extends Job> {
  readonly job: J;
  state: JobState;
}

interface Worker {
  readonly process: ChildProcess;
  ready: boolean;
  jobId?: string;
}

/**
 * The local stand-in for AWS Batch: a FIFO queue and a fixed set of long-lived child processes, each
 * running the same job entry as the Batch container (kept alive between jobs so that a benchmark lookup
 * does not pay a process start). A child that dies takes only its current job with it; it is replaced.
 * Job records live in memory: after a restart every old job is `UNKNOWN`, which is how the controller
 * learns to resubmit it.
 */
export class LocalJobPool<J extends Job = TrialJob> implements JobQueue<J> {
  private readonly jobs = new Map<string, PoolJob<J>>();
  private readonly queued: string[] = [];
  private readonly workers = new Set<Worker>();
  private closed = false;

  constructor(private readonly options: LocalJobPoolOptions<J>) {}

  async submit(job: J): Promise<{ jobId: string }> {
    const jobId = jobName(job);
    if (!this.jobs.has(jobId)) {
      this.jobs.set(jobId, { job, state: { status: 'QUEUED' } });
      this.queued.push(jobId);
      this.dispatch();
    }
    return { jobId };
  }

  async describe(jobIds: readonly string[]): Promise<Map<string, JobState>> {
    return new Map(jobIds.map((id) => [id, this.jobs.get(id)?.state ?? { status: 'UNKNOWN' }]));
  }

  async terminate(jobId: string, reason: string): Promise<void> {
    const entry = this.jobs.get(jobId);
    if (!entry || entry.state.status === 'SUCCEEDED' || entry.state.status === 'FAILED') return;
    const index = this.queued.indexOf(jobId);
    if (index >= 0) this.queued.splice(index, 1);
    const worker = [...this.workers].find((w) => w.jobId === jobId);
    if (worker) {
      worker.jobId = undefined;
      this.workers.delete(worker);
      killWorker(worker.process);
    }
    this.end(jobId, { status: 'FAILED', reason: `terminated: ${reason}` });
    this.dispatch();
  }

  /** Stops all children; queued and running jobs are abandoned (the controller resubmits them later). */
  async close(): Promise<void> {
    this.closed = true;
    const exits = [...this.workers].map(
      (worker) => new Promise<void>((resolve) => {
        if (worker.process.exitCode !== null || worker.process.signalCode !== null) return resolve();
        worker.process.once('exit', () => resolve());
        killWorker(worker.process);
      }),
    );
    this.workers.clear();
    await Promise.all(exits);
  }

  private dispatch(): void {
    if (this.closed) return;
    for (const worker of this.workers) {
      if (this.queued.length === 0) return;
      if (worker.ready && worker.jobId === undefined) this.start(worker, this.queued.shift()!);
    }
    if (this.queued.length > 0 && this.workers.size < this.options.workers) this.spawn();
  }

  private start(worker: Worker, jobId: string): void {
    const entry = this.jobs.get(jobId)!;
    worker.jobId = jobId;
    entry.state = { status: 'RUNNING' };
    const message: PoolToWorker = { type: 'run', jobId, job: entry.job };
    worker.process.send(message);
  }

  private spawn(): void {
    const child = fork(this.options.entry, [], {
      env: this.options.env,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // A process group of its own, which `killWorker` ends whole: a container trial's command goes with its worker.
      detached: true,
    });
    const worker: Worker = { process: child, ready: false };
    this.workers.add(worker);
    child.on('message', (message: WorkerToPool) => {
      if (message.type === 'ready') {
        worker.ready = true;
      } else if (message.jobId === worker.jobId) {
        worker.jobId = undefined;
        this.end(message.jobId, message.ok ? { status: 'SUCCEEDED' } : { status: 'FAILED', reason: message.reason });
      }
      this.dispatch();
    });
    child.on('exit', (code, signal) => {
      if (!this.workers.delete(worker)) return;
      if (worker.jobId !== undefined) {
        this.end(worker.jobId, { status: 'FAILED', reason: `worker exited (${signal ?? `code ${code}`}) during the job` });
      }
      this.dispatch();
    });
  }

  private end(jobId: string, state: JobState): void {
    const entry = this.jobs.get(jobId)!;
    entry.state = state;
    this.options.onJobEnded(entry.job, state);
  }
}

/** Kills a worker and every process it started (its process group: the commands of container trials). */
function killWorker(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) return void process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already, or the platform has none (Windows): kill the worker alone.
  }
  child.kill('SIGKILL');
}
