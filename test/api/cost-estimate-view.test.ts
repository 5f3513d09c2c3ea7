import { describe, expect, it } from 'vitest';
import { toCostEstimateView } from '../../src/api/views.js';
import { estimateSearchCost } from '../../src/cost/estimate.js';
import type { JobInstance } from '../../src/cost/prices.js';

describe('toCostEstimateView', () => {
  it.each([
    [{ kind: 'ec2', type: 'g4dn.xlarge', market: 'spot' }, 'EC2 g4dn.xlarge, spot'],
    [{ kind: 'fargate', vcpu: 0.5, memoryGiB: 1, market: 'on-demand' }, 'Fargate 0.5 vCPU / 1 GiB, on-demand'],
  ] as [JobInstance, string][])('names the machine priced (%o) and carries the estimate over', (instance, described) => {
    const estimate = estimateSearchCost({ maxTrialCount: 50, parallelTrialCount: 5, expectedTrialSeconds: 600, instance });
    expect(toCostEstimateView(estimate, instance)).toEqual({
      usd: estimate.usd,
      usdPerTrial: estimate.breakdown.usdPerTrial,
      trialSeconds: 600,
      wallClockSeconds: 10 * 600,
      instance: described,
      basis: expect.stringContaining(estimate.breakdown.prices),
    });
  });
});
