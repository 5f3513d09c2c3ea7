import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { SearchHistories } from '../../src/controller/search-history.js';
import { tick, type ControllerDeps } from '../../src/controller/tick.js';
import { committedSpend, trialPricing, type SpendTrial } from '../../src/cost/committed-spend.js';
import type { Evaluation } from '../../src/evaluators/evaluator.js';
import { jobName, type JobQueue, type JobState, type TrialJob } from '../../src/jobs/job-queue.js';
import { runTrialJob } from '../../src/jobs/run-trial.js';
import type { SearchRecord } from '../../src/search/records.js';
import { EvaluatorSpecSchema, type SearchSpec } from '../../src/search/spec.js';
import { isActiveSearch, TRIAL_TRANSITIONS } from '../../src/search/states.js';
import { newSearch, TEST_TENANT, testSpec } from '../helpers/records.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

/**
 * `budget.maxCostUsd` as a hard cap, end to end: the real controller ticks against dynalite while a fake
 * AWS Batch plays a script per job (RUNNABLE, RUNNING, a Spot reclaim and Batch's retry, a container gone
 * silent, FAILED) and each container runs the real trial job (`runTrialJob`) on a fake clock. Trials train
 * on the GPU queue, so the cap prices them as it would on AWS (`trialPricing('train')`).
 */

const PRICING = trialPricing('train');
const usd = (seconds: number) => (seconds / 3600) * PRICING.usdPerHour;
/** The real job's heartbeat interval: a live container's last beat is on this cadence since its claim. */
const BEAT_MS = 30_000;
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

/** What one Batch job does, in seconds after it was submitted. */
type Step =
  /** RUNNABLE → RUNNING: a container starts (a new Batch attempt after a reclaim) and the job claims its trial. */
  | { readonly at: number; readonly then: 'start' }
  /** The container records its result and exits: the job SUCCEEDED. */
  | { readonly at: number; readonly then: 'succeed' }
  /** The container stops beating (hung, lost network); Batch still says RUNNING. */
  | { readonly at: number; readonly then: 'hang' }
  /** Spot takes the host: the container dies without a word and Batch puts the job back to RUNNABLE. */
  | { readonly at: number; readonly then: 'reclaim' }
  /** The container dies and Batch gives the job up: FAILED with `reason`. */
  | { readonly at: number; readonly then: 'fail'; readonly reason: string };

interface Container {
  readonly startMs: number;
  endMs?: number;
  /** When it stopped beating, if it hung. */
  hungMs?: number;
  /** Whether the job claimed its trial (a container that finds its trial given up on exits at once). */
  readonly claimed: boolean;
  /** Resolves (the evaluation) or rejects (the container dies) what the job is evaluating. */
  readonly settle: { resolve(evaluation: Evaluation): void; reject(error: Error): void };
  readonly done: Promise<void>;
}

interface BatchJob {
  readonly job: TrialJob;
  readonly submittedMs: number;
  readonly steps: Step[];
  state: JobState;
  container?: Container;
  batchAttempts: number;
}

/**
 * A fake AWS Batch on a fake clock. Jobs follow their script as time advances; every container runs the
 * real trial job against the store, its heartbeats written on their 30-second cadence as time passes.
 */
class ScriptedBatch implements JobQueue {
  readonly submitted: TrialJob[] = [];
  readonly terminated: string[] = [];
  readonly containers: Container[] = [];
  private nowMs = T0;
  private readonly jobs = new Map<string, BatchJob>();

  constructor(
    private readonly db: TestStore,
    private readonly scriptOf: (job: TrialJob, index: number) => Step[],
  ) {}

  readonly clock = () => new Date(this.nowMs);

  async submit(job: TrialJob) {
    const jobId = jobName(job);
    if (!this.jobs.has(jobId)) {
      this.jobs.set(jobId, { job, submittedMs: this.nowMs, steps: [...this.scriptOf(job, this.submitted.length)], state: { status: 'QUEUED' }, batchAttempts: 0 });
      this.submitted.push(job);
    }
    return { jobId };
  }

  async describe(jobIds: readonly string[]) {
    return new Map(jobIds.map((id) => [id, this.jobs.get(id)?.state ?? { status: 'UNKNOWN' as const }]));
  }

  async terminate(jobId: string, reason: string) {
    this.terminated.push(jobId);
    const entry = this.jobs.get(jobId);
    if (!entry || isFinal(entry.state)) return;
    entry.state = { status: 'FAILED', reason };
    await this.stop(entry);
  }

