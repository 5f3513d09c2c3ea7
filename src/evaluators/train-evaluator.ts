import * as tf from '@tensorflow/tfjs';
import type { TrialSchedule } from '../search/records.js';
import type { TrialGpu } from '../search/trial-gpu.js';
import type { EvaluatorSpec } from '../search/spec.js';
import { resolveSpace } from '../spaces/registry.js';
import { loadCheckpoint, saveCheckpoint } from '../training/checkpoints.js';
import type { Dataset } from '../training/datasets/dataset.js';
import { loadDataset } from '../training/datasets/registry.js';
import { measureLatencyMs } from '../training/latency.js';
import { loadModelArtifacts, saveModelArtifacts } from '../training/model-artifacts.js';
import { decideSchedule } from '../training/short-schedule.js';
import { inheritWeights } from '../training/weight-inheritance.js';
import { modelBuilderFor } from '../training/models/registry.js';
import { taskShapeOf } from '../training/models/task-shape.js';
import { createOptimizer } from '../training/optimizers.js';
import { evaluateSplit, trainEpoch, trainingStepKernels, type SplitMetrics } from '../training/train-loop.js';
import { chooseBackend, useCpuBackend } from '../training/backend.js';
import type { EarlyStopVerdict } from '../search/early-stopping.js';
import type { Evaluation, EvaluationTask, Evaluator, TrainingRun } from './evaluator.js';

type TrainEvaluatorSpec = Extract<EvaluatorSpec, { kind: 'train' }>;

export interface TrainEvaluatorOptions {
  /**
   * Makes the fastest backend that can train `model` on `dataset` the active one and names it, with the
   * GPU it was shown to run on when it is `tfjs-node-gpu`.
   * @default `chooseBackend` with the kernels of one training step (src/training/backend.ts)
   */
  readonly selectBackend?: (model: tf.LayersModel, dataset: Dataset) => Promise<string | SelectedBackend>;
}

/** The backend a trial trains on, and on a GPU, which one. */
export interface SelectedBackend {
  readonly name: string;
  readonly gpu?: TrialGpu;
}

/** Where a trial's training artifacts live under its `TrainingRun.artifactPrefix`. */
export const CHECKPOINT_FOLDER = 'checkpoint/';
export const MODEL_FOLDER = 'model/';

/** The reported metrics of a split: loss, accuracy, and perplexity (exp of the per-target cross-entropy). */
function splitMetrics(split: 'validation' | 'test', metrics: SplitMetrics): Record<string, number> {
  return { [`${split}_loss`]: metrics.loss, [`${split}_accuracy`]: metrics.accuracy, [`${split}_perplexity`]: Math.exp(metrics.loss) };
}

/**
 * The `train` evaluator: what runs in an AWS Batch GPU container and in the local job pool. Builds the
 * architecture's model, trains it with the search's schedule, reports every epoch to the trial (which
 * applies the early-stopping rule), checkpoints after every epoch and resumes from the last checkpoint,
 * and finally measures test metrics and inference latency and saves the model for export.
 */
export function createTrainEvaluator(options: TrainEvaluatorOptions = {}): Evaluator<TrainEvaluatorSpec> {
  return {
    async evaluate(task: EvaluationTask<TrainEvaluatorSpec>): Promise<Evaluation> {
      const run = task.run;
      if (!run) throw new Error('the train evaluator runs inside a trial job: the task has no training run');
      const { evaluator } = task;
      const hasOptions = Object.keys(evaluator.datasetOptions).length > 0;
      const dataset = await loadDataset(evaluator.dataset, { ...(hasOptions ? { options: evaluator.datasetOptions } : {}), access: run.datasets });
      const selectBackend = options.selectBackend ?? fastestBackend;
      let backend: SelectedBackend = { name: '' };
      const trained = await trainWithCheckpoints(task, run, dataset, async (model) => {
        const selected = await selectBackend(model, dataset);
        backend = typeof selected === 'string' ? { name: selected } : selected;
      });
      try {
        const test = await evaluateSplit(trained.model, dataset, dataset.test);
        const latency = await measureLatencyMs(trained.model, dataset);
        const modelKey = run.artifactPrefix + MODEL_FOLDER;
        await saveModelArtifacts(run.artifacts, modelKey, trained.model);
        return {
          metrics: { ...trained.validation, ...splitMetrics('test', test), latency_ms: latency },
          costSeconds: trained.seconds,
          backend: backend.name,
          ...(backend.gpu ? { gpu: backend.gpu } : {}),
          modelKey,
          ...(trained.earlyStopped ? { earlyStopped: trained.earlyStopped } : {}),
          ...(trained.schedule ? { schedule: trained.schedule } : {}),
        };
      } finally {
        trained.model.dispose();
      }
    },
  };
}

