import { describe, expect, it } from 'vitest';
import { curveAxes, curveMetricsOf, curveSeries, curveStepsOf } from '../../../src/api/dashboard/learning-curves.js';
import type { EpochObservation, TrialRecord } from '../../../src/search/records.js';
import { SearchSpecSchema, type SearchSpec } from '../../../src/search/spec.js';
import { newTrial, testSpec } from '../../helpers/records.js';

const trainSpec = (metric?: string): SearchSpec => ({
  ...SearchSpecSchema.parse({
    space: 'mlp',
    objectives: [{ metric: 'validation_accuracy', direction: 'maximize' }],
    strategy: { name: 'random' },
    evaluator: { kind: 'train', dataset: 'blobs', ...(metric ? { metric } : {}) },
    budget: { maxTrialCount: 4 },
  }),
  seed: 1,
});

/** A search trained by the user's own workers, ranking on accuracy and latency. */
const externalSpec: SearchSpec = {
  ...SearchSpecSchema.parse({
    space: 'mlp',
    objectives: [
      { metric: 'accuracy', direction: 'maximize' },
      { metric: 'latency_ms', direction: 'minimize' },
    ],
    strategy: { name: 'random' },
    evaluator: { kind: 'external', metrics: ['loss', 'latency_ms', 'accuracy'] },
    budget: { maxTrialCount: 4 },
  }),
  seed: 1,
};

const observations = (values: Record<string, number>[]): EpochObservation[] => values.map((metrics, i) => ({ epoch: i + 1, metrics, seconds: i }));

const trial = (number: number, values: Record<string, number>[], overrides: Partial<TrialRecord> = {}) =>
  newTrial('s', number, { status: 'SUCCEEDED', curve: observations(values), ...overrides });

describe('curveMetricsOf', () => {
  it('shows nothing for a benchmark search', () => {
    expect(curveMetricsOf(testSpec(), [])).toEqual([]);
  });

  it('puts the selection metric first, then the other per-epoch metrics the trials report', () => {
    const trials = [trial(1, [{ validation_accuracy: 0.5, validation_loss: 1 }])];
    expect(curveMetricsOf(trainSpec(), trials)).toEqual(['validation_accuracy', 'validation_loss']);
    expect(curveMetricsOf(trainSpec('validation_loss'), trials)).toEqual(['validation_loss', 'validation_accuracy']);
  });

  it('falls back to a per-epoch metric when the search selects on one that has no curve', () => {
    const trials = [trial(1, [{ validation_perplexity: 30, validation_loss: 3 }])];
    expect(curveMetricsOf(trainSpec('latency_ms'), trials)).toEqual(['validation_loss', 'validation_perplexity']);
  });

  it('shows nothing before a trial reported a step, whatever trains the trials', () => {
    for (const spec of [trainSpec('validation_loss'), externalSpec]) expect(curveMetricsOf(spec, [newTrial('s', 1, { status: 'RUNNING' })])).toEqual([]);
  });

  it("shows an external search's reported metrics: the selection metric, the other objectives, then the rest by name", () => {
    const trials = [trial(1, [{ loss: 0.9 }, { loss: 0.7, latency_ms: 12 }]), trial(2, [{ zeta: 1, accuracy: 0.4 }])];
    expect(curveMetricsOf(externalSpec, trials)).toEqual(['accuracy', 'latency_ms', 'loss', 'zeta']);
    expect(curveMetricsOf({ ...externalSpec, evaluator: { ...externalSpec.evaluator, metric: 'loss' } }, trials)).toEqual(['loss', 'accuracy', 'latency_ms', 'zeta']);
  });
});

describe('curveStepsOf', () => {
  it("runs a train search's curves over its schedule's epochs, and any other search's over the steps its trials report", () => {
    const sevenEpochs = { ...trainSpec(), evaluator: SearchSpecSchema.shape.evaluator.parse({ kind: 'train', dataset: 'blobs', schedule: { epochs: 7 } }) };
    expect(curveStepsOf(sevenEpochs)).toEqual({ unit: 'epoch', scheduled: 7 });
    expect(curveStepsOf(externalSpec)).toEqual({ unit: 'step', scheduled: 0 });
  });
});

describe('curveSeries', () => {
  it('keeps finite values in epoch order, marks early stops and leaves out trials without a point', () => {
    const series = curveSeries(
      [
        trial(3, [{ validation_accuracy: 0.2 }], { status: 'EARLY_STOPPED' }),
        trial(1, [{ validation_accuracy: 0.4 }, { validation_accuracy: Number.NaN }, { validation_accuracy: 0.6 }]),
        trial(2, [{ validation_loss: 1 }]),
        newTrial('s', 4, { status: 'RUNNING' }),
      ],
      'validation_accuracy',
    );
    expect(series).toEqual([
      { trialNumber: 1, points: [{ x: 1, y: 0.4 }, { x: 3, y: 0.6 }], earlyStopped: false },
      { trialNumber: 3, points: [{ x: 1, y: 0.2 }], earlyStopped: true },
    ]);
  });
});

describe('curveAxes', () => {
  const series = (points: { x: number; y: number }[]) => [{ trialNumber: 1, points, earlyStopped: false }];

  it('spans the whole schedule, so a curve that stopped early ends short of the right edge', () => {
    const { xAxis } = curveAxes(series([{ x: 1, y: 0.3 }, { x: 2, y: 0.5 }]), 5);
    expect(xAxis.ticks).toEqual([1, 2, 3, 4, 5]);
  });

  it('ticks whole epochs only, also for a one-epoch schedule', () => {
    for (const epochs of [1, 2, 3, 7, 60, 500]) {
      const { xAxis } = curveAxes(series([{ x: 1, y: 0.3 }]), epochs);
      expect(xAxis.ticks.every(Number.isInteger)).toBe(true);
      expect(xAxis.ticks[0]).toBeLessThanOrEqual(1);
      expect(xAxis.ticks.at(-1)).toBeGreaterThanOrEqual(epochs);
    }
  });

  it('without a schedule, spans the steps reported, a step 0 included', () => {
    const { xAxis } = curveAxes(series([{ x: 0, y: 0.3 }, { x: 40, y: 0.5 }]), 0);
    expect(xAxis.ticks[0]).toBe(0);
    expect(xAxis.ticks.at(-1)).toBeGreaterThanOrEqual(40);
    expect(xAxis.ticks.every(Number.isInteger)).toBe(true);
  });

  it('reaches beyond the schedule for a longer curve, and spans every value', () => {
    const { xAxis, yAxis } = curveAxes(series([{ x: 1, y: 2.5 }, { x: 8, y: 0.125 }]), 5);
    expect(xAxis.ticks.at(-1)).toBeGreaterThanOrEqual(8);
    expect(yAxis.ticks[0]).toBeLessThanOrEqual(0.125);
    expect(yAxis.ticks.at(-1)).toBeGreaterThanOrEqual(2.5);
  });
});