  /** Moves the clock to `seconds`, playing every step due on the way at its own time, then writes the live containers' heartbeats. */
  async advanceTo(seconds: number): Promise<void> {
    const target = T0 + seconds * 1000;
    for (let next = this.nextStep(target); next; next = this.nextStep(target)) {
      this.nowMs = Math.max(this.nowMs, next.entry.submittedMs + next.step.at * 1000);
      next.entry.steps.shift();
      await this.play(next.entry, next.step);
    }
    this.nowMs = target;
    for (const entry of this.jobs.values()) if (entry.container && entry.container.endMs === undefined) await this.beat(entry);
  }

  /** What Batch has billed: every container that started, with the accounting's per-container overhead and minimum. */
  billedUsd(): number {
    return committedSpend(this.containers.map((c, i) => asFinished(c, i, this.nowMs)), PRICING, this.clock()).spentUsd;
  }

  /** The containers the trial records could know of: those that claimed their trial. */
  claimedUsd(): number {
    return committedSpend(this.containers.filter((c) => c.claimed).map((c, i) => asFinished(c, i, this.nowMs)), PRICING, this.clock()).spentUsd;
  }

  /** Containers Batch started again after a Spot reclaim (each one boots and pulls before it can claim). */
  restarts(): number {
    return [...this.jobs.values()].reduce((sum, entry) => sum + Math.max(0, entry.batchAttempts - 1), 0);
  }

  /** Ends every container still running (a test's end). */
  async stopAll(): Promise<void> {
    for (const entry of this.jobs.values()) await this.stop(entry);
  }

  private nextStep(targetMs: number): { entry: BatchJob; step: Step } | undefined {
    let next: { entry: BatchJob; step: Step; atMs: number } | undefined;
    for (const entry of this.jobs.values()) {
      const step = entry.steps[0];
      if (!step || isFinal(entry.state)) continue;
      const atMs = entry.submittedMs + step.at * 1000;
      if (atMs <= targetMs && (!next || atMs < next.atMs)) next = { entry, step, atMs };
    }
    return next;
  }

  private async play(entry: BatchJob, step: Step): Promise<void> {
    const { container } = entry;
    const live = container !== undefined && container.endMs === undefined;
    if (step.then === 'start' && entry.state.status === 'QUEUED') {
      entry.state = { status: 'RUNNING' };
      entry.container = await this.launch(entry);
      if (!entry.container.claimed) entry.state = { status: 'SUCCEEDED' };
    } else if (step.then === 'succeed' && live) {
      container.settle.resolve({ metrics: { cifar10_test_200: 80 + (entry.job.trialNumber % 10) }, costSeconds: (this.nowMs - container.startMs) / 1000 });
      await container.done;
      container.endMs = this.nowMs;
      entry.state = { status: 'SUCCEEDED' };
    } else if (step.then === 'hang' && live) {
      await this.beat(entry);
      container.hungMs = this.nowMs;
    } else if (step.then === 'reclaim' && live) {
      await this.stop(entry);
      entry.state = { status: 'QUEUED', reason: 'Host EC2 (instance i-0spot) terminated.' };
    } else if (step.then === 'fail' && live) {
      await this.stop(entry);
      entry.state = { status: 'FAILED', reason: step.reason };
    }
  }

  /** Starts a container running the real trial job; resolves once it has claimed its trial (or exited). */
  private async launch(entry: BatchJob): Promise<Container> {
    entry.batchAttempts++;
    let settle!: Container['settle'];
    const evaluating = new Promise<Evaluation>((resolve, reject) => (settle = { resolve, reject }));
    let signalClaim!: () => void;
    const claim = new Promise<void>((resolve) => (signalClaim = resolve));
    let claimed = false;
    const evaluator = {
      evaluate: () => {
        claimed = true;
        signalClaim();
        return evaluating;
      },
    };
    const artifacts = new DirectoryArtifactStore(join(this.db.dataDir, 'artifacts'));
    // As batch/job.ts: Batch's second attempt of a job takes over the trial its reclaimed container held.
    const deps = { store: this.db.store, evaluator, artifacts, clock: this.clock, simulatedTimeScale: 0, reclaimRunning: entry.batchAttempts > 1 };
    const done = runTrialJob(deps, entry.job).catch(() => undefined);
    await Promise.race([claim, done]);
    const container: Container = { startMs: this.nowMs, claimed, settle, done, ...(claimed ? {} : { endMs: this.nowMs }) };
    this.containers.push(container);
    return container;
  }

  private async stop(entry: BatchJob): Promise<void> {
    const { container } = entry;
    if (!container || container.endMs !== undefined) return;
    await this.beat(entry);
    container.endMs = this.nowMs;
    container.settle.reject(new Error('container stopped'));
    await container.done;
  }

