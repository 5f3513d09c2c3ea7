import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttemptSpan } from '../../src/search/attempt-spans.js';
import { attemptVerdict, attemptsMade, maxTrialAttemptsOf, totalAttempts, withClosedAttempt } from '../../src/search/attempts.js';
import { DEFAULT_MAX_TRIAL_ATTEMPTS, SearchSpecSchema } from '../../src/search/spec.js';
import { testSpec } from '../helpers/records.js';

const span = (attempt: number, endedBy: AttemptSpan['endedBy']): AttemptSpan => ({ attempt, startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:10:00.000Z', endedBy });

describe('budget.maxTrialAttempts', () => {
  it('GIVEN a spec without it WHEN read THEN it is 3; one with it is validated (1-10)', () => {
    expect(DEFAULT_MAX_TRIAL_ATTEMPTS).toBe(3);
    expect(maxTrialAttemptsOf(testSpec())).toBe(3);
    expect(maxTrialAttemptsOf(testSpec({ maxTrialAttempts: 5 }))).toBe(5);
    const spec = { ...testSpec(), budget: { maxTrialCount: 10, maxTrialAttempts: 0 } };
    expect(SearchSpecSchema.safeParse(spec).success).toBe(false);
    expect(SearchSpecSchema.safeParse({ ...spec, budget: { maxTrialCount: 10, maxTrialAttempts: 11 } }).success).toBe(false);
    expect(SearchSpecSchema.safeParse({ ...spec, budget: { maxTrialCount: 10, maxTrialAttempts: 2 } }).success).toBe(true);
  });
});

describe('attemptVerdict', () => {
  it('GIVEN a first attempt gone stale WHEN the limit is 3 THEN it is resubmitted as attempt 2', () => {
    expect(attemptVerdict({ attempt: 1 }, 3, 'stale')).toEqual({ retry: true, attempt: 2 });
  });

  it('GIVEN a Spot interruption WHEN Batch starts the same attempt again THEN the attempt number stays', () => {
    expect(attemptVerdict({ attempt: 1 }, 3, 'spot-reclaim')).toEqual({ retry: true, attempt: 1 });
  });

  it('GIVEN the third container ends without an outcome WHEN the limit is 3 THEN the trial fails, naming each attempt and the limit', () => {
    const trial = { attempt: 2, pastAttempts: [span(1, 'spot-reclaim'), span(1, 'stale')] };
    expect(attemptVerdict(trial, 3, 'stale')).toEqual({
      retry: false,
      error: { message: 'gave up after 3 attempts (budget.maxTrialAttempts 3): #1 Spot interruption, #2 no heartbeat, #3 no heartbeat', retryable: false },
    });
  });

  it('GIVEN a trial resubmitted before spans were recorded WHEN judged THEN its attempt number still counts', () => {
    expect(attemptsMade({ attempt: 3 })).toBe(3);
    expect(attemptVerdict({ attempt: 3 }, 3).retry).toBe(false);
  });

  it('GIVEN a limit of 1 WHEN the first container ends THEN there is no retry', () => {
    expect(attemptVerdict({ attempt: 1 }, 1, 'spot-reclaim')).toMatchObject({ retry: false });
    expect(() => attemptVerdict({ attempt: 1 }, 0)).toThrow(RangeError);
  });

  it('property: however the attempts ended, no trial takes more containers than the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(fc.constantFrom<AttemptSpan['endedBy']>('spot-reclaim', 'stale', 'lost'), { maxLength: 20 }), (max, endings) => {
        let trial: { attempt: number; pastAttempts?: readonly AttemptSpan[] } = { attempt: 1 };
        let containers = 1;
        for (const endedBy of endings) {
          const verdict = attemptVerdict(trial, max, endedBy);
          if (!verdict.retry) break;
          trial = { attempt: verdict.attempt, pastAttempts: withClosedAttempt({ ...trial, startedAt: '2026-01-01T00:00:00.000Z' }, endedBy, new Date(0)) };
          containers++;
        }
        expect(containers).toBeLessThanOrEqual(max);
        expect(attemptsMade(trial)).toBe(containers);
      }),
    );
  });
});

describe('withClosedAttempt', () => {
  it('GIVEN a running attempt WHEN closed THEN its span keeps when it started and when it ended', () => {
    const spans = withClosedAttempt({ attempt: 2, startedAt: '2026-01-01T00:00:00.000Z', pastAttempts: [span(1, 'stale')] }, 'stale', new Date('2026-01-01T00:05:00.000Z'));
    expect(spans).toEqual([span(1, 'stale'), { attempt: 2, startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T00:05:00.000Z', endedBy: 'stale' }]);
  });

  it('GIVEN trials of a search WHEN counted THEN the attempts counter sums their containers', () => {
    expect(totalAttempts([{ attempt: 1 }, { attempt: 2, pastAttempts: [span(1, 'lost')] }, { attempt: 1, pastAttempts: [span(1, 'spot-reclaim'), span(1, 'spot-reclaim')] }])).toBe(6);
  });
});
