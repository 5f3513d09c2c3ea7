import { DEFAULT_CONTAINER_TIMEOUT_SECONDS, type ContainerEvaluatorSpec } from '../search/container-spec.js';
import type { EvaluatorSpec } from '../search/spec.js';
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
  /**
   * What each container is billed for besides its own run, counted by the hard cap (`committed-spend.ts`):
   * the instance booting and joining the cluster, the image pull, and the idle minutes before AWS Batch
   * scales an instance in. Estimates, not measurements (docs/deployment.md lists them as unverified):
   * generous on purpose, since the cap must not be passed.
   */
  readonly overhead: { readonly bootSeconds: number; readonly imagePullSeconds: number; readonly idleSeconds: number };
}

/**
 * GPU instance types the Spot compute environment may launch, cheapest first: one NVIDIA T4 each (compute
 * capability 7.5), in two sizes, because Spot capacity is per type and per zone.
 *
 * Only GPUs the shipped TensorFlow has machine code for. tfjs-node-gpu 4.22 loads libtensorflow 2.9.1
 * (CUDA 11.2, cuDNN 8). TensorFlow's release builds for CUDA 11.2 set `TF_CUDA_COMPUTE_CAPABILITIES=
 * sm_35,sm_50,sm_60,sm_70,sm_75,compute_80` (source: `tensorflow/tools/ci_build/release/common_win.bat` of
 * the 2.5-2.10 releases, and the `release_gpu` configs of their `.bazelrc`): SASS for 3.5 to 7.5, PTX for
 * 8.0 only. Not yet measured on the shipped library itself (docs/deployment.md gives the one command). So a T4
 * (g4dn, 7.5) and a V100 (p3, 7.0) run shipped kernels, while an A10G (g5, 8.6) and an L4 (g6, 8.9) must
 * JIT-compile the 8.0 PTX of every kernel before their first step (minutes per container, unless the CUDA
 * cache survives, which it does not across Batch instances). g5 and g6 are therefore left out; p3 is left
 * out for its price (a V100 on Spot costs more than a T4 on demand). The job records the compute capability
 * and the time of its first GPU operation on every trial (`TrialRecord.gpu`), so this can be checked on a
 * real instance; see docs/deployment.md for what is still unmeasured.
 */
export const GPU_SPOT_INSTANCE_TYPES = ['g4dn.xlarge', 'g4dn.2xlarge'] as const;
/** The compute capabilities libtensorflow 2.9 ships machine code (SASS) for; others JIT-compile PTX at start. */
export const NATIVE_COMPUTE_CAPABILITIES = ['3.5', '5.0', '6.0', '7.0', '7.5'] as const;
/** The on-demand fallback launches only the cheapest type: it is what the budget is estimated against. */
export const GPU_ON_DEMAND_INSTANCE_TYPES = ['g4dn.xlarge'] as const;

export const JOB_PROFILES = {
  /**
   * A benchmark lookup run as a job: the evaluation itself takes well under a second; the Fargate task's
   * start (image pull, Node start, a few DynamoDB calls) dominates, and Fargate bills at least a minute
   * anyway. The deployed controller and the local service answer benchmark lookups in-process instead
   * (issue #18, `src/controller/in-process-trials.ts`): no job, no machine of their own, milliseconds of
   * the controller Lambda per round of trials. This profile then prices an upper bound only.
   */
  benchmark: {
    instance: { kind: 'fargate', vcpu: 1, memoryGiB: 2, market: 'on-demand' },
    expectedTrialSeconds: 60,
    timeoutSeconds: 15 * 60,
    // Fargate bills from the start of the image pull (the slim CPU image: ~100 MB) to the task's end.
    overhead: { bootSeconds: 0, imagePullSeconds: 30, idleSeconds: 0 },
  },
  /** A training job on one GPU (the `train` evaluator): priced on the on-demand fallback type. */
  train: {
    instance: { kind: 'ec2', type: GPU_ON_DEMAND_INSTANCE_TYPES[0], market: 'on-demand' },
    expectedTrialSeconds: 30 * 60,
    timeoutSeconds: 4 * 3600,
    // A GPU instance boots and joins the ECS cluster (~2 min), pulls the CUDA image (several GB), and idles
    // before Batch scales it in when no job follows.
    overhead: { bootSeconds: 120, imagePullSeconds: 180, idleSeconds: 300 },
  },
  /**
   * The `external` evaluator: the user's own workers train each trial on their machines and report over
   * HTTP, so no job of ours runs, nothing is billed, and how long a trial takes is theirs to know. A silent
   * worker's lease runs out (docs/training.md) instead of a job's timeout.
   */
  external: {
    instance: { kind: 'external', market: 'on-demand' },
    expectedTrialSeconds: 0,
    timeoutSeconds: 0,
    overhead: { bootSeconds: 0, imagePullSeconds: 0, idleSeconds: 0 },
  },
} as const satisfies Record<string, JobProfile>;

export type JobKind = keyof typeof JOB_PROFILES;

/**
 * Which kind of job an evaluator needs: training on a GPU; none of ours for the user's own workers
 * (`external`); anything else (benchmark lookups, predictors) on Fargate.
 */
export function jobKindOf(evaluatorKind: string): JobKind {
  return evaluatorKind === 'train' || evaluatorKind === 'external' ? evaluatorKind : 'benchmark';
}

/** Memory ECS offers a job on a g4dn.xlarge (16 GiB, less the agent's share): a GPU container above it needs a 2xlarge. */
const G4DN_XLARGE_JOB_MIB = 14 * 1024;

/**
 * A `container` trial's job, sized by its `resources`: with a GPU, on the GPU queue's T4 instances, priced
 * on the smallest type that fits it (the cap prices the dearest type the queue may launch, as for
 * training); without, a Fargate task of its size. The image is the user's, of unknown size: its pull is
 * counted generously. How long a trial runs is the user's code's to know: the estimate assumes what a
 * training trial takes, and `timeoutSeconds` bounds it.
 */
export function containerJobProfile(evaluator: Pick<ContainerEvaluatorSpec, 'resources' | 'timeoutSeconds'>): JobProfile {
  const { gpu, vcpus, memoryMiB } = evaluator.resources;
  const timeoutSeconds = evaluator.timeoutSeconds ?? DEFAULT_CONTAINER_TIMEOUT_SECONDS;
  const expectedTrialSeconds = Math.min(JOB_PROFILES.train.expectedTrialSeconds, timeoutSeconds);
  if (gpu > 0) {
    const fitsXlarge = vcpus <= 4 && memoryMiB <= G4DN_XLARGE_JOB_MIB;
    const type = fitsXlarge ? GPU_ON_DEMAND_INSTANCE_TYPES[0] : GPU_SPOT_INSTANCE_TYPES[1];
    return { instance: { kind: 'ec2', type, market: 'on-demand' }, expectedTrialSeconds, timeoutSeconds, overhead: { bootSeconds: 120, imagePullSeconds: 300, idleSeconds: 300 } };
  }
  return {
    instance: { kind: 'fargate', vcpu: vcpus, memoryGiB: memoryMiB / 1024, market: 'on-demand' },
    expectedTrialSeconds,
    timeoutSeconds,
    overhead: { bootSeconds: 0, imagePullSeconds: 120, idleSeconds: 0 },
  };
}

/** The job a search's trials run as: the evaluator kind's profile, or a container's own size. */
export function jobProfileOf(evaluator: EvaluatorSpec): JobProfile {
  return evaluator.kind === 'container' ? containerJobProfile(evaluator) : JOB_PROFILES[jobKindOf(evaluator.kind)];
}
