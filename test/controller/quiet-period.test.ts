import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QuietPeriod } from '../../src/controller/quiet-period.js';

describe('the quiet period of a controller (issue #18)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is quiet at once when nothing has run', async () => {
    let quiet = false;
    const waiting = new QuietPeriod(500, () => Date.now()).quiet().then(() => (quiet = true));
    await vi.advanceTimersByTimeAsync(0);
    await waiting;
    expect(quiet).toBe(true);
  });

  it('waits while work runs, and then until nothing has run for the time asked', async () => {
    const period = new QuietPeriod(500, () => Date.now());
    let finish: () => void = () => {};
    const work = period.during(() => new Promise<void>((resolve) => (finish = resolve)));
    let quiet = false;
    const waiting = period.quiet().then(() => (quiet = true));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(quiet).toBe(false);
    finish();
    await work;
    await vi.advanceTimersByTimeAsync(499);
    expect(quiet).toBe(false);
    // Work that starts and ends meanwhile starts the wait again.
    await period.during(async () => {});
    await vi.advanceTimersByTimeAsync(499);
    expect(quiet).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(quiet).toBe(true);
  });

  it('waits no longer than the most it is given, for a controller that is never quiet', async () => {
    const period = new QuietPeriod(500, () => Date.now());
    let finish: () => void = () => {};
    const work = period.during(() => new Promise<void>((resolve) => (finish = resolve)));
    let quiet = false;
    const waiting = period.quiet(3_000).then(() => (quiet = true));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(quiet).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(quiet).toBe(true);
    finish();
    await work;
  });

  it('counts work that failed as work, and passes its error on', async () => {
    const period = new QuietPeriod(500, () => Date.now());
    await vi.advanceTimersByTimeAsync(10_000);
    await expect(period.during(() => Promise.reject(new Error('tick failed')))).rejects.toThrow('tick failed');
    let quiet = false;
    const waiting = period.quiet().then(() => (quiet = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(quiet).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(quiet).toBe(true);
  });
});
