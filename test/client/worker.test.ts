import { describe, expect, it, vi } from 'vitest';
import { createClient, LeaseLost, runWorker, TrialStopped, type TrainFunction, type WorkerOptions } from '../../src/client/index.js';
import { fakeExternalTrials, type FakeOptions } from './fake-external-trials.js';

/** Milliseconds, not seconds: the tests wait on conditions, and backoff only paces them. */
const FAST = { baseMs: 2, maxMs: 20, attempts: 4 };

function setUp(fakeOptions: FakeOptions) {
  const fake = fakeExternalTrials(fakeOptions);
  const client = createClient({ baseUrl: 'http://nas.test', apiKey: 'nas_test', fetch: fake.fetch });
  const run = (train: TrainFunction, options: Partial<WorkerOptions> = {}) => runWorker({ client, searchId: 'S1', train, backoff: FAST, ...options });
  return { fake, run };
}

/** A training that reports `epochs` epochs of rising accuracy and ends with the last. */
const epochs =
  (count: number): TrainFunction =>
  async ({ report }) => {
    let accuracy = 0;
    for (let epoch = 1; epoch <= count; epoch++) {
      accuracy = epoch / 10;
      if ((await report(epoch, { accuracy })) === 'stop') break;
    }
    return { accuracy };
  };

