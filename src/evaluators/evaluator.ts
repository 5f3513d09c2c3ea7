import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { DatasetAccess } from '../training/datasets/dataset-access.js';
import type { EarlyStopVerdict } from '../search/early-stopping.js';
import type { EpochObservation, TrialSchedule } from '../search/records.js';
import type { TrialGpu } from '../search/trial-gpu.js';
import { ARCHITECTURE_METRICS, searchMetrics } from '../search/metrics.js';
import type { EvaluatorSpec, SearchSpec } from '../search/spec.js';

/** The task of measuring `arch` for a search: its space, evaluator and the metrics the evaluator must answer. */
export function evaluationTaskOf(spec: SearchSpec, arch: string): EvaluationTask {
  const wanted = searchMetrics(spec);
  return { space: spec.space, arch, evaluator: spec.evaluator, metrics: wanted.filter((metric) => !ARCHITECTURE_METRICS.includes(metric)) };
}

/** One architecture to measure, with the metrics the search needs from it. */
export interface EvaluationTask<E extends EvaluatorSpec = EvaluatorSpec> {
  readonly space: string;
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

/** One evaluator per evaluator kind, behind the single port a trial job calls. */
export function evaluatorByKind(evaluators: {
  readonly [K in JobEvaluatorKind]: Evaluator<Extract<EvaluatorSpec, { kind: K }>>;
}): Evaluator {
  return {
    evaluate: (task) => {
      const { evaluator } = task;
      if (evaluator.kind === 'external') return Promise.reject(new Error("an external trial is trained by the user's workers, never by a trial job"));
      return evaluator.kind === 'benchmark'
        ? evaluators.benchmark.evaluate({ ...task, evaluator })
        : evaluators.train.evaluate({ ...task, evaluator });
    },
  };
}
