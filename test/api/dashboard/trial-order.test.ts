import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextTrialOrder, parseTrialOrder, sortTrials, trialOrderQuery, type TrialOrder } from '../../../src/api/dashboard/trial-order.js';
import type { TrialRecord } from '../../../src/search/records.js';
import { TRIAL_STATUSES } from '../../../src/search/states.js';
import { newTrial } from '../../helpers/records.js';

const METRIC = 'cifar10_test_200';

/** Trials 1..n, each with a value of the metric or none (not finished, or failed). */
const trialsArbitrary = fc
  .array(fc.record({ value: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }), status: fc.constantFrom(...TRIAL_STATUSES) }), { maxLength: 40 })
  .map((rows) =>
    rows.map(({ value, status }, i) => newTrial('S', i + 1, { status, ...(value === undefined ? {} : { metrics: { [METRIC]: value } }) })),
  );
const orderArbitrary = fc.record({ key: fc.constantFrom('number' as const, 'status' as const, 'value' as const), descending: fc.boolean() });

describe('the trial order in the query string', () => {
  it('reads back what it writes', () => {
    fc.assert(
      fc.property(orderArbitrary, (order) => {
        const query = Object.fromEntries(new URLSearchParams(trialOrderQuery(order)));
        expect(parseTrialOrder(query)).toEqual(order);
      }),
    );
  });

  it('falls back to trial number order for anything it does not know', () => {
    expect(parseTrialOrder({})).toEqual({ key: 'number', descending: false });
    expect(parseTrialOrder({ sort: 'arch', order: 'desc' })).toEqual({ key: 'number', descending: false });
    expect(parseTrialOrder({ sort: 'value', order: 'sideways' })).toEqual({ key: 'value', descending: false });
  });

  it('flips the current column and starts a new one in its most useful direction', () => {
    const byNumber: TrialOrder = { key: 'number', descending: false };
    expect(nextTrialOrder(byNumber, 'number')).toEqual({ key: 'number', descending: true });
    expect(nextTrialOrder(byNumber, 'value')).toEqual({ key: 'value', descending: true });
    expect(nextTrialOrder(byNumber, 'status')).toEqual({ key: 'status', descending: false });
    expect(nextTrialOrder({ key: 'value', descending: true }, 'value')).toEqual({ key: 'value', descending: false });
  });
});

describe('sortTrials', () => {
  const valueOf = (trial: TrialRecord) => trial.metrics?.[METRIC];

  it('returns the same trials, without changing its input', () => {
    fc.assert(
      fc.property(trialsArbitrary, orderArbitrary, (trials, order) => {
        const before = trials.map((t) => t.number);
        const sorted = sortTrials(trials, order, METRIC);
        expect(trials.map((t) => t.number)).toEqual(before);
        expect(sorted.map((t) => t.number).sort((a, b) => a - b)).toEqual(before);
      }),
    );
  });

  it('orders values either way, puts trials without a value last, and breaks ties by trial number', () => {
    fc.assert(
      fc.property(trialsArbitrary, fc.boolean(), (trials, descending) => {
        const sorted = sortTrials(trials, { key: 'value', descending }, METRIC);
        const firstMissing = sorted.findIndex((t) => valueOf(t) === undefined);
        if (firstMissing >= 0) expect(sorted.slice(firstMissing).every((t) => valueOf(t) === undefined)).toBe(true);
        for (let i = 1; i < sorted.length; i++) {
          const [a, b] = [sorted[i - 1]!, sorted[i]!];
          const [va, vb] = [valueOf(a), valueOf(b)];
          if (va === undefined || vb === undefined || va === vb) {
            if ((va === undefined) === (vb === undefined)) expect(a.number).toBeLessThan(b.number);
          } else {
            expect(descending ? va > vb : va < vb).toBe(true);
          }
        }
      }),
    );
  });

  it('orders states by their life cycle, then by trial number', () => {
    const trials = [newTrial('S', 1, { status: 'SUCCEEDED' }), newTrial('S', 2, { status: 'PENDING' }), newTrial('S', 3, { status: 'SUCCEEDED' }), newTrial('S', 4, { status: 'RUNNING' })];
    expect(sortTrials(trials, { key: 'status', descending: false }, METRIC).map((t) => t.number)).toEqual([2, 4, 1, 3]);
    expect(sortTrials(trials, { key: 'status', descending: true }, METRIC).map((t) => t.number)).toEqual([1, 3, 4, 2]);
  });
});
