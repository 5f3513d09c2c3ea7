import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParetoSection } from '../../../src/api/dashboard/pareto-chart.js';
import { frontStaircase, paretoScatter } from '../../../src/api/dashboard/pareto-geometry.js';
import type { TrialRecord } from '../../../src/search/records.js';
import type { Objective } from '../../../src/search/spec.js';
import { newTrial } from '../../helpers/records.js';

const ACCURACY: Objective = { metric: 'acc', direction: 'maximize' };
const PARAMS: Objective = { metric: 'params', direction: 'minimize' };
const LATENCY: Objective = { metric: 'ms', direction: 'minimize' };

const succeeded = (number: number, metrics: Record<string, number>) => newTrial('S', number, { status: 'SUCCEEDED', metrics });

/** `a` is at least as good as `b` in every objective and better in one (in the objectives' own units). */
function dominates(a: TrialRecord, b: TrialRecord, objectives: readonly Objective[]): boolean {
  const better = objectives.map((o) => (o.direction === 'maximize' ? 1 : -1) * (a.metrics![o.metric]! - b.metrics![o.metric]!));
  return better.every((d) => d >= 0) && better.some((d) => d > 0);
}

const trialsArbitrary = fc
  .array(fc.record({ acc: fc.integer({ min: 10, max: 95 }), params: fc.integer({ min: 1, max: 20 }), ms: fc.integer({ min: 1, max: 9 }) }), { minLength: 1, maxLength: 40 })
  .map((rows) => rows.map((metrics, i) => succeeded(i + 1, metrics)));

describe('paretoScatter', () => {
  it('has nothing to draw for a single objective', () => {
    expect(paretoScatter([succeeded(1, { acc: 90, params: 1 })], [ACCURACY])).toBeUndefined();
  });

  it('splits the succeeded trials into the non-dominated front and the dominated rest', () => {
    fc.assert(
      fc.property(trialsArbitrary, fc.constantFrom([ACCURACY, PARAMS], [ACCURACY, PARAMS, LATENCY]), (trials, objectives) => {
        const scatter = paretoScatter(trials, objectives)!;
        const byNumber = new Map(trials.map((t) => [t.number, t]));
        const front = scatter.front.map((p) => byNumber.get(p.trialNumber)!);
        const rest = scatter.dominated.map((p) => byNumber.get(p.trialNumber)!);
        expect(front.length + rest.length).toBe(trials.length);
        for (const f of front) expect(trials.some((t) => dominates(t, f, objectives))).toBe(false);
        for (const r of rest) expect(front.some((f) => dominates(f, r, objectives))).toBe(true);
        expect(scatter.frontTrials.map((t) => t.number)).toEqual(scatter.front.map((p) => p.trialNumber));
      }),
    );
  });

  it('draws the first objective upwards and the second across, and names what it leaves out', () => {
    const trials = [succeeded(1, { acc: 90, params: 1.5, ms: 4 })];
    const two = paretoScatter(trials, [ACCURACY, PARAMS])!;
    expect(two).toMatchObject({ yObjective: ACCURACY, xObjective: PARAMS, unplotted: [], front: [{ x: 1.5, y: 90, trialNumber: 1 }] });
    const three = paretoScatter(trials, [ACCURACY, PARAMS, LATENCY])!;
    expect(three.unplotted).toEqual([LATENCY]);
    // The projection of a three-objective front is no staircase.
    expect(three.staircase).toEqual([]);
  });

  it('leaves out trials that did not succeed or miss an objective', () => {
    const trials = [
      succeeded(1, { acc: 90, params: 2 }),
      succeeded(2, { acc: 95 }),
      newTrial('S', 3, { status: 'FAILED', metrics: { acc: 99, params: 0.1 } }),
      newTrial('S', 4, { status: 'RUNNING' }),
    ];
    const scatter = paretoScatter(trials, [ACCURACY, PARAMS])!;
    expect(scatter.front.map((p) => p.trialNumber)).toEqual([1]);
    expect(scatter.dominated).toEqual([]);
  });
});

describe('frontStaircase', () => {
  it('joins a two-objective front from its worst to its best value of the horizontal objective, turning at the corners it dominates', () => {
    const front = [
      { x: 1.2, y: 94 },
      { x: 0.4, y: 88 },
      { x: 0.8, y: 91 },
    ];
    // params (minimize) across: worst (largest) first.
    expect(frontStaircase(front, PARAMS)).toEqual([
      { x: 1.2, y: 94 },
      { x: 1.2, y: 91 },
      { x: 0.8, y: 91 },
      { x: 0.8, y: 88 },
      { x: 0.4, y: 88 },
    ]);
    // The same front with a maximised horizontal objective starts from the smallest value.
    expect(frontStaircase(front, ACCURACY).at(0)).toEqual({ x: 0.4, y: 88 });
  });

  it('passes through every front point and moves along one axis at a time', () => {
    fc.assert(
      fc.property(trialsArbitrary, (trials) => {
        const scatter = paretoScatter(trials, [ACCURACY, PARAMS])!;
        const steps = scatter.staircase.map(({ x, y }) => ({ x, y }));
        expect(steps.length).toBe(Math.max(0, 2 * scatter.front.length - 1));
        for (const point of scatter.front) expect(steps).toContainEqual({ x: point.x, y: point.y });
        for (let i = 1; i < steps.length; i++) expect(steps[i]!.x === steps[i - 1]!.x || steps[i]!.y === steps[i - 1]!.y).toBe(true);
      }),
    );
  });
});

