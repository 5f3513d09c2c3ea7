import { describe, expect, it } from 'vitest';
import { TRIALS_PER_WINDOW, windowAround, windowNumbers, windowUpTo } from '../../../src/api/dashboard/trial-window.js';

describe('the trial window a dashboard page reads', () => {
  it('is every trial of a small search, and none of an empty one', () => {
    expect(windowUpTo(12, undefined)).toEqual({ from: 1, to: 12, total: 12 });
    expect(windowNumbers(windowUpTo(0, undefined))).toEqual([]);
    expect(windowAround(12, 5)).toEqual({ from: 1, to: 12, total: 12 });
  });

  it('holds at most a window of a 10,000-trial search: the latest trials unasked, earlier ones on request', () => {
    expect(windowUpTo(10_000, undefined)).toEqual({ from: 10_000 - TRIALS_PER_WINDOW + 1, to: 10_000, total: 10_000 });
    expect(windowUpTo(10_000, '500')).toEqual({ from: 500 - TRIALS_PER_WINDOW + 1, to: 500, total: 10_000 });
    expect(windowUpTo(10_000, '3')).toEqual({ from: 1, to: TRIALS_PER_WINDOW, total: 10_000 });
    for (const junk of ['0', '-4', 'x', '1e3', '99999999999']) expect(windowUpTo(10_000, junk).to).toBe(10_000);
    expect(windowNumbers(windowUpTo(10_000, undefined))).toHaveLength(TRIALS_PER_WINDOW);
  });

  it("centres a trial's window on it, within the search", () => {
    expect(windowAround(10_000, 5_000)).toEqual({ from: 5_000 - TRIALS_PER_WINDOW / 2, to: 5_000 + TRIALS_PER_WINDOW / 2 - 1, total: 10_000 });
    expect(windowAround(10_000, 10_000).to).toBe(10_000);
    expect(windowAround(10_000, 2).from).toBe(1);
  });
});
