import type { SearchSpec } from './spec.js';
import type { CompletionReason, SearchStatus, TrialStatus } from './states.js';
import type { TrialStatusCounters } from './trial-counters.js';

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
  /** Dollars the trial jobs have cost so far, from their measured run times and the price table. */
  readonly costUsd?: number;
  /** The strategy's JSON state between controller ticks. */
  readonly strategyState: unknown;
  /** When a running trial last reported progress (a training epoch); live views refresh on it. */
  readonly progressAt?: string;
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
  readonly finishedAt?: string;
  readonly updatedAt: string;
}
