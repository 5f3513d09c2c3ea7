import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tick, type ControllerDeps } from '../../src/controller/tick.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { InProcessEvents } from '../../src/events/in-process-events.js';
import { evaluatorKindLookup } from '../../src/jobs/evaluator-kinds.js';
import { EvaluatorRoutedQueue } from '../../src/jobs/evaluator-routed-queue.js';
import { ExternalLeaseQueue } from '../../src/jobs/external-lease-queue.js';
import type { SearchSpecInput } from '../../src/search/spec.js';
import { STRATEGY_NAMES } from '../../src/search/names.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { ScriptedJobQueue } from '../helpers/scripted-queue.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

/**
 * External workers over HTTP, as a worker in another language would drive them: the API and the
 * controller wired as the local service wires them (the routed queue, the in-process bus), on a clock the
 * test moves to let leases run out.
 */

let db: TestStore;
let now = new Date('2025-03-01T12:00:00.000Z');
const clock = () => now;
const errors: unknown[] = [];
let events: InProcessEvents;
type Request = (path: string, init?: RequestInit) => Response | Promise<Response>;
let request: Request;
let otherTenant: Request;

beforeAll(async () => {
  db = await startTestStore();
  const { store } = db;
  const queue = new EvaluatorRoutedQueue({ evaluatorKind: evaluatorKindLookup(store), jobs: new ScriptedJobQueue(), external: new ExternalLeaseQueue(store) });
  const controller: ControllerDeps = { store, queue, clock };
  events = new InProcessEvents(
    (tenantId, searchId) => tick(controller, tenantId, searchId),
    (error) => errors.push(error),
  );
  const deps = { store, events, benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock, limits: { requestsPerMinute: 1_000_000, maxActiveSearches: 1000 } };
  ({ request } = await authorizedApp(deps, 'workers'));
  ({ request: otherTenant } = await authorizedApp(deps, 'someone-else'));
});
afterEach(() => expect(errors).toEqual([]));
afterAll(() => db.close());

