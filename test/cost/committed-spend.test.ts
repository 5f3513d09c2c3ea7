import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capVerdict, committedSpend, newContainerUsd, trialPricing, type SpendTrial, type TrialPricing } from '../../src/cost/committed-spend.js';
import { GPU_ON_DEMAND_INSTANCE_TYPES, GPU_SPOT_INSTANCE_TYPES, JOB_PROFILES } from '../../src/cost/job-profiles.js';
import { DEFAULT_PRICES } from '../../src/cost/prices.js';
import type { AttemptSpan } from '../../src/search/attempt-spans.js';
import { TRIAL_STATUSES, isActiveTrial, type TrialStatus } from '../../src/search/states.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();
const TRAIN = trialPricing('train');
const BENCHMARK = trialPricing('benchmark');
/** A round pricing for hand-checked numbers: $3.60 an hour is $0.001 a second. */
const ROUND: TrialPricing = { usdPerHour: 3.6, overheadSeconds: 100, expectedTrialSeconds: 1000, minimumBilledSeconds: 60, marginSeconds: 120 };

describe('trialPricing', () => {
  it('GIVEN the GPU queue WHEN pricing a container THEN it takes the dearest on-demand rate of every type the queue may launch, and counts boot, pull and idle tail', () => {
    const rates = [...GPU_SPOT_INSTANCE_TYPES, ...GPU_ON_DEMAND_INSTANCE_TYPES].map((type) => DEFAULT_PRICES.ec2[type]!.onDemandPerHour);
    expect(TRAIN.usdPerHour).toBe(Math.max(...rates));
    for (const type of GPU_SPOT_INSTANCE_TYPES) expect(DEFAULT_PRICES.ec2[type]!.spotPerHour).toBeLessThanOrEqual(TRAIN.usdPerHour);
    const { bootSeconds, imagePullSeconds, idleSeconds } = JOB_PROFILES.train.overhead;
    expect(TRAIN.overheadSeconds).toBe(bootSeconds + imagePullSeconds + idleSeconds);
    expect(TRAIN.expectedTrialSeconds).toBe(JOB_PROFILES.train.expectedTrialSeconds);
  });

  it('GIVEN the Fargate queue WHEN pricing a container THEN it is the on-demand rate of the task size (Fargate Spot is never dearer)', () => {
    const { vcpu, memoryGiB } = JOB_PROFILES.benchmark.instance;
    expect(BENCHMARK.usdPerHour).toBeCloseTo(vcpu * DEFAULT_PRICES.fargate.perVcpuHour + memoryGiB * DEFAULT_PRICES.fargate.perGiBHour, 12);
  });
});

describe('committedSpend', () => {
  it('GIVEN a finished, a running and a queued trial WHEN accounted THEN each is billed its overhead and run, running ones to their expected end, queued ones a whole trial', () => {
    const trials: SpendTrial[] = [
      { number: 1, status: 'SUCCEEDED', startedAt: iso(0), finishedAt: iso(500) },
      { number: 2, status: 'RUNNING', startedAt: iso(200) },
      { number: 3, status: 'PENDING' },
    ];
    const spend = committedSpend(trials, ROUND, at(600));
    expect(spend.trials.map((t) => [t.state, round(t.spentUsd), round(t.committedUsd)])).toEqual([
      ['finished', 0.6, 0.6], // 100 s overhead + 500 s run
      ['running', 0.5, 1.1], // 100 + 400 so far; 100 + 1000 expected
      ['queued', 0, 1.1],
    ]);
    expect(round(spend.spentUsd)).toBe(1.1);
    expect(round(spend.committedUsd)).toBe(2.8);
  });

  it('GIVEN a trial retried after a Spot interruption and a stale attempt WHEN accounted THEN every container is counted, not only the last', () => {
    const pastAttempts: AttemptSpan[] = [
      { attempt: 1, startedAt: iso(0), endedAt: iso(300), endedBy: 'spot-reclaim' },
      { attempt: 1, startedAt: iso(400), endedAt: iso(700), endedBy: 'stale' },
      { attempt: 2, endedAt: iso(800), endedBy: 'lost' }, // never started: no instance of its own
    ];
    const [share] = committedSpend([{ number: 1, status: 'SUCCEEDED', startedAt: iso(900), finishedAt: iso(1100), pastAttempts }], ROUND, at(2000)).trials;
    expect(round(share!.spentUsd)).toBe(0.4 + 0.4 + 0.3);
  });

  it('GIVEN a running trial past its expected time WHEN accounted THEN it stays committed to one margin more', () => {
    const [share] = committedSpend([{ number: 1, status: 'RUNNING', startedAt: iso(0) }], ROUND, at(5000)).trials;
    expect(round(share!.committedUsd - share!.spentUsd)).toBe(0.12);
  });

  it('GIVEN a short container WHEN accounted THEN it is billed the minimum', () => {
    const pricing = { ...ROUND, overheadSeconds: 0 };
    expect(round(committedSpend([{ number: 1, status: 'FAILED', startedAt: iso(0), finishedAt: iso(5) }], pricing, at(10)).spentUsd)).toBe(0.06);
    expect(committedSpend([{ number: 1, status: 'FAILED' }], pricing, at(10)).spentUsd).toBe(0);
  });

  describe('properties', () => {
    it('spend is never negative, committed is never below spent, and spent never falls as time passes', () => {
      fc.assert(
        fc.property(trialsArb, fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 5_000 }), pricingArb, (trials, now, later, pricing) => {
          const before = committedSpend(trials, pricing, at(now));
          const after = committedSpend(trials, pricing, at(now + later));
          expect(before.spentUsd).toBeGreaterThanOrEqual(0);
          for (const share of before.trials) {
            expect(share.committedUsd).toBeGreaterThanOrEqual(share.spentUsd - 1e-12);
            expect(share.killedUsd).toBeGreaterThanOrEqual(share.spentUsd - 1e-12);
            expect(share.killedUsd).toBeLessThanOrEqual(share.committedUsd + 1e-12);
          }
          expect(after.spentUsd).toBeGreaterThanOrEqual(before.spentUsd - 1e-12);
        }),
      );
    });

    it('every attempt counts: recording one more ended container never lowers spent or committed', () => {
      fc.assert(
        fc.property(trialsArb, spanArb, fc.integer({ min: 0, max: 20_000 }), pricingArb, (trials, span, now, pricing) => {
          fc.pre(trials.length > 0);
          const more = trials.map((trial, index) => (index === 0 ? { ...trial, pastAttempts: [...(trial.pastAttempts ?? []), span] } : trial));
          const base = committedSpend(trials, pricing, at(now));
          const withSpan = committedSpend(more, pricing, at(now));
          expect(withSpan.spentUsd).toBeGreaterThanOrEqual(base.spentUsd - 1e-12);
          expect(withSpan.committedUsd).toBeGreaterThanOrEqual(base.committedUsd - 1e-12);
        }),
      );
    });
  });
});

