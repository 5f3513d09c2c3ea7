import { describe, expect, it } from 'vitest';
import { ashaStop, curveScore, earlyStopVerdict, medianStop, type CurveOf } from '../../src/search/early-stopping.js';
import type { TrialStatus } from '../../src/search/states.js';

const accuracy = curveScore('validation_accuracy', 'maximize');
const loss = curveScore('validation_loss', 'minimize');

function trial(number: number, values: number[], status: TrialStatus = 'RUNNING', metric = 'validation_accuracy'): CurveOf {
  return { number, status, curve: values.map((value, i) => ({ epoch: i + 1, metrics: { [metric]: value }, seconds: i + 1 })) };
}

describe('median stopping rule', () => {
  const settings = { minTrialsRequired: 3, startEpoch: 2 };
  const others = [trial(1, [0.5, 0.6, 0.7], 'SUCCEEDED'), trial(2, [0.6, 0.7, 0.8], 'SUCCEEDED'), trial(3, [0.4, 0.5, 0.6], 'SUCCEEDED')];

  it('stops a trial whose best so far is below the median of the others running averages at that epoch', () => {
    // Running averages at epoch 2: 0.55, 0.65, 0.45 -> median 0.55.
    const verdict = medianStop(settings, trial(9, [0.3, 0.5]), others, accuracy);
    expect(verdict).toMatchObject({ stop: true });
    expect(verdict.stop && verdict.reason).toMatch(/epoch 2.*0\.55/);
    expect(medianStop(settings, trial(9, [0.3, 0.56]), others, accuracy)).toEqual({ stop: false });
  });

  it('waits for startEpoch and for enough evidence, and ignores failed trials', () => {
    expect(medianStop(settings, trial(9, [0.01]), others, accuracy)).toEqual({ stop: false });
    const fewer = [others[0]!, others[1]!, { ...others[2]!, status: 'FAILED' as const }];
    expect(medianStop(settings, trial(9, [0.01, 0.02]), fewer, accuracy)).toEqual({ stop: false });
    // Trials that have not reached the epoch are no evidence either.
    const short = [trial(1, [0.9]), trial(2, [0.9]), trial(3, [0.9])];
    expect(medianStop(settings, trial(9, [0.01, 0.02]), short, accuracy)).toEqual({ stop: false });
  });

  it('orients minimised metrics: a high loss is the bad one', () => {
    const losses = [trial(1, [2, 1.5], 'SUCCEEDED', 'validation_loss'), trial(2, [2, 1.4], 'SUCCEEDED', 'validation_loss'), trial(3, [2.2, 1.6], 'SUCCEEDED', 'validation_loss')];
    expect(medianStop(settings, trial(9, [3, 2.9], 'RUNNING', 'validation_loss'), losses, loss)).toMatchObject({ stop: true });
    expect(medianStop(settings, trial(9, [1.5, 1.2], 'RUNNING', 'validation_loss'), losses, loss)).toEqual({ stop: false });
  });
});

describe('ASHA', () => {
  const settings = { minEpochs: 1, reductionFactor: 3 };

  it('judges only at rungs (1, 3, 9, ...) and never at the last epoch', () => {
    const others = [trial(1, [0.9, 0.9, 0.9, 0.9]), trial(2, [0.8, 0.8, 0.8, 0.8])];
    expect(ashaStop(settings, trial(9, [0.1, 0.1]), others, accuracy, 10)).toEqual({ stop: false });
    expect(ashaStop(settings, trial(9, [0.1, 0.1, 0.1]), others, accuracy, 10)).toMatchObject({ stop: true });
    expect(ashaStop(settings, trial(9, [0.1, 0.1, 0.1]), others, accuracy, 3)).toEqual({ stop: false });
  });

  it('lets the first trial at a rung through and keeps the top third', () => {
    expect(ashaStop(settings, trial(1, [0.1]), [], accuracy, 10)).toEqual({ stop: false });
    const rung1 = [0.2, 0.4, 0.6, 0.8, 0.3].map((value, i) => trial(i + 1, [value]));
    expect(ashaStop(settings, trial(9, [0.9]), rung1, accuracy, 10)).toEqual({ stop: false });
    expect(ashaStop(settings, trial(9, [0.5]), rung1, accuracy, 10)).toMatchObject({ stop: true });
  });

  it('is what earlyStopVerdict runs for an asha rule', () => {
    const rung1 = [0.2, 0.4, 0.6].map((value, i) => trial(i + 1, [value]));
    const rule = { algorithm: 'asha' as const, settings };
    expect(earlyStopVerdict(rule, trial(9, [0.1]), rung1, accuracy, 10)).toEqual(ashaStop(settings, trial(9, [0.1]), rung1, accuracy, 10));
  });
});

describe('earlyStopVerdict', () => {
  it('lets a trial at its last epoch finish, however it compares: it has nothing left to save', () => {
    const rule = { algorithm: 'median' as const, settings: { startEpoch: 1, minTrialsRequired: 1 } };
    const leaders = [trial(1, [0.8, 0.9, 0.95], 'SUCCEEDED'), trial(2, [0.7, 0.8, 0.9], 'SUCCEEDED')];
    expect(earlyStopVerdict(rule, trial(3, [0.1, 0.2]), leaders, accuracy, 3)).toMatchObject({ stop: true });
    expect(earlyStopVerdict(rule, trial(3, [0.1, 0.2, 0.3]), leaders, accuracy, 3)).toEqual({ stop: false });
  });
});
