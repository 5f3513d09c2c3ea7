import { describe, expect, it } from 'vitest';
import {
  billedSeconds,
  checkCostLimit,
  estimateForEvaluator,
  estimateSearchCost,
} from '../../src/cost/estimate.js';
import { GPU_ON_DEMAND_INSTANCE_TYPES, GPU_SPOT_INSTANCE_TYPES, JOB_PROFILES, jobKindOf } from '../../src/cost/job-profiles.js';
import { DEFAULT_PRICES, hourlyPrice, type JobInstance, type PriceTable } from '../../src/cost/prices.js';

const G4DN: JobInstance = { kind: 'ec2', type: 'g4dn.xlarge', market: 'on-demand' };
const G4DN_SPOT: JobInstance = { kind: 'ec2', type: 'g4dn.xlarge', market: 'spot' };
const FARGATE: JobInstance = { kind: 'fargate', vcpu: 1, memoryGiB: 2, market: 'on-demand' };

describe('hourlyPrice', () => {
  it('reads EC2 prices by type and market, and prices Fargate per vCPU and GiB', () => {
    expect(hourlyPrice(G4DN)).toBe(0.526);
    expect(hourlyPrice(G4DN_SPOT)).toBe(0.21);
    expect(hourlyPrice(FARGATE)).toBeCloseTo(0.04048 + 2 * 0.004445, 10);
    expect(hourlyPrice({ ...FARGATE, market: 'spot' })).toBeCloseTo(0.012144 + 2 * 0.0013335, 10);
  });

  it('refuses an instance the table does not price, naming those it does', () => {
    expect(() => hourlyPrice({ kind: 'ec2', type: 'p5.48xlarge', market: 'spot' })).toThrow(/p5\.48xlarge.*g4dn\.xlarge/);
    expect(() => hourlyPrice({ ...FARGATE, vcpu: 0 })).toThrow(RangeError);
  });

  it('takes another price table (region, discount, today’s Spot level)', () => {
    const frankfurt: PriceTable = { ...DEFAULT_PRICES, region: 'eu-central-1', ec2: { 'g4dn.xlarge': { ...DEFAULT_PRICES.ec2['g4dn.xlarge']!, onDemandPerHour: 0.658 } } };
    expect(hourlyPrice(G4DN, frankfurt)).toBe(0.658);
  });

  it('prices every instance type the stack can launch', () => {
    for (const type of [...GPU_SPOT_INSTANCE_TYPES, ...GPU_ON_DEMAND_INSTANCE_TYPES]) {
      expect(DEFAULT_PRICES.ec2[type]!.spotPerHour).toBeLessThan(DEFAULT_PRICES.ec2[type]!.onDemandPerHour);
    }
    // The user's own workers (the external evaluator) are the one machine the service does not bill.
    for (const profile of Object.values(JOB_PROFILES)) expect(hourlyPrice(profile.instance) > 0).toBe(profile.instance.kind !== 'external');
  });
});

describe('billedSeconds', () => {
  it('bills per second with a one-minute minimum, and nothing for a job that never ran', () => {
    expect(billedSeconds(0)).toBe(0);
    expect(billedSeconds(0.4)).toBe(60);
    expect(billedSeconds(60.2)).toBe(61);
    expect(() => billedSeconds(-1)).toThrow(RangeError);
  });
});

describe('estimateSearchCost', () => {
  it('prices every trial once and reports how long the search takes at its parallelism', () => {
    const estimate = estimateSearchCost({ maxTrialCount: 100, parallelTrialCount: 8, expectedTrialSeconds: 1800, instance: G4DN });
    expect(estimate).toEqual({
      usd: 26.3,
      breakdown: {
        trials: 100,
        billedSecondsPerTrial: 1800,
        usdPerHour: 0.526,
        usdPerTrial: 0.263,
        wallClockSeconds: 13 * 1800,
        market: 'on-demand',
        prices: 'us-east-1, 2025',
      },
    });
  });

  it('does not depend on parallelism', () => {
    const serial = estimateSearchCost({ maxTrialCount: 64, parallelTrialCount: 1, expectedTrialSeconds: 600, instance: G4DN_SPOT });
    const parallel = estimateSearchCost({ maxTrialCount: 64, parallelTrialCount: 64, expectedTrialSeconds: 600, instance: G4DN_SPOT });
    expect(parallel.usd).toBe(serial.usd);
    expect(parallel.breakdown.wallClockSeconds).toBe(600);
    expect(serial.breakdown.wallClockSeconds).toBe(64 * 600);
  });

  it('rounds up to the cent, so a cheap search is never estimated at $0', () => {
    const profile = JOB_PROFILES.benchmark;
    const one = estimateSearchCost({ maxTrialCount: 1, parallelTrialCount: 1, expectedTrialSeconds: profile.expectedTrialSeconds, instance: profile.instance });
    expect(one.usd).toBe(0.01);
    const hundred = estimateSearchCost({ maxTrialCount: 100, parallelTrialCount: 8, expectedTrialSeconds: profile.expectedTrialSeconds, instance: profile.instance });
    expect(hundred.usd).toBe(0.09); // 100 x 60 s x $0.04937/h = $0.0823
  });

  it('refuses counts that are not positive integers', () => {
    expect(() => estimateSearchCost({ maxTrialCount: 0, parallelTrialCount: 1, expectedTrialSeconds: 60, instance: G4DN })).toThrow(/maxTrialCount/);
    expect(() => estimateSearchCost({ maxTrialCount: 1, parallelTrialCount: 1.5, expectedTrialSeconds: 60, instance: G4DN })).toThrow(/parallelTrialCount/);
  });
});

describe('estimateForEvaluator', () => {
  it("prices a spec's trials on the machine its evaluator's jobs run on", () => {
    const budget = { maxTrialCount: 100, parallelTrialCount: 8 };
    expect(estimateForEvaluator({ evaluatorKind: 'benchmark', ...budget }).usd).toBe(0.09);
    expect(estimateForEvaluator({ evaluatorKind: 'train', ...budget })).toEqual(
      estimateSearchCost({ ...budget, expectedTrialSeconds: JOB_PROFILES.train.expectedTrialSeconds, instance: JOB_PROFILES.train.instance }),
    );
    expect(estimateForEvaluator({ evaluatorKind: 'train', ...budget }).usd).toBe(26.3);
    expect([jobKindOf('train'), jobKindOf('benchmark'), jobKindOf('predict')]).toEqual(['train', 'benchmark', 'benchmark']);
  });
});

describe('checkCostLimit', () => {
  const estimate = estimateSearchCost({ maxTrialCount: 100, parallelTrialCount: 8, expectedTrialSeconds: 1800, instance: G4DN });

  it('accepts an estimate within the limit, or no limit at all', () => {
    expect(checkCostLimit(estimate, 26.3)).toEqual({ ok: true });
    expect(checkCostLimit(estimate, undefined)).toEqual({ ok: true });
  });

  it('refuses one above it with both amounts and the prices used', () => {
    expect(checkCostLimit(estimate, 20)).toEqual({
      ok: false,
      message: 'estimated cost $26.30 (100 trials at $0.2630, us-east-1, 2025 prices) exceeds maxCostUsd $20.00: lower maxTrialCount or raise maxCostUsd',
    });
  });
});
