import { hostname } from 'node:os';
import { backoffDelay, DEFAULT_BACKOFF, sleep, withRetries, type Backoff } from './backoff.js';
import type { NasClient } from './client.js';
import { ApiError } from './errors.js';
import { isLeaseLost, LeaseKeeper } from './lease-keeper.js';
import type { ClaimOutcome, Metrics, TrialClaim, TrialCompletion, TrialDecision } from './trial-leases.js';

/** What the training callback gets for one leased trial. */
export interface TrainingContext {
  /** The architecture to train, in its space's string form (docs/spaces.md). */
  readonly arch: string;
  readonly archHash: string;
  readonly trialNumber: number;
  /** 1 for a first run; more when an earlier attempt's lease expired. */
  readonly attempt: number;
  /** The whole claim: metric names the search expects, its objectives, the lease. */
  readonly claim: TrialClaim;
  /**
   * Reports intermediate metrics after `step` (an epoch, say): they renew the lease, draw the learning curve
   * and feed early stopping, whose answer this is. On `'stop'` `signal` aborts too.
   */
  report(step: number, metrics: Metrics): Promise<TrialDecision>;
  /**
   * Aborts when the trial should end early. After early stopping (`reason` a `TrialStopped`) or a lost
   * lease (`LeaseLost`) the trial is over at the service and what the callback returns is dropped; when
   * the worker shuts down (its own signal's reason), return the metrics so far to complete it, or throw.
   */
  readonly signal: AbortSignal;
}

/** Trains one architecture and answers with its final metrics, named as the search's evaluator declares them. */
export type TrainFunction = (context: TrainingContext) => Promise<Metrics>;

export interface WorkerOptions {
  readonly client: NasClient;
  readonly searchId: string;
  readonly train: TrainFunction;
  /** Trials trained at once by this process (useful when training awaits a GPU or another process). @default 1 */
  readonly concurrency?: number;
  /** The lease to ask for; the worker renews it every third of it while the training is quiet. @default the service's (300 s) */
  readonly leaseSeconds?: number;
  /** Names this worker in the trials' records. @default `<hostname>-<pid>` */
  readonly workerId?: string;
  /** Shuts the worker down: it claims no more, lets the running trials end (their `signal` aborts) and returns. */
  readonly signal?: AbortSignal;
  /** Waits between claims while none is available, and retries of failed calls. @default DEFAULT_BACKOFF */
  readonly backoff?: Partial<Backoff>;
}

/** How the trials this worker held ended. */
export interface WorkerSummary {
  /** Trained to the end and completed with their metrics. */
  completed: number;
  /** Ended by early stopping: the service recorded them with the stopping report's metrics. */
  stopped: number;
  /** Completed as FAILED because the callback threw. */
  failed: number;
  /** Dropped because their lease expired or was taken over (the service re-runs them as a next attempt). */
  lost: number;
}

type TrialOutcome = keyof WorkerSummary;

/** The reason a FAILED completion carries: the error's message, first line. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] || 'the training callback threw').slice(0, 1000);
}

/**
 * Trains the trials of an `external` search until it finishes or `signal` aborts: claims a trial, runs
 * `train` on it under a lease kept alive by its reports, and completes it (as FAILED when `train` throws).
 * Waits with growing, jittered pauses while no trial is available, and retries calls that fail for
 * transient reasons (5xx, 429, no answer). Resolves with what became of the trials it held.
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  const { client, searchId, train, signal } = options;
  const backoff: Backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const workerId = options.workerId ?? `${hostname()}-${process.pid}`;
  const summary: WorkerSummary = { completed: 0, stopped: 0, failed: 0, lost: 0 };
  // Claiming ends on shutdown, when the search is finished, or when a slot fails for good.
  const claiming = new AbortController();
  const stopClaiming = () => claiming.abort();
  signal?.addEventListener('abort', stopClaiming, { once: true });
  if (signal?.aborted) stopClaiming();

  async function runTrial(claim: TrialClaim): Promise<TrialOutcome> {
    const training = new AbortController();
    const shutDown = () => training.abort(signal?.reason);
    signal?.addEventListener('abort', shutDown, { once: true });
    // The lease the service granted, measured on this machine's clock when no length was asked for.
    const leaseMs = options.leaseSeconds ? options.leaseSeconds * 1000 : Math.max(3000, Date.parse(claim.leaseExpiresAt) - Date.now());
    const lease = new LeaseKeeper(client, claim, leaseMs / 3, backoff, (reason) => training.abort(reason));
    let completion: TrialCompletion;
    try {
      const { arch, archHash, trialNumber, attempt } = claim;
      const metrics = await train({ arch, archHash, trialNumber, attempt, claim, report: (step, values) => lease.report(step, values), signal: training.signal });
      completion = { leaseId: claim.leaseId, metrics };
    } catch (error) {
      completion = { leaseId: claim.leaseId, status: 'FAILED', reason: reasonOf(error) };
    } finally {
      lease.close();
      signal?.removeEventListener('abort', shutDown);
    }
    // The service ended a stopped trial with the stopping report's metrics, whatever the callback did next.
    if (lease.isStopped) return 'stopped';
    if (lease.isLost) return 'lost';
    return complete(claim, completion);
  }

  async function complete(claim: TrialClaim, completion: TrialCompletion): Promise<TrialOutcome> {
    try {
      await withRetries(() => client.completeTrial(searchId, claim.trialNumber, completion), backoff);
      return 'metrics' in completion ? 'completed' : 'failed';
    } catch (error) {
      if (isLeaseLost(error)) return 'lost';
      // Metrics the search cannot take (undeclared, or missing one it ranks on) fail the trial, not the worker.
      if ('metrics' in completion && error instanceof ApiError && error.status === 400) {
        const refused = error.fields.map(({ field, message }) => `${field}: ${message}`).join('; ') || error.message;
        return complete(claim, { leaseId: claim.leaseId, status: 'FAILED', reason: `the service refused the metrics: ${refused}` });
      }
      throw error;
    }
  }

  /** One slot: claim, train, complete, again, until claiming ends. */
  async function work(): Promise<void> {
    for (let idle = 0; !claiming.signal.aborted; ) {
      let claimed: ClaimOutcome;
      try {
        claimed = await withRetries(() => client.claimTrial(searchId, { workerId, ...(options.leaseSeconds ? { leaseSeconds: options.leaseSeconds } : {}) }, claiming.signal), backoff, claiming.signal);
      } catch (error) {
        if (claiming.signal.aborted) return;
        throw error;
      }
      if (claimed === 'finished') return stopClaiming();
      if (claimed === 'wait') {
        await sleep(backoffDelay(backoff, idle++), claiming.signal);
        continue;
      }
      idle = 0;
      summary[await runTrial(claimed)]++;
    }
  }

  try {
    const slot = () =>
      work().catch((error: unknown) => {
        stopClaiming();
        throw error;
      });
    const slots = await Promise.allSettled(Array.from({ length: options.concurrency ?? 1 }, slot));
    const failed = slots.find((slot): slot is PromiseRejectedResult => slot.status === 'rejected');
    if (failed) throw failed.reason;
    return summary;
  } finally {
    signal?.removeEventListener('abort', stopClaiming);
  }
}
