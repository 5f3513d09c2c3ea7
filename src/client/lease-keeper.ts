import { withRetries, type Backoff } from './backoff.js';
import type { NasClient } from './client.js';
import { ApiError } from './errors.js';
import type { Metrics, TrialClaim, TrialDecision, TrialReport } from './trial-leases.js';

/** Why a trial's `signal` aborted because its lease is gone: it expired, or another attempt holds the trial now. */
export class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
}

/** Why a trial's `signal` aborted on a report's `'stop'`: early stopping ended the trial. */
export class TrialStopped extends Error {
  override readonly name = 'TrialStopped';
}

/** A 409 to a report or completion: the lease expired or was taken over, and the service changed nothing. */
export const isLeaseLost = (error: unknown) => error instanceof ApiError && error.status === 409;

/**
 * Holds one trial's lease from its claim: sends the training's reports one at a time, and renews the lease
 * while the training is quiet with a report of no metrics, which the service takes as a heartbeat only.
 */
export class LeaseKeeper {
  private lastStep = 0;
  private stopped = false;
  private lost = false;
  private closed = false;
  private renewal: NodeJS.Timeout | undefined;
  /** Reports and renewals go out in order, never two at once. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: NasClient,
    private readonly claim: TrialClaim,
    private readonly renewEveryMs: number,
    private readonly backoff: Backoff,
    /** Aborts the training, with a `TrialStopped` or `LeaseLost` reason. */
    private readonly abortTraining: (reason: Error) => void,
  ) {
    this.scheduleRenewal();
  }

  /** Whether the lease is gone, so that the trial is dropped rather than completed. */
  get isLost(): boolean {
    return this.lost;
  }

  /** Whether early stopping ended the trial: the service recorded it with the stopping report's metrics. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Reports `metrics` after `step`; a `'stop'` (or a lost lease) aborts the training and answers `'stop'`. */
  report(step: number, metrics: Metrics): Promise<TrialDecision> {
    this.lastStep = step;
    return this.send({ leaseId: this.claim.leaseId, step, metrics }, true);
  }

  /** Stops renewing: the trial is being completed or dropped. */
  close(): void {
    this.closed = true;
    clearTimeout(this.renewal);
  }

  private get ended(): boolean {
    return this.closed || this.lost || this.stopped;
  }

  private send(report: TrialReport, retrying: boolean): Promise<TrialDecision> {
    const sent = this.queue.then(async (): Promise<TrialDecision> => {
      if (this.ended) return 'stop';
      try {
        const call = () => this.client.reportTrial(this.claim.searchId, this.claim.trialNumber, report);
        const { decision } = await (retrying ? withRetries(call, this.backoff) : call());
        if (decision === 'stop') {
          this.stopped = true;
          this.abortTraining(new TrialStopped(`early stopping ended trial ${this.claim.trialNumber} after step ${report.step}`));
        }
        return decision;
      } catch (error) {
        if (!isLeaseLost(error)) throw error;
        this.lost = true;
        this.abortTraining(new LeaseLost(`the lease on trial ${this.claim.trialNumber} is gone: it expired or another attempt took it`));
        return 'stop';
      } finally {
        this.scheduleRenewal();
      }
    });
    this.queue = sent.catch(() => undefined);
    return sent;
  }

  /** Renews the lease a while after the latest report went out, unless another comes first. */
  private scheduleRenewal(): void {
    clearTimeout(this.renewal);
    if (this.ended) return;
    this.renewal = setTimeout(() => {
      // A renewal that fails is tried again at the next tick; one that never gets through ends in a 409.
      this.send({ leaseId: this.claim.leaseId, step: this.lastStep, metrics: {} }, false).catch(() => undefined);
    }, this.renewEveryMs);
    // A pending renewal must not keep a finished process alive.
    this.renewal.unref();
  }
}