describe('ParetoSection', () => {
  it('draws a dot per front trial, one dimmed path for the rest, and a table row per front trial', () => {
    const trials = [
      succeeded(1, { acc: 94, params: 1.2 }),
      succeeded(2, { acc: 88, params: 0.4 }),
      succeeded(3, { acc: 80, params: 1.0 }),
      succeeded(4, { acc: 85, params: 1.5 }),
    ];
    const html = String(ParetoSection({ scatter: paretoScatter(trials, [ACCURACY, PARAMS])! }));
    expect(html.match(/<circle /g)).toHaveLength(2);
    expect(html.match(/data-trial="(\d+)"><title>/g)!.map((m) => m.match(/\d+/)![0])).toEqual(['1', '2']);
    const dominated = /<path class="dominated" d="([^"]+)"/.exec(html)![1]!;
    expect(dominated.match(/h0/g)).toHaveLength(2);
    expect(html).toContain('acc (maximize, better ↑)');
    expect(html).toContain('params (minimize, better ←)');
    expect(html.match(/<tr data-trial=/g)).toHaveLength(2);
  });

  it('says when it plots only the first two of more objectives', () => {
    const trials = [succeeded(1, { acc: 94, params: 1.2, ms: 3 }), succeeded(2, { acc: 88, params: 0.4, ms: 9 })];
    const html = String(ParetoSection({ scatter: paretoScatter(trials, [ACCURACY, PARAMS, LATENCY])! }));
    expect(html).toContain('all 3 objectives');
    expect(html).toContain('ms not drawn');
    expect(html).not.toContain('class="front-line"');
  });

  /** The circles of the front: [trial number, cx, cy, pinned]. */
  const frontCircles = (html: string) =>
    [...html.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="4.5" data-trial="(\d+)"( class="pinned")?/g)].map((m) => [Number(m[3]), Number(m[1]), Number(m[2]), Boolean(m[4])] as const);

  it('pins a broken cell on the front to the end of the first objective axis, hollow, as the progress charts do', () => {
    // 10 % accuracy with the fewest parameters: on the front; the other trials cluster at 90-94 %.
    const trials = [succeeded(1, { acc: 10, params: 0.01 }), ...Array.from({ length: 10 }, (_, i) => succeeded(i + 2, { acc: 90 + i * 0.4, params: 1 + i * 0.1 }))];
    const html = String(ParetoSection({ scatter: paretoScatter(trials, [ACCURACY, PARAMS])! }));
    expect(html).toContain('outliers drawn on the axis');
    const circles = frontCircles(html);
    expect(circles).toHaveLength(11);
    expect(circles.filter(([, , , pinned]) => pinned).map(([n]) => n)).toEqual([1]);
    const broken = circles.find(([n]) => n === 1)!;
    expect(Math.max(...circles.map(([, , cy]) => cy))).toBe(broken[2]);
  });

  it('never pins a front trial on the second objective axis, where the best trials by the first often lie furthest', () => {
    // Params grow with accuracy; the two largest (and most accurate) are the tail a quantile would cut off.
    const trials = Array.from({ length: 10 }, (_, i) => succeeded(i + 1, { acc: 90 + i, params: i === 9 ? 50 : 1 + i }));
    const html = String(ParetoSection({ scatter: paretoScatter(trials, [ACCURACY, PARAMS])! }));
    const circles = frontCircles(html);
    expect(circles).toHaveLength(10);
    expect(circles.every(([, , , pinned]) => !pinned)).toBe(true);
    expect(new Set(circles.map(([, cx]) => cx)).size).toBe(10);
  });

  it('draws a dominated outlier on the end of the axis, and says so', () => {
    const trials = [...Array.from({ length: 10 }, (_, i) => succeeded(i + 1, { acc: 90 + i * 0.4, params: 1 + i * 0.1 })), succeeded(11, { acc: 10, params: 2 })];
    expect(String(ParetoSection({ scatter: paretoScatter(trials, [ACCURACY, PARAMS])! }))).toContain('outliers drawn on the axis');
  });
});