interface TrainedModel {
  readonly model: tf.LayersModel;
  readonly validation: Record<string, number>;
  readonly seconds: number;
  readonly earlyStopped?: { epoch: number; reason: string };
  /** With a short schedule: the one the trial got (absent if the rule stopped it before it was decided). */
  readonly schedule?: TrialSchedule;
}

/**
 * Trains from the last checkpoint (or from scratch) until the schedule ends or the rule stops it. With a
 * short schedule, the whole schedule's epochs until the short phase decides between short and long.
 */
async function trainWithCheckpoints(
  task: EvaluationTask<TrainEvaluatorSpec>,
  run: TrainingRun,
  dataset: Dataset,
  selectBackend: (model: tf.LayersModel) => Promise<unknown>,
): Promise<TrainedModel> {
  const { schedule } = task.evaluator;
  const checkpointPrefix = run.artifactPrefix + CHECKPOINT_FOLDER;
  // Models are built and restored on the CPU backend, which has every kernel the choice must probe.
  useCpuBackend();
  const checkpoint = await loadCheckpoint(run.artifacts, checkpointPrefix);
  const model = checkpoint?.model ?? (await startingModel(task, run, dataset));
  await selectBackend(model);
  const optimizer = createOptimizer(schedule);
  if (checkpoint) await optimizer.setWeights(checkpoint.optimizerWeights);
  const teacher = run.teacher && (await loadModelArtifacts(run.artifacts, run.teacher.modelKey));
  const distillation = run.teacher && teacher ? { teacher, temperature: run.teacher.temperature, weight: run.teacher.weight } : undefined;
  let seconds = checkpoint?.seconds ?? 0;
  let validation = checkpoint ? splitMetrics('validation', await evaluateSplit(model, dataset, dataset.validation)) : {};
  let verdict: EarlyStopVerdict = { stop: false };
  let epoch = checkpoint?.epoch ?? 0;
  // The loss after the short phase: this epoch's, or (resumed past it) the one recorded on the curve.
  const lossAfterShortPhase = (short: number) =>
    epoch === short ? validation.validation_loss : run.recordedEpochs.find((o) => o.epoch === short)?.metrics.validation_loss;
  const decide = () => decideSchedule(schedule, run.parent, schedule.shortSchedule && lossAfterShortPhase(schedule.shortSchedule.epochs));
  let chosen = decide();
  try {
    // A job killed between its checkpoint and the epoch's report: the epoch goes on the curve now, measured
    // on the checkpoint's weights, or the curve would miss it for good.
    if (checkpoint && !run.recordedEpochs.some((o) => o.epoch === checkpoint.epoch)) {
      verdict = await run.reportEpoch({ epoch, metrics: validation, seconds });
    }
    while (epoch < (chosen?.epochs ?? schedule.epochs) && !verdict.stop) {
      epoch++;
      const started = performance.now();
      await trainEpoch(model, optimizer, dataset, schedule, epoch, run.seed, distillation);
      validation = splitMetrics('validation', await evaluateSplit(model, dataset, dataset.validation));
      seconds += (performance.now() - started) / 1000;
      await saveCheckpoint(run.artifacts, checkpointPrefix, { epoch, seconds }, model, optimizer);
      verdict = await run.reportEpoch({ epoch, metrics: validation, seconds });
      chosen ??= decide();
    }
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    optimizer.dispose();
    teacher?.dispose();
  }
  return {
    model,
    validation,
    seconds,
    ...(verdict.stop ? { earlyStopped: { epoch, reason: verdict.reason } } : {}),
    ...(chosen ? { schedule: chosen } : {}),
  };
}

/** A fresh model of the trial's architecture, started from its parent's trained weights when the search inherits them. */
async function startingModel(task: EvaluationTask<TrainEvaluatorSpec>, run: TrainingRun, dataset: Dataset): Promise<tf.LayersModel> {
  const model = buildModel(task, dataset, run.seed);
  const parentKey = task.evaluator.inheritWeights ? run.parent?.modelKey : undefined;
  const parentModel = parentKey && (await loadModelArtifacts(run.artifacts, parentKey));
  if (run.parent && parentModel) {
    const space = resolveSpace(task.space);
    inheritWeights(space, { arch: space.parse(run.parent.arch), model: parentModel }, { arch: space.parse(task.arch), model });
    parentModel.dispose();
  }
  return model;
}

async function fastestBackend(model: tf.LayersModel, dataset: Dataset): Promise<SelectedBackend> {
  const { name, gpu } = await chooseBackend({ kernels: await trainingStepKernels(model, dataset) });
  return { name, ...(gpu ? { gpu } : {}) };
}

function buildModel(task: EvaluationTask<TrainEvaluatorSpec>, dataset: Dataset, seed: number): tf.LayersModel {
  const space = resolveSpace(task.space);
  const builder = modelBuilderFor(task.space);
  return builder.build(space.parse(task.arch), taskShapeOf(dataset), builder.settings(task.evaluator.model), seed);
}