describe('runWorker', () => {
  it('claims, trains, reports and completes every trial, then returns when the search is finished', async () => {
    const { fake, run } = setUp({ arches: ['a=1', 'a=2', 'a=3'] });
    const trained: string[] = [];
    const summary = await run(async (context) => {
      trained.push(`${context.trialNumber}:${context.arch}:${context.attempt}`);
      return epochs(2)(context);
    }, { workerId: 'w-1' });
    expect(summary).toEqual({ completed: 3, stopped: 0, failed: 0, lost: 0 });
    expect(trained).toEqual(['1:a=1:1', '2:a=2:1', '3:a=3:1']);
    for (const trial of fake.trials) {
      expect(trial.reports.map((r) => r.step)).toEqual([1, 2]);
      expect(trial.completion).toEqual({ leaseId: trial.lease!.id, metrics: { accuracy: 0.2 } });
    }
    expect(fake.claims.every((claim) => claim.workerId === 'w-1')).toBe(true);
  });

  it('waits and claims again while no trial is available', async () => {
    const { fake, run } = setUp({ arches: ['a=1'], waitFirst: 3 });
    expect(await run(epochs(1))).toMatchObject({ completed: 1 });
    // Three 204s, the claim that got the trial, and the 410 that ended the worker.
    expect(fake.claims).toHaveLength(5);
  });

  it('retries calls that fail with a 5xx or 429', async () => {
    const { fake, run } = setUp({
      arches: ['a=1'],
      failFirst: { claims: { times: 2, status: 503 }, reports: { times: 1, status: 502 }, complete: { times: 1, status: 429 } },
    });
    expect(await run(epochs(2))).toMatchObject({ completed: 1 });
    expect(fake.trials[0]!.completion).toMatchObject({ metrics: { accuracy: 0.2 } });
  });

  it('gives up on a call refused for good (a 4xx), rejecting with the ApiError', async () => {
    const { run } = setUp({ arches: ['a=1'], failFirst: { claims: { times: 1, status: 404 } } });
    await expect(run(epochs(1))).rejects.toMatchObject({ name: 'ApiError', status: 404 });
  });

  it("aborts the training's signal on a 'stop' and leaves the trial as the service ended it", async () => {
    const { fake, run } = setUp({ arches: ['a=1'], decide: (_trial, step) => (step >= 2 ? 'stop' : 'continue') });
    let reason: unknown;
    const summary = await run(async ({ report, signal }) => {
      await report(1, { accuracy: 0.1 });
      await report(2, { accuracy: 0.2 });
      reason = signal.reason;
      // A training that throws when stopped (as tf's callbacks may) is still an early-stopped trial.
      signal.throwIfAborted();
      return { accuracy: 0.9 };
    });
    expect(summary).toEqual({ completed: 0, stopped: 1, failed: 0, lost: 0 });
    expect(reason).toBeInstanceOf(TrialStopped);
    expect(fake.trials[0]!.completion).toEqual({ earlyStopped: true, metrics: { accuracy: 0.2 } });
  });

  it('completes a trial whose training threw as FAILED, with the reason', async () => {
    const { fake, run } = setUp({ arches: ['a=1', 'a=2'] });
    const summary = await run(async (context) => {
      if (context.trialNumber === 1) throw new Error('out of memory\n  at somewhere');
      return epochs(1)(context);
    });
    expect(summary).toEqual({ completed: 1, stopped: 0, failed: 1, lost: 0 });
    expect(fake.trials[0]!.completion).toEqual({ leaseId: 'lease-1', status: 'FAILED', reason: 'out of memory' });
  });

  it('fails a trial whose metrics the service refuses, naming the field, and goes on', async () => {
    const { fake, run } = setUp({ arches: ['a=1', 'a=2'] });
    const summary = await run(async ({ trialNumber }) => ({ [trialNumber === 1 ? 'acc' : 'accuracy']: 0.5 }));
    expect(summary).toEqual({ completed: 1, stopped: 0, failed: 1, lost: 0 });
    expect(fake.trials[0]!.completion).toEqual({ leaseId: 'lease-1', status: 'FAILED', reason: 'the service refused the metrics: metrics.accuracy: missing' });
  });

  it('drops a trial whose lease expired (a 409) quietly and trains the next attempt', async () => {
    const { fake, run } = setUp({ arches: ['a=1'] });
    const attempts: number[] = [];
    const summary = await run(async ({ attempt, trialNumber }) => {
      attempts.push(attempt);
      // The service gave up on the first attempt (a partition, say): its completion finds the lease gone.
      if (attempt === 1) fake.trials[trialNumber - 1]!.lease!.expiresAt = 0;
      return { accuracy: 0.5 };
    });
    expect(summary).toEqual({ completed: 1, stopped: 0, failed: 0, lost: 1 });
    expect(attempts).toEqual([1, 2]);
    expect(fake.trials[0]!.completion).toEqual({ leaseId: 'lease-2', metrics: { accuracy: 0.5 } });
  });

  it('keeps the lease alive while the training is quiet, with reports of no metrics', async () => {
    const { fake, run } = setUp({ arches: ['a=1'] });
    const summary = await run(
      async () => {
        // Several leases long without a report of its own, from the claim on: only the renewals keep the trial.
        await vi.waitFor(() => expect(fake.trials[0]!.renewals).toBeGreaterThanOrEqual(6), { timeout: 5000, interval: 10 });
        return { accuracy: 0.3 };
      },
      { leaseSeconds: 0.06 },
    );
    expect(summary).toMatchObject({ completed: 1, lost: 0 });
    expect(fake.trials[0]!.reports).toEqual([]);
    expect(fake.trials[0]!.completion).toMatchObject({ metrics: { accuracy: 0.3 } });
  });

  it("aborts a lost lease's training when a report comes back 409", async () => {
    const { fake, run } = setUp({ arches: ['a=1'] });
    let reason: unknown;
    const summary = await run(async ({ attempt, report, signal }) => {
      if (attempt === 1) {
        fake.trials[0]!.lease!.expiresAt = 0;
        expect(await report(1, { accuracy: 0.1 })).toBe('stop');
        reason = signal.reason;
      }
      return { accuracy: 0.1 };
    });
    expect(reason).toBeInstanceOf(LeaseLost);
    // Lost, then claimed again as the next attempt and trained to the end.
    expect(summary).toEqual({ completed: 1, stopped: 0, failed: 0, lost: 1 });
  });

  it('shuts down on its signal: the running training sees the abort and ends its trial, and nothing more is claimed', async () => {
    const { fake, run } = setUp({ arches: ['a=1', 'a=2', 'a=3'] });
    const shutdown = new AbortController();
    const summary = await run(
      async ({ report, signal }) => {
        await report(1, { accuracy: 0.4 });
        shutdown.abort(new Error('SIGTERM'));
        expect(signal.aborted).toBe(true);
        expect(signal.reason).toMatchObject({ message: 'SIGTERM' });
        return { accuracy: 0.4 };
      },
      { signal: shutdown.signal },
    );
    expect(summary).toEqual({ completed: 1, stopped: 0, failed: 0, lost: 0 });
    expect(fake.claims).toHaveLength(1);
    expect(fake.trials.filter((t) => t.completion)).toHaveLength(1);
  });

  it('trains `concurrency` trials at once', async () => {
    const { fake, run } = setUp({ arches: ['a=1', 'a=2', 'a=3', 'a=4'] });
    const summary = await run(
      async (context) => {
        // Each waits until a second trial is leased too, which only a second slot can do.
        await vi.waitFor(() => expect(fake.mostHeldAtOnce()).toBe(2), { timeout: 5000, interval: 5 });
        return epochs(1)(context);
      },
      { concurrency: 2 },
    );
    expect(summary.completed).toBe(4);
  });
});