  /** The heartbeat the job last wrote: every 30 s since its claim, until it ended or hung. */
  private async beat(entry: BatchJob): Promise<void> {
    const { container, job } = entry;
    if (!container?.claimed) return;
    const until = Math.min(this.nowMs, container.hungMs ?? Number.POSITIVE_INFINITY);
    const last = container.startMs + Math.floor((until - container.startMs) / BEAT_MS) * BEAT_MS;
    const patch = { heartbeatAt: new Date(last).toISOString() };
    await this.db.store.updateTrial(job.tenantId, job.searchId, job.trialNumber, patch, { attempt: job.attempt, status: TRIAL_TRANSITIONS.report.from });
  }
}

function isFinal(state: JobState): boolean {
  return state.status === 'SUCCEEDED' || state.status === 'FAILED';
}

function asFinished(container: Container, index: number, nowMs: number): SpendTrial {
  return { number: index, status: 'SUCCEEDED', startedAt: new Date(container.startMs).toISOString(), finishedAt: new Date(container.endMs ?? nowMs).toISOString() };
}

/** A `train` search over NB201 cells (the tick needs no dataset: the fake containers do not train). */
function trainSpec(budget: Partial<SearchSpec['budget']>): SearchSpec {
  const evaluator = EvaluatorSpecSchema.parse({ kind: 'train', dataset: 'blobs', schedule: { epochs: 1, batchSize: 50, learningRate: 0.02 } });
  return { ...testSpec(budget), evaluator };
}

let db: TestStore;
let batch: ScriptedBatch | undefined;
let nextId = 0;

beforeAll(async () => {
  db = await startTestStore();
});
afterAll(() => db.close());
afterEach(async () => {
  await batch?.stopAll();
  batch = undefined;
});

interface Run {
  readonly id: string;
  readonly batch: ScriptedBatch;
  readonly deps: ControllerDeps;
}

async function startSearch(budget: Partial<SearchSpec['budget']>, scriptOf: (job: TrialJob, index: number) => Step[]): Promise<Run> {
  const id = `CAP-${++nextId}`;
  await db.store.createSearch(newSearch(id, trainSpec(budget)));
  batch = new ScriptedBatch(db, scriptOf);
  return { id, batch, deps: { store: db.store, queue: batch, clock: batch.clock, staleAfterSeconds: 300, histories: new SearchHistories(1) } };
}

/**
 * Ticks the search every `marginSeconds` while it is active, until `untilSeconds`; `onLook` sees each saved
 * record with the time it was saved at. The deployed sweep looks every minute; looking only once per margin
 * (with terminates landing at once) is the slowest the cap allows, so its guarantee is checked at its edge.
 */
async function drive(run: Run, untilSeconds: number, onLook: (search: SearchRecord, seconds: number) => void = () => {}): Promise<SearchRecord> {
  let search: SearchRecord | undefined;
  for (let seconds = 0; seconds <= untilSeconds; seconds += PRICING.marginSeconds) {
    await run.batch.advanceTo(seconds);
    search = (await tick(run.deps, TEST_TENANT, run.id))!;
    onLook(search, seconds);
    if (!isActiveSearch(search.status)) return search;
  }
  return search!;
}

const trials = (run: Run) => db.store.allTrials(TEST_TENANT, run.id);

