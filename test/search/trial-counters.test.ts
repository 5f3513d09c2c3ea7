import { describe, expect, it } from 'vitest';
import { TRIAL_STATUSES } from '../../src/search/states.js';
import { countTrials, TRIAL_COUNTER_NAMES } from '../../src/search/trial-counters.js';

describe('trial status counters', () => {
  it('have one camelCase counter per trial status, in the order of the statuses', () => {
    expect(TRIAL_COUNTER_NAMES).toEqual(['pending', 'running', 'succeeded', 'earlyStopped', 'failed', 'stale', 'killed', 'infeasible']);
    expect(TRIAL_COUNTER_NAMES).toHaveLength(TRIAL_STATUSES.length);
  });

  it('count trials by status, with a zero for every status no trial is in', () => {
    expect(countTrials([])).toEqual({ pending: 0, running: 0, succeeded: 0, earlyStopped: 0, failed: 0, stale: 0, killed: 0, infeasible: 0 });
    const statuses = ['SUCCEEDED', 'EARLY_STOPPED', 'SUCCEEDED', 'STALE', 'RUNNING'] as const;
    expect(countTrials(statuses.map((status) => ({ status })))).toEqual({
      pending: 0, running: 1, succeeded: 2, earlyStopped: 1, failed: 0, stale: 1, killed: 0, infeasible: 0,
    });
  });
});
