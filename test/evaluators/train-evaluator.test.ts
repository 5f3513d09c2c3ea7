import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import type { EvaluationTask, TrainingRun } from '../../src/evaluators/evaluator.js';
import type { EarlyStopVerdict } from '../../src/search/early-stopping.js';
import { createTrainEvaluator, MODEL_FOLDER } from '../../src/evaluators/train-evaluator.js';
import type { EpochObservation } from '../../src/search/records.js';
import type { EvaluatorSpec } from '../../src/search/spec.js';
import { TrainEvaluatorSchema } from '../../src/search/training-spec.js';
import { loadDataset } from '../../src/training/datasets/registry.js';
import * as tf from '@tensorflow/tfjs';
import { mlpSpace } from '../../src/spaces/mlp.js';
import { loadModelArtifacts, saveModelArtifacts } from '../../src/training/model-artifacts.js';
import { modelBuilderFor } from '../../src/training/models/registry.js';
import { evaluateSplit } from '../../src/training/train-loop.js';

type TrainSpec = Extract<EvaluatorSpec, { kind: 'train' }>;

const evaluator = createTrainEvaluator({});
const ARCH = 'dense(32,relu,0)';

function trainSpec(epochs: number): TrainSpec {
  return TrainEvaluatorSchema.parse({ kind: 'train', dataset: 'blobs', schedule: { epochs, batchSize: 32, learningRate: 0.05 } });
}

let root: string;
let store: DirectoryArtifactStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'nas-train-'));
  store = new DirectoryArtifactStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** A trial's run that records what the job reports and answers with `verdict` (or throws, like a kill). */
function recordingRun(verdict: (observation: EpochObservation) => EarlyStopVerdict, recordedEpochs: EpochObservation[] = []) {
  const observations: EpochObservation[] = [];
  const run: TrainingRun = {
    recordedEpochs,
    artifacts: store,
    artifactPrefix: 'searches/s1/trials/1/',
    datasets: { tenantId: 't' },
    seed: 11,
    reportEpoch: async (observation) => {
      observations.push(observation);
      return verdict(observation);
    },
  };
  return { run, observations };
}

function task(epochs: number, run: TrainingRun): EvaluationTask<TrainSpec> {
  return { space: 'mlp', arch: ARCH, evaluator: trainSpec(epochs), metrics: ['validation_accuracy'], run };
}

describe('train evaluator', () => {
  it('trains, reports every epoch, and exports a model that reproduces the recorded validation accuracy', async () => {
    const { run, observations } = recordingRun(() => ({ stop: false }));
    const result = await evaluator.evaluate(task(4, run));
    expect(observations.map((o) => o.epoch)).toEqual([1, 2, 3, 4]);
    expect(result.metrics.validation_accuracy).toBeGreaterThan(0.6); // three classes: chance is 1/3
    expect(result.metrics).toMatchObject({ test_accuracy: expect.any(Number), latency_ms: expect.any(Number) });
    // Dense layers train on wasm, the fastest backend installed here (the native ones are not).
    expect(['wasm', 'cpu']).toContain(result.backend);
    expect(result.earlyStopped).toBeUndefined();
    expect(result.modelKey).toBe(`searches/s1/trials/1/${MODEL_FOLDER}`);

    const exported = await loadModelArtifacts(store, result.modelKey!);
    const dataset = await loadDataset('blobs');
    const reproduced = await evaluateSplit(exported!, dataset, dataset.validation);
    expect(reproduced.accuracy).toBeCloseTo(result.metrics.validation_accuracy!, 6);
    expect(observations.at(-1)!.metrics.validation_accuracy).toBeCloseTo(result.metrics.validation_accuracy!, 6);
  });

  it('ends early when the early-stopping rule says so, and says after which epoch and why', async () => {
    const { run, observations } = recordingRun((o) => (o.epoch === 2 ? { stop: true, reason: 'median rule' } : { stop: false }));
    const result = await evaluator.evaluate(task(5, run));
    expect(observations).toHaveLength(2);
    expect(result.earlyStopped).toEqual({ epoch: 2, reason: 'median rule' });
    expect(result.metrics.test_accuracy).toEqual(expect.any(Number));
  });

  it('distils from a teacher: with all the weight on it the student copies the teacher, not the labels', async () => {
    // A teacher that answers class 2 for everything: its softened outputs contradict the labels.
    const builder = modelBuilderFor('mlp');
    const teacher = builder.build(mlpSpace.parse(ARCH), { inputShape: [2], inputType: 'float32', classes: 3, perStep: false }, builder.settings({}), 1);
    teacher.setWeights(teacher.getWeights().map((w, i, all) => (i === all.length - 1 ? tf.tensor1d([0, 0, 10]) : tf.zerosLike(w))));
    await saveModelArtifacts(store, 'teacher/', teacher);
    const withTeacher = (weight: number) => {
      const { run } = recordingRun(() => ({ stop: false }));
      return evaluator.evaluate(task(4, { ...run, artifactPrefix: `student-${weight}/`, teacher: { modelKey: 'teacher/', temperature: 2, weight } }));
    };
    const dataset = await loadDataset('blobs');
    const classTwo = dataset.validation.y.filter((label) => label === 2).length / dataset.validation.count;
    expect((await withTeacher(1)).metrics.validation_accuracy).toBeCloseTo(classTwo, 6);
    expect((await withTeacher(0)).metrics.validation_accuracy).toBeGreaterThan(0.6);
  });

  it('resumes after a kill from the last checkpoint instead of starting over', async () => {
    /** A run on its own checkpoint folder that the container's reclaim interrupts as it reports epoch 2. */
    const killedAtEpochTwo = async (prefix: string) => {
      const killed = recordingRun((o) => {
        if (o.epoch === 2) throw new Error('container reclaimed');
        return { stop: false };
      });
      await expect(evaluator.evaluate(task(4, { ...killed.run, artifactPrefix: prefix }))).rejects.toThrow('container reclaimed');
      return killed.observations;
    };
    // The report's write landed before the kill: the curve holds epoch 2.
    const reported = await killedAtEpochTwo('searches/s1/trials/1/');
    const resumed = recordingRun(() => ({ stop: false }), reported);
    const result = await evaluator.evaluate(task(4, resumed.run));
    // Epoch 2 was checkpointed before it was reported, so the new container starts at epoch 3.
    expect(resumed.observations.map((o) => o.epoch)).toEqual([3, 4]);
    expect(result.costSeconds).toBeGreaterThan(reported[1]!.seconds);

    // It did not: epoch 2 goes on the curve from the checkpoint, as it would have been reported, untrained again.
    const unreported = await killedAtEpochTwo('searches/s1/trials/2/');
    const resumedUnreported = recordingRun(() => ({ stop: false }), unreported.slice(0, 1));
    await evaluator.evaluate(task(4, { ...resumedUnreported.run, artifactPrefix: 'searches/s1/trials/2/' }));
    expect(resumedUnreported.observations.map((o) => o.epoch)).toEqual([2, 3, 4]);
    expect(resumedUnreported.observations[0]!.metrics).toEqual(unreported[1]!.metrics);
    expect(resumedUnreported.observations[0]!.seconds).toBe(unreported[1]!.seconds);
  });
});