describe('the hard cap on budget.maxCostUsd, with scripted Batch jobs', () => {
  it('GIVEN a cap with room for two whole trials WHEN jobs go RUNNABLE → RUNNING → SUCCEEDED THEN only two start, a third once they came in cheaper, and the search ends BudgetExhausted naming the amounts', async () => {
    const run = await startSearch({ maxTrialCount: 10, parallelTrialCount: 4, maxCostUsd: 1.1 }, () => [
      { at: 60, then: 'start' },
      { at: 660, then: 'succeed' },
    ]);
    const startedFirst: number[] = [];
    const search = await drive(run, 3 * 3600, (_, seconds) => seconds === 0 && startedFirst.push(run.batch.submitted.length));

    // A queued trial is committed to boot, pull, idle and a whole expected run: $0.50 on the GPU queue.
    expect(startedFirst).toEqual([2]);
    expect(search).toMatchObject({ status: 'SUCCEEDED', reason: 'BudgetExhausted', trialCount: 3 });
    // Three containers of 600 s overhead and a 600 s run each.
    expect(search.costUsd).toBeCloseTo(usd(3 * 1200), 10);
    expect(search.message).toMatch(/^BudgetExhausted: spent \$0\.75, committed \$0\.75 of maxCostUsd \$1\.10; no room for another trial \(\$0\.50 each\)$/);
  });

  it('GIVEN Spot reclaims WHEN Batch runs a job again THEN the new container takes the trial over, and when Batch gives up the job FAILED fails its trial; every container is counted', async () => {
    const scripts: Record<number, Step[]> = {
      1: [
        { at: 60, then: 'start' },
        { at: 600, then: 'reclaim' },
        { at: 660, then: 'start' },
        { at: 1200, then: 'succeed' },
      ],
      2: [
        { at: 60, then: 'start' },
        { at: 300, then: 'reclaim' },
        { at: 360, then: 'start' },
        { at: 840, then: 'fail', reason: 'Host EC2 (instance i-0spot) terminated.' },
      ],
    };
    const run = await startSearch({ maxTrialCount: 2, parallelTrialCount: 2, maxCostUsd: 5 }, (job) => scripts[job.trialNumber]!);
    const search = await drive(run, 3 * 3600);

    const [first, second] = await trials(run);
    // The reclaimed container is counted until one heartbeat interval after its last beat (at 600 s).
    expect(first).toMatchObject({ status: 'SUCCEEDED', attempt: 1, pastAttempts: [{ attempt: 1, startedAt: iso(60), endedAt: iso(630), endedBy: 'spot-reclaim' }] });
    expect(second).toMatchObject({ status: 'FAILED', error: { message: 'Host EC2 (instance i-0spot) terminated.', retryable: true }, pastAttempts: [{ endedBy: 'spot-reclaim' }] });
    expect(run.batch.submitted).toHaveLength(2);
    expect(search).toMatchObject({ status: 'SUCCEEDED', reason: 'MaxTrialsReached' });
    // #1: 570 s and 540 s; #2: 270 s, then 480 s until the controller saw the job FAILED; 600 s overhead each.
    expect(search.costUsd).toBeCloseTo(usd(600 + 570 + (600 + 540) + (600 + 270) + (600 + 480)), 10);
    expect(run.batch.billedUsd()).toBeLessThanOrEqual(search.costUsd! + 1e-9);
  });

  it('GIVEN a container that stops beating WHEN staleAfterSeconds pass THEN its job is terminated, the trial runs again as attempt 2, and the silent container is counted', async () => {
    const run = await startSearch({ maxTrialCount: 1, parallelTrialCount: 1, maxCostUsd: 5 }, (job) =>
      job.attempt === 1
        ? [
            { at: 60, then: 'start' },
            { at: 590, then: 'hang' },
          ]
        : [
            { at: 60, then: 'start' },
            { at: 660, then: 'succeed' },
          ],
    );
    const search = await drive(run, 3 * 3600);

    const [trial] = await trials(run);
    // Last beat at 570 s: the look at 840 s finds it silent for 270 s, the one at 960 s for 390 s.
    expect(trial).toMatchObject({ status: 'SUCCEEDED', attempt: 2, pastAttempts: [{ attempt: 1, startedAt: iso(60), endedAt: iso(960), endedBy: 'stale' }] });
    expect(run.batch.terminated).toEqual([jobName({ tenantId: TEST_TENANT, searchId: run.id, trialNumber: 1, attempt: 1 })]);
    expect(run.batch.submitted.map((job) => job.attempt)).toEqual([1, 2]);
    expect(search.costUsd).toBeCloseTo(usd(600 + 900 + 600 + 600), 10);
  });

  it('GIVEN trials running WHEN their committed spend would pass the cap THEN the one with most still ahead is killed first, the other once it runs on too, and the search ends BudgetExhausted within the cap, a reclaimed container included', async () => {
    const scripts: Record<number, Step[]> = {
      1: [
        { at: 60, then: 'start' },
        { at: 600, then: 'reclaim' },
        { at: 660, then: 'start' },
      ],
      2: [{ at: 60, then: 'start' }],
    };
    const maxCostUsd = 1.26; // 6,031.9 billed seconds on the GPU queue
    const run = await startSearch({ maxTrialCount: 10, parallelTrialCount: 2, maxCostUsd }, (job) => scripts[job.trialNumber]!);
    const looks: { seconds: number; killed: number }[] = [];
    const search = await drive(run, 3 * 3600, (_, seconds) => looks.push({ seconds, killed: run.batch.terminated.length }));

    // Committed, in billed seconds: #1 600 + 570 (its reclaimed container) + 600 + max(1800, t - 660 + 120);
    // #2 600 + max(1800, t - 60 + 120). 6,030 at the look at 1,800 s; 6,150 at 1,920 s: #1, with 420 s
    // more ahead of it than the margin a kill still costs, is stopped; #2, past its expected end, is not.
    expect(looks.find((look) => look.seconds === 1800)?.killed).toBe(0);
    expect(looks.find((look) => look.seconds === 1920)?.killed).toBe(1);
    const [first, second] = await trials(run);
    expect(first).toMatchObject({ status: 'KILLED', finishedAt: iso(1920), pastAttempts: [{ endedBy: 'spot-reclaim' }] });
    expect(first!.error).toEqual({ message: 'BudgetExhausted: spent $1.15, committed $1.28 of maxCostUsd $1.26; stopping 1 trial to stay within it', retryable: false });
    // #2 runs on, committed to one margin at a time, until that would pass the cap (the look at 2,400 s).
    expect(second).toMatchObject({ status: 'KILLED', finishedAt: iso(2400) });
    expect(run.batch.submitted).toHaveLength(2);
    expect(run.batch.terminated).toHaveLength(2);

    const message = 'BudgetExhausted: spent $1.25, committed $1.27 of maxCostUsd $1.26; stopping 1 trial to stay within it';
    expect(search).toMatchObject({ status: 'SUCCEEDED', reason: 'BudgetExhausted', trialCount: 2, message, finishedAt: iso(2400) });
    // Every container: #1's reclaimed one (570 s), its second (1,260 s), #2's (2,340 s), 600 s overhead each.
    expect(search.costUsd).toBeCloseTo(usd(600 + 570 + (600 + 1260) + (600 + 2340)), 10);
    expect(search.costUsd).toBeLessThanOrEqual(maxCostUsd);
    expect(run.batch.billedUsd()).toBeLessThanOrEqual(search.costUsd! + 1e-9);
  });

  it('GIVEN a benchmark search the controller answers in-process WHEN it has a cap below one job container THEN it runs to maxTrialCount: no job runs, nothing is spent', async () => {
    const id = `CAP-${++nextId}`;
    await db.store.createSearch(newSearch(id, testSpec({ maxTrialCount: 6, parallelTrialCount: 3, maxCostUsd: 0.001 })));
    // A table lookup answered at once: what it returns does not matter to the cap.
    const inProcess = { evaluator: { evaluate: async () => ({ metrics: { cifar10_test_200: 90 }, costSeconds: 1000 }) }, sliceMs: 60_000 };
    const search = await tick({ store: db.store, queue: new ScriptedBatch(db, () => []), clock: () => new Date(T0), inProcess }, TEST_TENANT, id);
    expect(search).toMatchObject({ status: 'SUCCEEDED', reason: 'MaxTrialsReached', trialCount: 6, costUsd: 0 });
  });

  it('property: over random scripted histories, looked at within the margin, Batch never bills past the cap (but for containers Batch restarted unseen) and the search never records less than was billed', async () => {
    const restartAllowanceUsd = usd(PRICING.overheadSeconds + PRICING.marginSeconds);
    const jobScript = fc
      .record({
        wait: fc.integer({ min: 0, max: 300 }),
        run: fc.integer({ min: 30, max: 2400 }),
        end: fc.constantFrom('succeed', 'hang', 'reclaim', 'fail'),
        restartWait: fc.integer({ min: 30, max: 300 }),
        rerun: fc.integer({ min: 30, max: 2400 }),
      })
      .map(({ wait, run, end, restartWait, rerun }): Step[] => {
        const started: Step[] = [{ at: wait, then: 'start' }];
        if (end === 'fail') return [...started, { at: wait + run, then: 'fail', reason: 'container exited with code 137' }];
        if (end !== 'reclaim') return [...started, { at: wait + run, then: end }];
        return [...started, { at: wait + run, then: 'reclaim' }, { at: wait + run + restartWait, then: 'start' }, { at: wait + run + restartWait + rerun, then: 'succeed' }];
      });
    await fc.assert(
      fc.asyncProperty(
        fc.array(jobScript, { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0.55, max: 1.6, noNaN: true }),
        fc.integer({ min: 1, max: 3 }),
        async (scripts, maxCostUsd, parallelTrialCount) => {
          const run = await startSearch({ maxTrialCount: 4, parallelTrialCount, maxCostUsd }, (_, index) => scripts[index % scripts.length]!);
          const search = await drive(run, 8 * 3600, (record) => {
            expect(run.batch.billedUsd()).toBeLessThanOrEqual(maxCostUsd + run.batch.restarts() * restartAllowanceUsd + 1e-9);
            expect(record.costUsd ?? 0).toBeGreaterThanOrEqual(run.batch.claimedUsd() - 1e-9);
          });
          expect(isActiveSearch(search.status)).toBe(false);
          await run.batch.stopAll();
        },
      ),
      { numRuns: 4 },
    );
  });
});
