import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EnsembleFitJob, EnsembleFitResult } from '../predictors/mlp-ensemble.js';
import type { EnsembleFitter } from '../predictors/predictor.js';
import type { FromFitProcess, ToFitProcess } from './ensemble-fit-child.js';

export interface EnsembleFitProcessOptions {
  /**
   * How long the process waits for more work before it ends, giving back its memory (the last fit's data:
   * about 90 MB); the next fit starts a new one (about a second).
   * @default 30_000
   */
  readonly idleMs?: number;
}

interface Pending {
  readonly resolve: (result: EnsembleFitResult) => void;
  readonly reject: (error: Error) => void;
}

const ENTRY = fileURLToPath(new URL('./ensemble-fit-child.ts', import.meta.url));

/**
 * Predictor training off the local service's event loop (issue #18): `fit` (an `EnsembleFitter` for
 * `PredictorService`) runs each ensemble fit in a child process, one at a time in the order asked, while
 * the API, the controller and the warm-up go on. Fitting is deterministic plain JavaScript, so the child
 * gives bit-identical weights to a fit in the calling thread.
 *
 * A process rather than a worker thread: a thread's garbage collection runs on the V8 helper threads it
 * shares with the service's event loop, and its memory would count in the service's. The process runs
 * at the service's own CPU priority (at the lowest, a warm-up beside two busy processes of the same
 * session, as in the test suite, took more than twice as long). Started like the job pool's children
 * (`--import tsx`), on the first fit; it ends after `idleMs` without one. A fit whose process dies (a crash, `close`) is
 * rejected, and the next fit starts a new process.
 */
export class EnsembleFitProcess {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Processes started so far (a test's view of the idle end and restarts). */
  started = 0;

  constructor(private readonly options: EnsembleFitProcessOptions = {}) {}

  /** Runs one fit in the child process; resolves with its result. */
  readonly fit: EnsembleFitter = (job: EnsembleFitJob) => {
    if (this.closed) return Promise.reject(new Error('the predictor training process is closed'));
    clearTimeout(this.idleTimer);
    const child = this.child ?? this.start();
    // While a fit is out, its answer keeps this process alive; an idle child never does.
    child.channel?.ref();
    const id = this.nextId++;
    return new Promise<EnsembleFitResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.send({ id, job } satisfies ToFitProcess);
    });
  };

  /** Fits asked and not yet answered. */
  get busy(): number {
    return this.pending.size;
  }

  /** Whether a training process is up (it ends `idleMs` after its last fit). */
  get running(): boolean {
    return this.child !== undefined;
  }

  /** Ends the process; fits under way or queued are rejected, and so is any later one. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    await this.stop(new Error('the predictor training process was closed'));
  }

  private start(): ChildProcess {
    const child = fork(ENTRY, [], {
      execArgv: ['--import', 'tsx'],
      // Typed arrays (the rows, the weights) cross as such, not as JSON.
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    this.started++;
    child.unref();
    child.on('message', (message: FromFitProcess) => {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if ('result' in message) pending?.resolve(message.result);
      else pending?.reject(new Error(`predictor training failed: ${message.error}`));
      if (this.pending.size === 0) {
        child.channel?.unref();
        this.idleTimer = setTimeout(() => void this.stop(), this.options.idleMs ?? 30_000).unref();
      }
    });
    child.on('error', (error) => {
      if (this.child === child) void this.stop(error);
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) void this.stop(new Error(`the predictor training process exited (${signal ?? `code ${code}`})`));
    });
    return child;
  }

  /** Ends the current process, rejecting what it had not answered. */
  private async stop(reason?: Error): Promise<void> {
    const child = this.child;
    this.child = undefined;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const { reject } of pending) reject(reason ?? new Error('the predictor training process ended'));
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }
}
