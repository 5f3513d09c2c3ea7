import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import type { Evaluation, EvaluationTask, TrainingRun } from '../../src/evaluators/evaluator.js';
import type { EarlyStopVerdict } from '../../src/search/early-stopping.js';
import { createTrainEvaluator } from '../../src/evaluators/train-evaluator.js';
import type { EpochObservation } from '../../src/search/records.js';
import type { EvaluatorSpec } from '../../src/search/spec.js';
import { TrainEvaluatorSchema, TrainingScheduleSchema } from '../../src/search/training-spec.js';
import { decideSchedule } from '../../src/training/short-schedule.js';

type TrainSpec = Extract<EvaluatorSpec, { kind: 'train' }>;

const SCHEDULE = TrainingScheduleSchema.parse({ epochs: 4, shortSchedule: { epochs: 1, threshold: 0.1 } });

describe('the short/long schedule rule', () => {
  it('gives a trial without a parent, or whose parent has no validation loss, the long schedule at once', () => {
    expect(decideSchedule(SCHEDULE, undefined, undefined)).toEqual({ name: 'long', epochs: 4, reason: 'no parent to compare with' });
    expect(decideSchedule(SCHEDULE, { trialNumber: 3 }, undefined)).toMatchObject({ name: 'long', reason: expect.stringMatching(/trial 3 has no validation loss/) });
  });

  it('waits for the short phase, then compares the relative change of validation loss with the threshold', () => {
    const parent = { trialNumber: 2, validationLoss: 2 };
    expect(decideSchedule(SCHEDULE, parent, undefined)).toBeUndefined();
    expect(decideSchedule(SCHEDULE, parent, 2.19)).toMatchObject({ name: 'short', epochs: 1, reason: expect.stringMatching(/within 10\.0% of parent trial 2/) });
    expect(decideSchedule(SCHEDULE, parent, 1.81)).toMatchObject({ name: 'short', epochs: 1 });
    expect(decideSchedule(SCHEDULE, parent, 2.21)).toMatchObject({ name: 'long', epochs: 4, reason: expect.stringMatching(/differs by 10\.5%/) });
    expect(decideSchedule(SCHEDULE, parent, 1.5)).toMatchObject({ name: 'long', epochs: 4 });
    expect(decideSchedule(SCHEDULE, { trialNumber: 2, validationLoss: 0 }, 0.01)).toMatchObject({ name: 'long', reason: expect.stringMatching(/from 0/) });
  });

  it('is off without a short schedule', () => {
    expect(decideSchedule(TrainingScheduleSchema.parse({ epochs: 4 }), undefined, undefined)).toBeUndefined();
  });

  it('refuses a short schedule that is not shorter than the schedule, naming the field', () => {
    const result = TrainingScheduleSchema.safeParse({ epochs: 3, shortSchedule: { epochs: 3, threshold: 0.1 } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['shortSchedule', 'epochs']);
  });
});

describe('a trial trained with a short schedule', () => {
  const evaluator = createTrainEvaluator({});
  const ARCH = 'dense(32,relu,0)';
  let root: string;
  let store: DirectoryArtifactStore;
  let parent: Evaluation;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'nas-short-'));
    store = new DirectoryArtifactStore(root);
    parent = (await train('parent/', {}, false)).result;
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  interface Job {
    readonly recordedEpochs?: EpochObservation[];
    /** Collects what the job reports; the rule's answer, or a throw (a kill). */
    readonly observations?: EpochObservation[];
    readonly verdict?: (observation: EpochObservation) => EarlyStopVerdict;
  }

  /** Trains ARCH on blobs (10 epochs, short phase 1 epoch, threshold 10%) as the trial under `prefix`. */
  async function train(prefix: string, link: Partial<TrainingRun>, inheritWeights: boolean, job: Job = {}) {
    const observations = job.observations ?? [];
    const run: TrainingRun = {
      recordedEpochs: job.recordedEpochs ?? [],
      artifacts: store,
      artifactPrefix: prefix,
      datasets: { tenantId: 't' },
      seed: 3,
      reportEpoch: async (observation) => (observations.push(observation), job.verdict?.(observation) ?? { stop: false }),
      ...link,
    };
    const spec: TrainSpec = TrainEvaluatorSchema.parse({
      kind: 'train',
      dataset: 'blobs',
      schedule: { epochs: 10, batchSize: 16, learningRate: 0.01, shortSchedule: { epochs: 1, threshold: 0.1 } },
      inheritWeights,
    });
    const task: EvaluationTask<TrainSpec> = { space: 'mlp', arch: ARCH, evaluator: spec, metrics: ['validation_loss'], run };
    return { result: await evaluator.evaluate(task), observations };
  }
  const parentLink = () => ({ parent: { trialNumber: 1, arch: ARCH, modelKey: parent.modelKey!, validationLoss: parent.metrics.validation_loss! } });

  it('gives a trial with no parent the long schedule', () => {
    expect(parent.schedule).toEqual({ name: 'long', epochs: 10, reason: 'no parent to compare with' });
  });

  it('stops a child that barely changed its parent’s validation loss after the short phase', async () => {
    const { result, observations } = await train('inherited/', parentLink(), true);
    expect(observations.map((o) => o.epoch)).toEqual([1]);
    const change = Math.abs(observations[0]!.metrics.validation_loss! - parent.metrics.validation_loss!) / parent.metrics.validation_loss!;
    expect(change).toBeLessThanOrEqual(0.1);
    expect(result.schedule).toMatchObject({ name: 'short', epochs: 1, reason: expect.stringMatching(/within 10\.0% of parent trial 1/) });
    expect(result.earlyStopped).toBeUndefined();
  });

  it('trains a child that changed a lot for the whole schedule, also when resumed after a kill past the short phase', async () => {
    // Without inheritance the child starts from scratch: after one epoch it is far from its trained parent.
    const first: EpochObservation[] = [];
    const kill = (o: EpochObservation): EarlyStopVerdict => {
      if (o.epoch === 2) throw new Error('container reclaimed');
      return { stop: false };
    };
    await expect(train('scratch/', parentLink(), false, { observations: first, verdict: kill })).rejects.toThrow('container reclaimed');
    const change = Math.abs(first[0]!.metrics.validation_loss! - parent.metrics.validation_loss!) / parent.metrics.validation_loss!;
    expect(change).toBeGreaterThan(0.1);
    const { result, observations } = await train('scratch/', parentLink(), false, { recordedEpochs: first });
    expect(observations.map((o) => o.epoch)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.schedule).toMatchObject({ name: 'long', epochs: 10, reason: expect.stringMatching(/after 1 epoch differs by .* from parent trial 1/) });
  });
});
