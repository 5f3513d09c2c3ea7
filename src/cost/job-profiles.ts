import type { JobInstance } from './prices.js';

/**
 * What each kind of trial job runs on and for how long at most. The CDK stack sizes its job definitions
 * and compute environments from these, the Batch queue adapter submits with these timeouts, and the cost
 * estimator prices these machines, so the three cannot drift apart.
 */
export interface JobProfile {
  /** The machine priced for one trial: on-demand, the price a job pays when Spot is not to be had. */
  readonly instance: JobInstance;
  /** Wall-clock seconds a typical trial's container runs, start-up included. */
  readonly expectedTrialSeconds: number;
  /** Batch stops an attempt after this long (`attemptDurationSeconds`), which bounds every trial's cost. */
  readonly timeoutSeconds: number;
}

/**
 * GPU instance types the Spot compute environment may launch, cheapest first. Several types, because Spot
 * capacity is per type and per zone; all have one GPU, 4 vCPUs and 16 GiB, so a job fits on any of them.
 */
export const GPU_SPOT_INSTANCE_TYPES = ['g4dn.xlarge', 'g6.xlarge', 'g5.xlarge'] as const;
/** The on-demand fallback launches only the cheapest type: it is what the budget is estimated against. */
export const GPU_ON_DEMAND_INSTANCE_TYPES = ['g4dn.xlarge'] as const;

export const JOB_PROFILES = {
  /**
   * A benchmark lookup: the evaluation itself takes well under a second; the Fargate task's start (image
   * pull, Node start, a few DynamoDB calls) dominates, and Fargate bills at least a minute anyway.
   */
  benchmark: {
    instance: { kind: 'fargate', vcpu: 1, memoryGiB: 2, market: 'on-demand' },
    expectedTrialSeconds: 60,
    timeoutSeconds: 15 * 60,
  },
  /** A training job on one GPU (the `train` evaluator): priced on the on-demand fallback type. */
  train: {
    instance: { kind: 'ec2', type: GPU_ON_DEMAND_INSTANCE_TYPES[0], market: 'on-demand' },
    expectedTrialSeconds: 30 * 60,
    timeoutSeconds: 4 * 3600,
  },
} as const satisfies Record<string, JobProfile>;

export type JobKind = keyof typeof JOB_PROFILES;

/** Which kind of job an evaluator needs: training on a GPU; anything else (benchmark lookups, predictors) on Fargate. */
export function jobKindOf(evaluatorKind: string): JobKind {
  return evaluatorKind === 'train' ? 'train' : 'benchmark';
}
