import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationAxis, linearScale, niceTicks, quantile, valueRange } from '../../../src/api/dashboard/chart-geometry.js';

/** Metric values: finite, and no subnormal numbers (whose halves underflow to 0). */
const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).filter((v) => v === 0 || Math.abs(v) > 1e-300);

describe('niceTicks', () => {
  it('covers the range with evenly spaced steps of 1, 2 or 5 times a power of ten', () => {
    fc.assert(
      fc.property(finite, finite, (a, b) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const ticks = niceTicks(min, max);
        expect(ticks[0]!).toBeLessThanOrEqual(min);
        expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max);
        const step = ticks[1]! - ticks[0]!;
        expect(step).toBeGreaterThan(0);
        const mantissa = step / 10 ** Math.floor(Math.log10(step));
        expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
        for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBeCloseTo(step, 6);
      }),
    );
  });

  it('gives about as many ticks as asked for', () => {
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(93.1, 94.05, 5)).toEqual([93, 93.2, 93.4, 93.6, 93.8, 94, 94.2]);
  });

  it('prints decimal steps without binary noise', () => {
    expect(niceTicks(0, 0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it('widens a single value into a range around it', () => {
    const ticks = niceTicks(42, 42);
    expect(ticks[0]!).toBeLessThan(42);
    expect(ticks.at(-1)!).toBeGreaterThan(42);
    expect(niceTicks(0, 0).length).toBeGreaterThan(1);
  });
});

describe('linearScale', () => {
  it('maps the domain ends onto the range ends, also onto a reversed range (SVG y grows downwards)', () => {
    const y = linearScale([10, 20], [300, 100]);
    expect(y(10)).toBe(300);
    expect(y(20)).toBe(100);
    expect(y(15)).toBe(200);
    expect(y(25)).toBe(0);
  });
});

describe('durationAxis', () => {
  it('labels every tick in one unit chosen by the span', () => {
    expect(durationAxis(0, 90).format(60)).toBe('60 s');
    const hours = durationAxis(0, 5 * 3600);
    expect(hours.ticks.every((tick) => hours.format(tick).endsWith(' h'))).toBe(true);
    expect(hours.ticks.at(-1)!).toBeGreaterThanOrEqual(5 * 3600);
    expect(durationAxis(0, 10 * 86_400).format(86_400)).toBe('1 d');
    expect(durationAxis(0, 600).format(120)).toBe('2 min');
  });
});

describe('quantile and valueRange', () => {
  const values = [10, 90, 91, 92, 93, 94, 95, 96, 97, 98];

  it('quantile is the nearest-rank value', () => {
    expect(quantile(values, 0)).toBe(10);
    expect(quantile(values, 0.1)).toBe(90);
    expect(quantile(values, 1)).toBe(98);
  });

  it('leaves out the worst tail only, on the side the direction makes worse', () => {
    expect(valueRange(values, 'maximize', 0.1)).toEqual([90, 98]);
    const latencies = [1, 2, 3, 4, 5, 6, 7, 8, 9, 500];
    expect(valueRange(latencies, 'minimize', 0.1)).toEqual([1, 9]);
    expect(valueRange(values, 'maximize', 0)).toEqual([10, 98]);
  });
});

describe('niceTicks on a span narrower than its printed precision', () => {
  it('still gives distinct ticks around the value', () => {
    const ticks = niceTicks(93.95, 93.95 + 1e-13);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks[0]!).toBeLessThan(93.95);
    expect(ticks.at(-1)!).toBeGreaterThan(93.95);
  });
});