describe('capVerdict', () => {
  it('GIVEN room for two more trials WHEN judged THEN two may start and nothing is killed', () => {
    const verdict = capVerdict({ maxCostUsd: 1.1 * 2 + 0.6 + 0.01, trials: [{ number: 1, status: 'SUCCEEDED', startedAt: iso(0), finishedAt: iso(500) }], pricing: ROUND, now: at(600) });
    expect(verdict).toMatchObject({ startable: 2, kill: [], exhausted: false });
  });

  it('GIVEN committed spend past the cap WHEN judged THEN queued trials are dropped before running ones, and only as many as needed', () => {
    const trials: SpendTrial[] = [
      { number: 1, status: 'RUNNING', startedAt: iso(0) },
      { number: 2, status: 'RUNNING', startedAt: iso(500) },
      { number: 3, status: 'PENDING' },
      { number: 4, status: 'PENDING' },
    ];
    // committed: #1 1.1, #2 1.1, #3 1.1, #4 1.1 = 4.4; spent at 600 s: #1 0.7, #2 0.2
    const dropQueued = capVerdict({ maxCostUsd: 2.3, trials, pricing: ROUND, now: at(600) });
    expect(dropQueued.kill).toEqual([4, 3]);
    expect(dropQueued.exhausted).toBe(true);
    expect(dropQueued.message).toMatch(/^BudgetExhausted: spent \$0\.90, committed \$4\.40 of maxCostUsd \$2\.30; stopping 2 trials/);
    // Below what the two running ones commit: the one with more still ahead of it (#2) goes.
    const dropRunning = capVerdict({ maxCostUsd: 1.9, trials, pricing: ROUND, now: at(600) });
    expect(dropRunning.kill).toEqual([4, 3, 2]);
    expect(dropRunning.committedAfterKillsUsd).toBeLessThanOrEqual(1.9);
  });

  it('GIVEN spend folded into the search record already WHEN judged THEN it counts against the cap', () => {
    const verdict = capVerdict({ maxCostUsd: 2, foldedSpentUsd: 1.5, trials: [{ number: 9, status: 'PENDING' }], pricing: ROUND, now: at(0) });
    expect(verdict.kill).toEqual([9]);
    expect(verdict.spentUsd).toBe(1.5);
  });

  describe('properties', () => {
    it('after its kills, committed spend is within the cap, or nothing is left to kill', () => {
      fc.assert(
        fc.property(trialsArb, fc.integer({ min: 0, max: 20_000 }), fc.double({ min: 0.01, max: 50, noNaN: true }), pricingArb, (trials, now, cap, pricing) => {
          const verdict = capVerdict({ maxCostUsd: cap, trials, pricing, now: at(now) });
          const active = committedSpend(trials, pricing, at(now)).trials.filter((t) => t.state !== 'finished').map((t) => t.number);
          if (verdict.committedAfterKillsUsd > cap + 1e-9) expect([...verdict.kill].sort()).toEqual([...active].sort());
          expect(verdict.startable * newContainerUsd(pricing)).toBeLessThanOrEqual(Math.max(0, cap - verdict.committedAfterKillsUsd) + 1e-9);
          expect(new Set(verdict.kill).size).toBe(verdict.kill.length);
          // Queued trials go before running ones.
          const states = new Map(committedSpend(trials, pricing, at(now)).trials.map((t) => [t.number, t.state]));
          const firstRunning = verdict.kill.findIndex((n) => states.get(n) === 'running');
          if (firstRunning >= 0) expect(verdict.kill.slice(firstRunning).every((n) => states.get(n) === 'running')).toBe(true);
        }),
      );
    });

    it('the hard cap: applied, and looked at again within the margin, the search is never billed past the cap it was within', () => {
      fc.assert(
        fc.property(
          trialsArb,
          fc.integer({ min: 0, max: 20_000 }),
          fc.double({ min: 0, max: 1.3, noNaN: true }),
          pricingArb,
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
          (trials, now, capShare, pricing, lookAgain, queuedStarts) => {
            // Caps near what is spent and committed, where kills and refusals happen.
            const { spentUsd, committedUsd } = committedSpend(trials, pricing, at(now));
            const cap = Math.max(0.001, spentUsd + capShare * (committedUsd - spentUsd), capShare * committedUsd);
            const verdict = capVerdict({ maxCostUsd: cap, trials, pricing, now: at(now) });
            fc.pre(verdict.spentUsd <= cap);
            const delta = lookAgain * pricing.marginSeconds;
            const later = now + delta;
            const killed = new Set(verdict.kill);
            let queuedIndex = 0;
            // What happens until the next look: survivors run on, queued survivors may start any time,
            // killed running containers bill until the terminate lands (within the margin), killed queued ones never start.
            const continued: SpendTrial[] = trials.map((trial) => {
              if (!isActiveTrial(trial.status)) return trial;
              if (killed.has(trial.number)) {
                return trial.startedAt ? { ...trial, status: 'KILLED', finishedAt: iso(later) } : { ...trial, status: 'KILLED' };
              }
              if (trial.startedAt) return trial;
              const startsAt = now + (queuedStarts[queuedIndex++ % Math.max(1, queuedStarts.length)] ?? 0) * delta;
              return { ...trial, status: 'RUNNING', startedAt: iso(startsAt) };
            });
            const fresh: SpendTrial[] = Array.from({ length: Math.min(verdict.startable, 20) }, (_, i) => ({ number: 1000 + i, status: 'RUNNING', startedAt: iso(now) }));
            const billed = committedSpend([...continued, ...fresh], pricing, at(later)).spentUsd;
            if (verdict.committedAfterKillsUsd <= cap + 1e-9) expect(billed).toBeLessThanOrEqual(cap + 1e-9);
          },
        ),
        { numRuns: 500 },
      );
    });
  });
});

