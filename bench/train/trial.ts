import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTrainEvaluator } from '../../src/evaluators/train-evaluator.js';
import { TrainEvaluatorSchema } from '../../src/search/training-spec.js';
import { standaloneRun } from './standalone-run.js';

/** A trial as a search with every default would run it locally, one per space the bench can time. */
export const DEFAULT_TRIALS = {
  mlp: { arch: 'dense(128,relu,0)', datasetOptions: { layout: 'flat' } },
  cnn: { arch: 'conv3x3(32,pool)>conv3x3(64,pool)', datasetOptions: {} },
  nb201: { arch: '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|', datasetOptions: {} },
} as const;
export type TrialSpace = keyof typeof DEFAULT_TRIALS;

export interface TrialTiming {
  readonly space: TrialSpace;
  readonly arch: string;
  readonly epochs: number;
  readonly backend: string;
  readonly wallSeconds: number;
  /** Training time the trial reports (its cost), without loading, evaluation on test, latency and export. */
  readonly trainingSeconds: number;
  readonly validationAccuracy: number;
}

/**
 * Runs one trial through the `train` evaluator exactly as a job does (dataset `mnist`, the default
 * schedule, backend choice, checkpoints into a scratch directory, test metrics, latency, export), and
 * times it end to end.
 */
export async function timeDefaultTrial(space: TrialSpace): Promise<TrialTiming> {
  const { arch, datasetOptions } = DEFAULT_TRIALS[space];
  const evaluator = TrainEvaluatorSchema.parse({ kind: 'train', dataset: 'mnist', datasetOptions });
  const root = await mkdtemp(join(tmpdir(), 'nas-bench-trial-'));
  const started = performance.now();
  try {
    const evaluation = await createTrainEvaluator({}).evaluate({
      space,
      arch,
      evaluator,
      metrics: ['validation_accuracy'],
      run: standaloneRun(root, 'trial/', 0),
    });
    return {
      space,
      arch,
      epochs: evaluator.schedule.epochs,
      backend: evaluation.backend ?? 'unknown',
      wallSeconds: (performance.now() - started) / 1000,
      trainingSeconds: evaluation.costSeconds,
      validationAccuracy: evaluation.metrics.validation_accuracy!,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