const json = (response: Response): Promise<any> => response.json();
const post = (path: string, body?: unknown, as: Request = request) =>
  as(path, body === undefined ? { method: 'POST' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const get = async (path: string, as: Request = request) => json(await as(path));

const EXTERNAL_SPEC = {
  space: 'nb201',
  objectives: [{ metric: 'val_acc', direction: 'maximize' }],
  strategy: { name: 'random' },
  evaluator: { kind: 'external', metrics: ['val_acc', 'val_loss'] },
  budget: { maxTrialCount: 3, parallelTrialCount: 2 },
  seed: 1,
} satisfies SearchSpecInput;

/** Creates a search and waits until the controller has proposed its first trials. */
async function startSearch(overrides: Partial<SearchSpecInput> = {}): Promise<string> {
  const created = await post('/v1/searches', { ...EXTERNAL_SPEC, ...overrides });
  expect(created.status).toBe(201);
  const { id } = await json(created);
  await events.idle();
  return id;
}

/** A claim's answer and its body (none for 204). */
async function claim(searchId: string, body?: unknown, as: Request = request): Promise<{ status: number; body: any }> {
  const response = await post(`/v1/searches/${searchId}/claims`, body, as);
  return { status: response.status, body: response.status === 204 ? undefined : await json(response) };
}

async function claimed(searchId: string, body?: unknown): Promise<any> {
  const answer = await claim(searchId, body);
  expect(answer.status).toBe(201);
  return answer.body;
}

const reportOf = (searchId: string, lease: any, step: number, metrics: Record<string, number>) =>
  post(`/v1/searches/${searchId}/trials/${lease.trialNumber}/reports`, { leaseId: lease.leaseId, step, metrics });

async function complete(searchId: string, lease: any, body: Record<string, unknown>): Promise<Response> {
  const response = await post(`/v1/searches/${searchId}/trials/${lease.trialNumber}/complete`, { leaseId: lease.leaseId, ...body });
  await events.idle();
  return response;
}

/** A deterministic score per architecture, as a worker's training would measure. */
const accuracyOf = (archHash: string) => parseInt(archHash.slice(0, 6), 16) / 0xffffff;

/** Claims and completes trials until the search is finished (410), as a worker loop does. */
async function workUntilFinished(searchId: string, metricsOf: (lease: any) => Record<string, number>): Promise<number> {
  let completed = 0;
  for (let round = 0; round < 100; round++) {
    const answer = await claim(searchId);
    if (answer.status === 410) return completed;
    if (answer.status === 204) {
      await events.idle();
      continue;
    }
    expect(answer.status).toBe(201);
    expect((await complete(searchId, answer.body, { metrics: metricsOf(answer.body) })).status).toBe(200);
    completed++;
  }
  throw new Error(`search ${searchId} did not finish`);
}

describe('an external search', () => {
  it('is refused unless its objectives name declared metrics, and costs the service nothing per trial', async () => {
    const undeclared = await json(await post('/v1/searches', { ...EXTERNAL_SPEC, objectives: [{ metric: 'accuracy', direction: 'maximize' }] }));
    expect(undeclared).toMatchObject({ status: 400, errors: [{ field: 'objectives[0].metric' }] });
    expect(undeclared.errors[0].message).toMatch(/declare it in evaluator\.metrics/);
    const selection = await json(await post('/v1/searches', { ...EXTERNAL_SPEC, evaluator: { ...EXTERNAL_SPEC.evaluator, metric: 'loss' } }));
    expect(selection).toMatchObject({ status: 400, errors: [{ field: 'evaluator.metric' }] });

    const created = await json(await post('/v1/searches', { ...EXTERNAL_SPEC, budget: { maxTrialCount: 50, parallelTrialCount: 4, maxCostUsd: 0.01 } }));
    expect(created.estimate).toMatchObject({ usd: 0, usdPerTrial: 0 });
    expect(created.estimate.instance).toMatch(/your own workers/);
    expect(created.spec.evaluator).toEqual({ kind: 'external', metrics: ['val_acc', 'val_loss'], metric: 'val_acc' });
    await events.idle();
  });

  it('leases a trial to a worker, takes its reports, and records its completion', async () => {
    const id = await startSearch();
    const lease = await claimed(id, { workerId: 'gpu-box-1', leaseSeconds: 60 });
    expect(lease).toMatchObject({ searchId: id, trialNumber: 1, attempt: 1, metrics: ['val_acc', 'val_loss'], objectives: EXTERNAL_SPEC.objectives });
    expect(lease.leaseExpiresAt).toBe(new Date(now.getTime() + 60_000).toISOString());
    const running = await get(`/v1/searches/${id}/trials/1`);
    expect(running).toMatchObject({ status: 'RUNNING', arch: lease.arch, workerId: 'gpu-box-1', leaseExpiresAt: lease.leaseExpiresAt });
    expect(running.leaseId).toBeUndefined();

    now = new Date(now.getTime() + 45_000);
    const reported = await reportOf(id, lease, 1, { val_acc: 0.5, val_loss: 1.2 });
    expect(await json(reported)).toEqual({ decision: 'continue', leaseExpiresAt: new Date(now.getTime() + 60_000).toISOString() });
    expect((await get(`/v1/searches/${id}/trials/1`)).curve).toEqual([{ epoch: 1, metrics: { val_acc: 0.5, val_loss: 1.2 }, seconds: 45 }]);

    const done = await complete(id, lease, { metrics: { val_acc: 0.75, val_loss: 0.4 } });
    expect(done.status).toBe(200);
    expect(await json(done)).toMatchObject({ number: 1, status: 'SUCCEEDED', metrics: { val_acc: 0.75, val_loss: 0.4 }, costSeconds: 45 });
    // The completion ticked the controller: the freed slot holds a new trial at once.
    const search = await get(`/v1/searches/${id}`);
    expect(search).toMatchObject({ trialCount: 3, best: { trialNumber: 1, value: 0.75 }, costUsd: 0 });
    expect((await claimed(id)).trialNumber).toBe(2);
  });

  it('answers 204 while every trial is held, and 410 once the search is finished', async () => {
    const id = await startSearch();
    const first = await claimed(id);
    const second = await claimed(id);
    expect(first.trialNumber).not.toBe(second.trialNumber);
    expect((await claim(id)).status).toBe(204);

    await complete(id, first, { metrics: { val_acc: 0.1 } });
    await complete(id, second, { metrics: { val_acc: 0.2 } });
    await complete(id, await claimed(id), { metrics: { val_acc: 0.3 } });
    expect(await get(`/v1/searches/${id}`)).toMatchObject({ status: 'SUCCEEDED', reason: 'MaxTrialsReached', trialStatusCounters: { succeeded: 3 } });
    expect(await claim(id)).toMatchObject({ status: 410, body: { status: 410, detail: expect.stringMatching(/SUCCEEDED/) } });
  });

  it('never gives the same trial to two concurrent claims', async () => {
    const id = await startSearch({ budget: { maxTrialCount: 20, parallelTrialCount: 4 } });
    const answers = await Promise.all(Array.from({ length: 7 }, () => claim(id, { workerId: 'racer' })));
    const leases = answers.filter((a) => a.status === 201).map((a) => a.body);
    expect(leases).toHaveLength(4);
    expect(new Set(leases.map((l) => l.trialNumber)).size).toBe(4);
    expect(answers.filter((a) => a.status === 204)).toHaveLength(3);
  });

  it('refuses a report or completion under a lease that does not hold the trial, changing nothing', async () => {
    const id = await startSearch();
    const lease = await claimed(id);
    const before = await db.store.getTrial('workers', id, lease.trialNumber);
    const forged = { ...lease, leaseId: 'not-the-lease' };
    const stale = await reportOf(id, forged, 1, { val_acc: 0.9 });
    expect(stale.status).toBe(409);
    expect(stale.headers.get('content-type')).toBe('application/problem+json');
    expect((await complete(id, forged, { metrics: { val_acc: 0.9 } })).status).toBe(409);
    expect((await complete(id, forged, { status: 'FAILED', reason: 'oom' })).status).toBe(409);
    expect(await db.store.getTrial('workers', id, lease.trialNumber)).toEqual(before);
  });

  it('names the field of a report or completion with metrics it cannot take', async () => {
    const id = await startSearch();
    const lease = await claimed(id);
    expect(await json(await reportOf(id, lease, 1, { val_accuracy: 0.9 }))).toMatchObject({ status: 400, errors: [{ field: 'metrics.val_accuracy' }] });
    expect(await json(await complete(id, lease, { metrics: { val_loss: 0.3 } }))).toMatchObject({ status: 400, errors: [{ field: 'metrics.val_acc' }] });
    expect((await reportOf(id, lease, -1, { val_acc: 0.9 })).status).toBe(400);
    expect(await json(await complete(id, lease, { status: 'FAILED' }))).toMatchObject({ status: 400, errors: [{ field: 'reason' }] });
    expect((await claim(id, { leaseSeconds: 0 })).body).toMatchObject({ status: 400, errors: [{ field: 'leaseSeconds' }] });
  });

  it('records a failure the worker reports', async () => {
    const id = await startSearch();
    const lease = await claimed(id);
    const failed = await json(await complete(id, lease, { status: 'FAILED', reason: 'CUDA out of memory' }));
    expect(failed).toMatchObject({ status: 'FAILED', error: { message: 'CUDA out of memory', retryable: false } });
    expect((await get(`/v1/searches/${id}`)).trialStatusCounters.failed).toBe(1);
  });

  it("is another tenant's 404, and a 409 for a search its own workers do not train", async () => {
    const id = await startSearch();
    const lease = await claimed(id);
    expect((await claim(id, undefined, otherTenant)).status).toBe(404);
    expect((await post(`/v1/searches/${id}/trials/${lease.trialNumber}/reports`, { leaseId: lease.leaseId, step: 1, metrics: {} }, otherTenant)).status).toBe(404);
    expect((await post(`/v1/searches/${id}/trials/${lease.trialNumber}/complete`, { leaseId: lease.leaseId, metrics: { val_acc: 1 } }, otherTenant)).status).toBe(404);
    expect((await get(`/v1/searches/${id}/trials/${lease.trialNumber}`)).status).toBe('RUNNING');

    const benchmark = await post('/v1/searches', { ...EXTERNAL_SPEC, evaluator: { kind: 'benchmark', benchmark: 'nb201', metric: 'cifar10_test_200' }, objectives: [{ metric: 'cifar10_test_200', direction: 'maximize' }] });
    const notExternal = await claim((await json(benchmark)).id);
    expect(notExternal).toMatchObject({ status: 409, body: { detail: expect.stringMatching(/not by external workers/) } });
    await events.idle();
  });

  it('hands out no more trials once the search is stopping, and ends the leases it holds', async () => {
    const id = await startSearch();
    const lease = await claimed(id);
    expect((await post(`/v1/searches/${id}/stop`)).status).toBe(202);
    await events.idle();
    expect((await claim(id)).status).toBe(410);
    expect((await reportOf(id, lease, 1, { val_acc: 0.5 })).status).toBe(409);
    expect(await get(`/v1/searches/${id}/trials/${lease.trialNumber}`)).toMatchObject({ status: 'KILLED' });
  });
});

describe('the protocol as documented', () => {
  it('is in /openapi.json with its request and answer schemas', async () => {
    const doc = await get('/openapi.json');
    expect(Object.keys(doc.paths['/v1/searches/{id}/claims'].post.responses)).toEqual(['201', '204', '400', '404', '409', '410']);
    expect(doc.paths['/v1/searches/{id}/trials/{number}/reports'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/TrialReport' });
    expect(doc.paths['/v1/searches/{id}/trials/{number}/complete'].post.responses['200']).toBeDefined();
    for (const name of ['ClaimRequest', 'ClaimedTrial', 'TrialReport', 'ReportAnswer', 'TrialCompletion']) expect(doc.components.schemas[name]).toBeDefined();
    expect(doc.components.schemas.EvaluatorSpec.oneOf ?? doc.components.schemas.EvaluatorSpec.anyOf).toContainEqual(
      expect.objectContaining({ properties: expect.objectContaining({ kind: { type: 'string', enum: ['external'] } }) }),
    );
  });
});

describe('early stopping through reports', () => {
  it('stops a trial whose reports fall below the median of the others, and frees its slot', async () => {
    const id = await startSearch({
      budget: { maxTrialCount: 5, parallelTrialCount: 1 },
      earlyStopping: { algorithm: 'median', settings: { minTrialsRequired: 1, startEpoch: 2 } },
    });
    const strong = await claimed(id);
    for (const [step, acc] of [[1, 0.6], [2, 0.8], [3, 0.9]] as const) {
      expect((await json(await reportOf(id, strong, step, { val_acc: acc }))).decision).toBe('continue');
    }
    await complete(id, strong, { metrics: { val_acc: 0.9 } });

    const weak = await claimed(id);
    // Step 1 is before the rule's startEpoch: the weak trial goes on.
    expect((await json(await reportOf(id, weak, 1, { val_acc: 0.2 }))).decision).toBe('continue');
    const stopped = await json(await reportOf(id, weak, 2, { val_acc: 0.3, val_loss: 2 }));
    expect(stopped).toMatchObject({ decision: 'stop', reason: expect.stringMatching(/median rule at epoch 2/) });
    await events.idle();

    const trial = await get(`/v1/searches/${id}/trials/${weak.trialNumber}`);
    expect(trial).toMatchObject({ status: 'EARLY_STOPPED', earlyStopReason: stopped.reason, metrics: { val_acc: 0.3, val_loss: 2 } });
    expect(trial.curve.map((o: { epoch: number }) => o.epoch)).toEqual([1, 2]);
    expect((await reportOf(id, weak, 3, { val_acc: 0.4 })).status).toBe(409);
    expect((await claimed(id)).trialNumber).toBe(weak.trialNumber + 1);
    expect((await get(`/v1/searches/${id}`)).trialStatusCounters).toMatchObject({ succeeded: 1, earlyStopped: 1 });
  });
});

describe('leases that run out', () => {
  it('make the trial STALE; its architecture is claimed again as the next attempt, and counted once', async () => {
    const id = await startSearch({ budget: { maxTrialCount: 1, parallelTrialCount: 1 } });
    const lost = await claimed(id, { workerId: 'killed-worker', leaseSeconds: 30 });
    expect((await json(await reportOf(id, lost, 1, { val_acc: 0.4 }))).decision).toBe('continue');

    now = new Date(now.getTime() + 31_000);
    const late = await reportOf(id, lost, 2, { val_acc: 0.5 });
    expect(late.status).toBe(409);
    expect((await json(late)).detail).toMatch(/ran out/);
    // The first claim after the lease ran out asks the controller to look; the next finds the trial again.
    expect((await claim(id)).status).toBe(204);
    await events.idle();
    const retry = await claimed(id, { workerId: 'second-worker' });
    expect(retry).toMatchObject({ trialNumber: lost.trialNumber, attempt: 2, arch: lost.arch });
    expect(retry.leaseId).not.toBe(lost.leaseId);

    expect((await complete(id, lost, { metrics: { val_acc: 0.99 } })).status).toBe(409);
    const done = await complete(id, retry, { metrics: { val_acc: 0.6 } });
    expect(await json(done)).toMatchObject({ status: 'SUCCEEDED', attempt: 2, workerId: 'second-worker', metrics: { val_acc: 0.6 } });
    // A retried completion (its answer lost) gets the same trial, and a replayed event changes nothing.
    expect(await json(await complete(id, retry, { metrics: { val_acc: 0.6 } }))).toMatchObject({ status: 'SUCCEEDED', metrics: { val_acc: 0.6 } });
    events.publish({ type: 'TrialJobEnded', tenantId: 'workers', searchId: id, trialNumber: retry.trialNumber });
    await events.idle();

    const search = await get(`/v1/searches/${id}`);
    expect(search).toMatchObject({ status: 'SUCCEEDED', trialCount: 1, trialStatusCounters: { succeeded: 1, stale: 0 }, best: { value: 0.6 } });
    const trial = await db.store.getTrial('workers', id, retry.trialNumber);
    expect(trial?.pastAttempts).toEqual([expect.objectContaining({ attempt: 1, endedBy: 'stale' })]);
  });

  it('fail the trial once budget.maxTrialAttempts leases ran out', async () => {
    const id = await startSearch({ budget: { maxTrialCount: 1, parallelTrialCount: 1, maxTrialAttempts: 2 } });
    for (const attempt of [1, 2]) {
      const lease = await claimed(id, { leaseSeconds: 10 });
      expect(lease.attempt).toBe(attempt);
      now = new Date(now.getTime() + 11_000);
      events.publish({ type: 'SearchSwept', tenantId: 'workers', searchId: id });
      await events.idle();
    }
    const trial = await get(`/v1/searches/${id}/trials/1`);
    expect(trial).toMatchObject({ status: 'FAILED', attempt: 2, error: { message: expect.stringMatching(/gave up after 2 attempts/) } });
    expect(await get(`/v1/searches/${id}`)).toMatchObject({ status: 'FAILED', reason: 'AllTrialsFailed' });
  });

  it('last as long as reports keep coming', async () => {
    const id = await startSearch({ budget: { maxTrialCount: 1, parallelTrialCount: 1 } });
    const lease = await claimed(id, { leaseSeconds: 20 });
    for (let beat = 0; beat < 3; beat++) {
      now = new Date(now.getTime() + 15_000);
      // An empty report only renews the lease: the heartbeat of a long step.
      expect((await json(await reportOf(id, lease, 1, {}))).decision).toBe('continue');
      events.publish({ type: 'SearchSwept', tenantId: 'workers', searchId: id });
      await events.idle();
    }
    expect(await get(`/v1/searches/${id}/trials/1`)).toMatchObject({ status: 'RUNNING', attempt: 1 });
    expect((await get(`/v1/searches/${id}/trials/1`)).curve).toBeUndefined();
  });
});

describe('strategies over external trials', () => {
  it.each(STRATEGY_NAMES)('%s runs a search to its end', async (name) => {
    const id = await startSearch({ strategy: { name }, budget: { maxTrialCount: 4, parallelTrialCount: 2 } });
    expect(await workUntilFinished(id, (lease) => ({ val_acc: accuracyOf(lease.archHash) }))).toBe(4);
    expect(await get(`/v1/searches/${id}`)).toMatchObject({ status: 'SUCCEEDED', trialCount: 4, trialStatusCounters: { succeeded: 4 } });
  });

  it('ranks a multi-objective search on its declared metrics and the architecture metrics the service computes', async () => {
    const id = await startSearch({
      strategy: { name: 'nsga2' },
      evaluator: { kind: 'external', metrics: ['val_acc', 'latency_ms'] },
      objectives: [
        { metric: 'val_acc', direction: 'maximize' },
        { metric: 'latency_ms', direction: 'minimize' },
        { metric: 'params', direction: 'minimize' },
      ],
      budget: { maxTrialCount: 6, parallelTrialCount: 3 },
    });
    const lease = await claimed(id);
    expect(lease.objectives.map((o: { metric: string }) => o.metric)).toEqual(['val_acc', 'latency_ms', 'params']);
    expect(await json(await complete(id, lease, { metrics: { val_acc: 0.5 } }))).toMatchObject({ status: 400, errors: [{ field: 'metrics.latency_ms' }] });
    const done = await json(await complete(id, lease, { metrics: { val_acc: 0.5, latency_ms: 3 } }));
    expect(done.metrics).toEqual({ val_acc: 0.5, latency_ms: 3, params: expect.any(Number) });

    await workUntilFinished(id, (l) => ({ val_acc: accuracyOf(l.archHash), latency_ms: 1 + accuracyOf(l.archHash.slice(6)) * 10 }));
    expect(await get(`/v1/searches/${id}`)).toMatchObject({ status: 'SUCCEEDED', trialStatusCounters: { succeeded: 6 } });
    const front = await get(`/v1/searches/${id}/pareto`);
    expect(front.items.length).toBeGreaterThan(0);
    expect(front.referencePoint).toHaveLength(3);
  });
});