function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

const pricingArb: fc.Arbitrary<TrialPricing> = fc.record({
  usdPerHour: fc.double({ min: 0.01, max: 5, noNaN: true }),
  overheadSeconds: fc.integer({ min: 0, max: 900 }),
  expectedTrialSeconds: fc.integer({ min: 1, max: 7200 }),
  minimumBilledSeconds: fc.constantFrom(0, 60),
  marginSeconds: fc.integer({ min: 0, max: 300 }),
});

const spanArb: fc.Arbitrary<AttemptSpan> = fc
  .tuple(fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }), fc.integer({ min: 0, max: 5_000 }), fc.constantFrom<AttemptSpan['endedBy']>('spot-reclaim', 'stale', 'lost'))
  .map(([start, length, endedBy]) => ({ attempt: 1, ...(start === undefined ? {} : { startedAt: iso(start) }), endedAt: iso((start ?? 0) + length), endedBy }));

const trialArb = (number: number): fc.Arbitrary<SpendTrial> =>
  fc
    .tuple(fc.constantFrom<TrialStatus>(...TRIAL_STATUSES), fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }), fc.integer({ min: 0, max: 10_000 }), fc.array(spanArb, { maxLength: 3 }))
    .map(([status, start, length, pastAttempts]) => ({
      number,
      status,
      ...(start === undefined ? {} : { startedAt: iso(start) }),
      ...(start !== undefined && !isActiveTrial(status) ? { finishedAt: iso(start + length) } : {}),
      ...(pastAttempts.length > 0 ? { pastAttempts } : {}),
    }));

const trialsArb: fc.Arbitrary<SpendTrial[]> = fc.integer({ min: 0, max: 8 }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => trialArb(i + 1))));
