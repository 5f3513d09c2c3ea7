import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { newApiKey } from '../../src/auth/api-keys.js';
import { createClient, type NasClient, type WorkerSummary } from '../../src/client/index.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { startServiceProcess, waitFor, type ServiceProcess } from '../../src/local/service-process.js';
import { MIN_LEASE_SECONDS } from '../../src/usecases/trial-leases.js';

/**
 * External workers as a user runs them: the service in a process of its own, and workers that are separate
 * processes knowing the service only through the SDK (test/fixtures/external-worker.ts).
 */

const WORKER_SCRIPT = join(PROJECT_ROOT, 'test', 'fixtures', 'external-worker.ts');
/** The shortest lease the claim route takes: a killed worker's trial is free again within seconds. */
const LEASE_SECONDS = MIN_LEASE_SECONDS;
/** 4 widths x 3 depths: the fixture's accuracy grows with width and falls with depth; its latency grows with both. */
const SPACE = { space: 'choices', spaceConfig: { decisions: { width: { options: [8, 16, 32, 64] }, depth: { options: [1, 2, 3] } } } } as const;
const API_KEY = newApiKey();

let dataDir: string;
let service: ServiceProcess;
let client: NasClient;
const running: WorkerProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'nas-external-'));
  // A 1 s sweep notices an expired lease soon; no job workers are needed, the user's workers train.
  service = await startServiceProcess({ NAS_API_KEY: API_KEY, NAS_DATA_DIR: dataDir, NAS_SWEEP_SECONDS: '1', NAS_WORKERS: '1' });
  client = createClient({ baseUrl: service.url, apiKey: API_KEY });
});
afterAll(async () => {
  await Promise.all(running.map((worker) => worker.kill()));
  await service?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A line `reported <trial> <attempt> <step> <decision>` the worker printed after a report. */
interface Report {
  readonly trial: number;
  readonly attempt: number;
  readonly step: number;
  readonly decision: string;
}

interface WorkerProcess {
  /** The reports the worker made so far, in order. */
  reports(): Report[];
  /** Waits for the worker to finish (the search ended) and answers what runWorker returned. */
  summary(): Promise<WorkerSummary>;
  /** Kills the worker outright (SIGKILL): no shutdown, no completion, its lease is left to expire. */
  kill(): Promise<void>;
}

/** Starts the fixture worker on `searchId`; each training step takes `stepMs`. */
function startWorker(searchId: string, workerId: string, stepMs: number): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT, searchId, workerId, String(LEASE_SECONDS), String(stepMs)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NAS_URL: service.url, NAS_API_KEY: API_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const worker: WorkerProcess = {
    reports: () =>
      [...output.matchAll(/^reported (\d+) (\d+) (\d+) (\w+)$/gm)].map(([, trial, attempt, step, decision]) => ({
        trial: Number(trial),
        attempt: Number(attempt),
        step: Number(step),
        decision: decision!,
      })),
    async summary() {
      const code = await exited;
      const summary = /^summary (.+)$/m.exec(output);
      if (code !== 0 || !summary) throw new Error(`worker ${workerId} exited with ${code}:\n${output}`);
      return JSON.parse(summary[1]!) as WorkerSummary;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  running.push(worker);
  return worker;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The status counters a finished search should show: `expected`'s, and zero for every other status. */
function countersOf(search: { trialStatusCounters: Record<string, number> }, expected: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(search.trialStatusCounters).map((name) => [name, expected[name] ?? 0]));
}

// Concurrent: the other searches run while the first waits out the killed worker's lease.
describe.concurrent('external workers in processes of their own', () => {
  it("re-runs a killed worker's trial as attempt 2 on the other worker, counting nothing twice", async ({ expect }) => {
    const TRIALS = 6;
    const { id } = await client.createSearch({
      ...SPACE,
      objectives: [{ metric: 'accuracy', direction: 'maximize' }],
      strategy: { name: 'random' },
      evaluator: { kind: 'external', metrics: ['accuracy'] },
      budget: { maxTrialCount: TRIALS, parallelTrialCount: 2 },
      seed: 1,
    });
    // The doomed worker's steps are slow, so that after its first report its trial has most of its training ahead.
    const doomed = startWorker(id, 'doomed', 400);
    const survivor = startWorker(id, 'survivor', 50);
    const interrupted = await waitFor(async () => doomed.reports()[0], "the doomed worker's first report", 20_000);
    await doomed.kill();

    const summary = await survivor.summary();
    const search = await client.getSearch(id);
    const trials = await client.allTrials(id);
    // The survivor completed every trial, the interrupted one included; the doomed worker completed none.
    expect(summary).toEqual({ completed: TRIALS, stopped: 0, failed: 0, lost: 0 });
    expect(search).toMatchObject({ status: 'SUCCEEDED', reason: 'MaxTrialsReached', trialCount: TRIALS });
    expect(search.trialStatusCounters).toEqual(countersOf(search, { succeeded: TRIALS }));
    expect(trials.map((t) => t.number)).toEqual(Array.from({ length: TRIALS }, (_, i) => i + 1));
    expect(new Set(trials.map((t) => t.archHash)).size).toBe(TRIALS);
    expect(trials.every((t) => t.status === 'SUCCEEDED' && t.curve?.map((o) => o.epoch).join() === '1,2,3,4')).toBe(true);
    // Its lease expired, and the same architecture ran again as the next attempt, on the surviving worker.
    const rerun = trials.find((t) => t.number === interrupted.trial)!;
    expect(interrupted.attempt).toBe(1);
    expect(rerun).toMatchObject({ attempt: 2, workerId: 'survivor' });
    expect(trials.filter((t) => t !== rerun).every((t) => t.attempt === 1 && t.workerId === 'survivor')).toBe(true);
  });

  it('stops a poor trial through its reports by the median rule, and the worker is told to stop', async ({ expect }) => {
    const TRIALS = 6;
    const { id } = await client.createSearch({
      ...SPACE,
      objectives: [{ metric: 'accuracy', direction: 'maximize' }],
      strategy: { name: 'random' },
      evaluator: { kind: 'external', metrics: ['accuracy'] },
      earlyStopping: { algorithm: 'median', settings: { minTrialsRequired: 2, startEpoch: 2 } },
      // One trial at a time: each is judged against the full curves of those before it.
      budget: { maxTrialCount: TRIALS, parallelTrialCount: 1 },
      seed: 2,
    });
    const worker = startWorker(id, 'solo', 10);
    const summary = await worker.summary();
    const trials = await client.allTrials(id);
    const stopped = trials.filter((t) => t.status === 'EARLY_STOPPED');
    const accuracyAt2 = (trial: (typeof trials)[number]) => trial.curve!.find((o) => o.epoch === 2)!.metrics.accuracy!;

    expect(stopped.length).toBeGreaterThan(0);
    expect(summary).toEqual({ completed: TRIALS - stopped.length, stopped: stopped.length, failed: 0, lost: 0 });
    expect(await client.getSearch(id)).toMatchObject({ status: 'SUCCEEDED', trialCount: TRIALS });
    for (const trial of stopped) {
      expect(trial.earlyStopReason).toMatch(/^median rule at epoch 2: /);
      expect(trial.curve!.map((o) => o.epoch)).toEqual([1, 2]);
      expect(trial.metrics?.accuracy).toBe(accuracyAt2(trial));
      // Poor: below the median of the trials before it, at the same step.
      expect(accuracyAt2(trial)).toBeLessThan(median(trials.filter((t) => t.number < trial.number).map(accuracyAt2)));
      expect(worker.reports().filter((r) => r.trial === trial.number)).toEqual([
        { trial: trial.number, attempt: 1, step: 1, decision: 'continue' },
        { trial: trial.number, attempt: 1, step: 2, decision: 'stop' },
      ]);
    }
    expect(trials.filter((t) => t.status === 'SUCCEEDED').every((t) => t.curve?.length === 4)).toBe(true);
  });

  it('runs a multi-objective search (NSGA-II) on two reported metrics and answers its Pareto front', async ({ expect }) => {
    const TRIALS = 8;
    const { id } = await client.createSearch({
      ...SPACE,
      objectives: [
        { metric: 'accuracy', direction: 'maximize' },
        { metric: 'latency_ms', direction: 'minimize' },
      ],
      strategy: { name: 'nsga2', params: { populationSize: 4 } },
      evaluator: { kind: 'external', metrics: ['accuracy', 'latency_ms'] },
      budget: { maxTrialCount: TRIALS, parallelTrialCount: 2 },
      seed: 3,
    });
    const summary = await startWorker(id, 'solo', 10).summary();
    const trials = await client.allTrials(id);
    const front = await client.pareto(id);

    expect(summary).toEqual({ completed: TRIALS, stopped: 0, failed: 0, lost: 0 });
    expect(trials.every((t) => t.metrics?.accuracy !== undefined && t.metrics.latency_ms !== undefined)).toBe(true);
    const dominates = (a: Record<string, number>, b: Record<string, number>) =>
      a.accuracy! >= b.accuracy! && a.latency_ms! <= b.latency_ms! && (a.accuracy! > b.accuracy! || a.latency_ms! < b.latency_ms!);
    const nonDominated = trials.filter((t) => !trials.some((other) => dominates(other.metrics!, t.metrics!))).map((t) => t.number);
    expect(front.objectives.map((o) => o.metric)).toEqual(['accuracy', 'latency_ms']);
    expect(front.items.map((t) => t.number).sort((a, b) => a - b)).toEqual(nonDominated);
    expect(front.hypervolume).toBeGreaterThan(0);
  });
});
