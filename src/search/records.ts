import type { SearchSpec } from './spec.js';
import type { CompletionReason, SearchStatus, TrialStatus } from './states.js';
import type { TrialStatusCounters } from './trial-counters.js';
import type { AttemptSpan } from './attempt-spans.js';
import type { TrialGpu } from './trial-gpu.js';

/** Search and trial records. Their statuses and the transitions between them are in `states.ts`. */

export interface BestTrial {
  readonly trialNumber: number;
  readonly arch: string;
  /** The first objective's value. */
  readonly value: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface SearchRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly spec: SearchSpec;
  readonly status: SearchStatus;
  readonly reason?: CompletionReason;
  /** What went wrong, in words, for a search that FAILED with `StrategyFailed` or `AllTrialsFailed`. */
  readonly message?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  /** Incremented by every write; writes are conditional on the version that was read. */
  readonly version: number;
  readonly trialCount: number;
  readonly trialStatusCounters: TrialStatusCounters;
  readonly best?: BestTrial;
  /** Wall-clock seconds of trained trials, or simulated makespan of benchmark trials. */
  readonly elapsedSeconds: number;
  /** Sum of the trials' training seconds (GPU-seconds in the cloud). */
  readonly trainingSeconds: number;
  /** Dollars the trial jobs have cost so far, every container counted as the hard cap counts it (`committed-spend.ts`). */
  readonly costUsd?: number;
  /** The strategy's JSON state between controller ticks. */
  readonly strategyState: unknown;
  /** When a running trial last reported progress (a training epoch); live views refresh on it. */
  readonly progressAt?: string;
  /** What the controller has folded in of its trials (`trial-ledger.ts`); absent on records older than it. */
  readonly ledger?: TrialLedger;
}
/**
 * What a search's record knows of its trials, so that a tick reads only the trials that can still change
 * (issue #18: O(changed) per tick, not O(trials)). Every finished trial is *folded* into the ledger exactly
 * once: the fold and the removal of the trial from `open` are one conditional write of the search record
 * (its version check), so a retried or duplicated tick cannot fold a trial twice. No transactions needed,
 * which dynalite lacks.
 */
export interface TrialLedger {
  /** Finished trials folded into the aggregates, by status. */
  readonly folded: TrialStatusCounters;
  /** Dollars the folded trials spent. */
  readonly spentUsd: number;
  /** Trials written (job path) whose outcome is not folded yet, with the status last seen: the only trials a tick reads. */
  readonly open: readonly OpenTrial[];
  /**
   * The trials the controller last evaluated in-process, already folded. They are written after the record
   * that folds them (the record's version fences the decision; the writes are idempotent puts), so a tick
   * that finds this batch and cannot tell it was written writes it again.
   */
  readonly batch: readonly TrialRecord[];
  /** The non-dominated finished trials over all objectives (oriented: larger is better), the `/pareto` front. */
  readonly front: readonly FrontPoint[];
  /** The lowest-numbered failed trial folded so far, and why it failed (what an `AllTrialsFailed` search says). */
  readonly firstFailure?: { readonly trialNumber: number; readonly message: string };
  /** The lowest and highest oriented score seen per objective: the default reference point of `/pareto`. */
  readonly bounds?: { readonly low: readonly number[]; readonly high: readonly number[] };
}

/** What a container trial's code is handed: the lease its reports present, and the trial token that authorises them (src/usecases/trial-tokens.ts). */
export interface TrialAccess {
  readonly leaseId: string;
  readonly token: string;
}

export interface OpenTrial {
  readonly number: number;
  readonly status: TrialStatus;
  /** When its job started, for the running spend. */
  readonly startedAt?: string;
  /** Containers it took before the current one: the hard cap counts them while the trial is open. */
  readonly pastAttempts?: TrialRecord['pastAttempts'];
}

export interface FrontPoint {
  readonly trialNumber: number;
  readonly scores: readonly number[];
}


export interface TrialError {
  readonly message: string;
  readonly retryable: boolean;
}

/** One finished epoch of a training job: its validation metrics and the job's training seconds so far. */
export interface EpochObservation {
  readonly epoch: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly seconds: number;
}

/** Lineage: the trial an architecture was derived from, and the edit that derived it. */
export interface TrialParent {
  readonly trialNumber: number;
  /** What changed, in the space's words (e.g. `add unit z3`, `op of edge 1-3: skip_connect -> nor_conv_3x3`). */
  readonly change: string;
}

/** Which of the short/long schedules (`schedule.shortSchedule`) a trial trained, and why. */
export interface TrialSchedule {
  readonly name: 'short' | 'long';
  /** The epochs that schedule trains (the early-stopping rule may still end it sooner). */
  readonly epochs: number;
  readonly reason: string;
}

export interface TrialRecord {
  readonly tenantId: string;
  readonly searchId: string;
  readonly number: number;
  readonly status: TrialStatus;
  /** The space's string form of the architecture. */
  readonly arch: string;
  readonly archHash: string;
  /** 1 for the first job; a lost job (`STALE`) is resubmitted with the next attempt number. */
  readonly attempt: number;
  readonly jobId?: string;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly costSeconds?: number;
  /** Search clock when the trial was proposed; with `costSeconds` it places the trial on the search's timeline. */
  readonly startOffsetSeconds: number;
  readonly error?: TrialError;
  /** The trial this one's architecture was derived from (mutation, network morphism), and what changed. */
  readonly parent?: TrialParent;
  /** Real training: the learning curve, one observation per finished epoch (at most `schedule.epochs`). */
  readonly curve?: readonly EpochObservation[];
  /** Real training: the TensorFlow.js backend the job ran on (`tensorflow` is tfjs-node, GPU or not). */
  readonly backend?: string;
  /** Real training on a GPU: the device the job proved TensorFlow runs on, with driver and CUDA versions. */
  readonly gpu?: TrialGpu;
  /** Containers of this trial that ended without an outcome (Spot reclaims, stale attempts), for spend and retry bounds. */
  readonly pastAttempts?: readonly AttemptSpan[];
  /** Why the early-stopping rule ended an `EARLY_STOPPED` trial. */
  readonly earlyStopReason?: string;
  /** Real training with a short schedule: the schedule the trial got and why. */
  readonly schedule?: TrialSchedule;
  /** Real training: the artifact prefix of the trained model (`GET .../model` exports it). */
  readonly modelKey?: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  /** Last sign of life from the running job; see `ControllerDeps.staleAfterSeconds`. */
  readonly heartbeatAt?: string;
  /** External workers and container trials: the lease that holds this attempt; its reports and its completion present it. */
  readonly leaseId?: string;
  /** Container trials: the hash of the attempt's trial token (src/usecases/trial-tokens.ts), never the token. */
  readonly trialTokenHash?: string;
  /** External workers: when the lease runs out unless a report extends it; past it the attempt is STALE. */
  readonly leaseExpiresAt?: string;
  /** External workers: how far each report extends the lease, as the claim asked. */
  readonly leaseSeconds?: number;
  /** External workers: the worker that claimed this attempt, as it named itself. */
  readonly workerId?: string;
  readonly finishedAt?: string;
  readonly updatedAt: string;
}
