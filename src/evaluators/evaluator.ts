import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { InvalidRequest } from '../errors.js';
import type { DatasetAccess } from '../training/datasets/dataset-access.js';
import type { EarlyStopVerdict } from '../search/early-stopping.js';
import type { EpochObservation, TrialAccess, TrialSchedule } from '../search/records.js';
import type { TrialGpu } from '../search/trial-gpu.js';
import { ARCHITECTURE_METRICS, searchMetrics } from '../search/metrics.js';
import type { EvaluatorSpec, SearchSpec } from '../search/spec.js';

/** The task of measuring `arch` for a search: its space, evaluator and the metrics the evaluator must answer. */
export function evaluationTaskOf(spec: SearchSpec, arch: string): EvaluationTask {
  const wanted = searchMetrics(spec);
  const metrics = wanted.filter((metric) => !ARCHITECTURE_METRICS.includes(metric));
  return { space: spec.space, ...(spec.spaceConfig === undefined ? {} : { spaceConfig: spec.spaceConfig }), arch, evaluator: spec.evaluator, metrics };
}

/** One architecture to measure, with the metrics the search needs from it. */
export interface EvaluationTask<E extends EvaluatorSpec = EvaluatorSpec> {
  readonly space: string;
  /** The declaration of a space the search defined (`choices`). */
  readonly spaceConfig?: unknown;
  /** The space's string form of the architecture. */
  readonly arch: string;
  readonly evaluator: E;
  readonly metrics: readonly string[];
  /** Real training only: the job's link to its trial. Benchmark lookups ignore it. */
  readonly run?: TrainingRun;
}

/** What a training job needs from the trial it runs: progress reporting, a seed, a place for artifacts. */
export interface TrainingRun {
  /** Records a finished epoch on the trial; resolves whether the search's early-stopping rule ends training here. */
  reportEpoch(observation: EpochObservation): Promise<EarlyStopVerdict>;
  /** Epochs already recorded by an earlier container of this attempt (a Spot interruption), to resume after. */
  readonly recordedEpochs: readonly EpochObservation[];
  /** Checkpoints and the trained model go under `artifactPrefix` (one per trial). */
  readonly artifacts: ArtifactStore;
  readonly artifactPrefix: string;
  /** What the trial's tenant may read a user dataset from. */
  readonly datasets: DatasetAccess;
  /** Seeds initialisation and batch order: the same trial trains the same way on a retry. */
  readonly seed: number;
  /** Which trial this is: what a container trial's command is told (`NAS_SEARCH`, `NAS_TRIAL`). */
  readonly trial?: { readonly searchId: string; readonly number: number };
  /** Container trials: the lease and token the command reports over HTTP with (`NAS_LEASE_ID`, `NAS_TRIAL_TOKEN`). */
  readonly access?: TrialAccess;
  /** A trial job's run: the trial's curve as recorded now, reports over HTTP included. */
  reportedCurve?(): Promise<readonly EpochObservation[]>;
  /**
   * The finished trial this one's architecture derives from, when the search inherits weights or has a
   * short schedule: its trained model to start from and its validation loss to compare with.
   */
  readonly parent?: { readonly trialNumber: number; readonly arch: string; readonly modelKey?: string; readonly validationLoss?: number };
  /** The trained model to distil from, when the search names a teacher. */
  readonly teacher?: { readonly modelKey: string; readonly temperature: number; readonly weight: number };
}

export interface Evaluation {
  readonly metrics: Readonly<Record<string, number>>;
  /** Training time the measurement cost: simulated for benchmark lookups, measured for real training. */
  readonly costSeconds: number;
  /** Real training: the TensorFlow.js backend it ran on. */
  readonly backend?: string;
  /** Real training on a GPU: the device it was shown to run on (`src/training/gpu-check.ts`). */
  readonly gpu?: TrialGpu;
  /** Real training that the early-stopping rule ended: after which epoch, and why. */
  readonly earlyStopped?: { readonly epoch: number; readonly reason: string };
  /** Real training: the artifact prefix the trained model was saved under. */
  readonly modelKey?: string;
  /** Real training with a short schedule: which schedule the trial trained, and why. */
  readonly schedule?: TrialSchedule;
}

/**
 * How good an architecture is. Throws `InvalidArchitecture` for an architecture the evaluator cannot
 * measure (a non-retryable trial failure); any other error is treated as retryable.
 */
export interface Evaluator<E extends EvaluatorSpec = EvaluatorSpec> {
  evaluate(task: EvaluationTask<E>): Promise<Evaluation>;
}

/** The evaluator kinds a trial job runs; `external` trials are trained by the user's own workers instead. */
export type JobEvaluatorKind = Exclude<EvaluatorSpec['kind'], 'external'>;

type EvaluatorOf<K extends JobEvaluatorKind> = Evaluator<Extract<EvaluatorSpec, { kind: K }>>;

/**
 * One evaluator per evaluator kind, behind the single port a trial job calls. `container` is given only
 * where the operator lets trials run commands on this host (`NAS_CONTAINER_COMMANDS=local`); elsewhere a
 * container trial that reaches this job fails for good rather than run the user's command here.
 */
export function evaluatorByKind(evaluators: {
  readonly benchmark: EvaluatorOf<'benchmark'>;
  readonly train: EvaluatorOf<'train'>;
  readonly container?: EvaluatorOf<'container'>;
}): Evaluator {
  return {
    evaluate: (task) => {
      const { evaluator } = task;
      switch (evaluator.kind) {
        case 'external':
          return Promise.reject(new Error("an external trial is trained by the user's workers, never by a trial job"));
        case 'container':
          if (!evaluators.container) {
            return Promise.reject(new InvalidRequest('evaluator.kind', 'this service runs no container commands on its hosts (NAS_CONTAINER_COMMANDS is not local)'));
          }
          return evaluators.container.evaluate({ ...task, evaluator });
        case 'benchmark':
          return evaluators.benchmark.evaluate({ ...task, evaluator });
        case 'train':
          return evaluators.train.evaluate({ ...task, evaluator });
      }
    },
  };
}
