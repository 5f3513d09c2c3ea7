import { describe, expect, it } from 'vitest';
import { formatDuration, formatMetric, formatTick, formatTimestamp } from '../../../src/api/dashboard/format.js';

describe('formatMetric', () => {
  it('keeps at most four decimals and groups thousands', () => {
    expect(formatMetric(93.95)).toBe('93.95');
    expect(formatMetric(0.123456)).toBe('0.1235');
    expect(formatMetric(1_234_567)).toBe('1,234,567');
    expect(formatMetric(-2.5)).toBe('-2.5');
  });
});

describe('formatDuration', () => {
  it('picks the unit that keeps the number readable', () => {
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(119)).toBe('119 s');
    expect(formatDuration(120)).toBe('2.0 min');
    expect(formatDuration(750)).toBe('12.5 min');
    expect(formatDuration(2 * 3600)).toBe('2.0 h');
    expect(formatDuration(11.9 * 3600)).toBe('11.9 h');
    expect(formatDuration(3.2 * 86_400)).toBe('3.2 d');
  });
});

describe('formatTimestamp', () => {
  it('writes the UTC minute of an ISO timestamp', () => {
    expect(formatTimestamp('2026-11-23T20:36:59.123Z')).toBe('2026-11-23 20:36 UTC');
  });
});

describe('formatTick', () => {
  it('writes large values compactly, so that they fit beside a chart, and others like metrics', () => {
    expect(formatTick(800_000)).toBe('800K');
    expect(formatTick(1_250_000)).toBe('1.3M');
    expect(formatTick(-20_000)).toBe('-20K');
    expect(formatTick(9_999)).toBe('9,999');
    expect(formatTick(93.25)).toBe('93.25');
  });
});
