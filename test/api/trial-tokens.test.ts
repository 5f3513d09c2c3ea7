import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TrialAccess } from '../../src/search/records.js';
import { issueTrialAccess, TRIAL_TOKEN_PREFIX } from '../../src/usecases/trial-tokens.js';
import { tick, type ControllerDeps } from '../../src/controller/tick.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { InProcessEvents } from '../../src/events/in-process-events.js';
import { jobName } from '../../src/jobs/job-queue.js';
import type { SearchSpecInput } from '../../src/search/spec.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { ScriptedJobQueue } from '../helpers/scripted-queue.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

/**
 * Container trials reporting over HTTP with their trial tokens, as the user's image does on AWS Batch: the
 * API and the controller wired as the controller Lambda wires them, with jobs the test moves by hand. The
 * token is issued as the Batch target issues it at submission (src/jobs/container-job.ts).
 */

let db: TestStore;
const clock = () => new Date();
const errors: unknown[] = [];
let events: InProcessEvents;
let app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> };
let request: (path: string, init?: RequestInit) => Response | Promise<Response>;
let otherTenant: (path: string, init?: RequestInit) => Response | Promise<Response>;
const queue = new ScriptedJobQueue();

beforeAll(async () => {
  db = await startTestStore();
  const { store } = db;
  const controller: ControllerDeps = { store, queue, clock };
  events = new InProcessEvents(
    (tenantId, searchId) => tick(controller, tenantId, searchId),
    (error) => errors.push(error),
  );
  const deps = { store, events, benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock, containerTrials: 'batch' as const, limits: { requestsPerMinute: 1_000_000, maxActiveSearches: 1000 } };
  ({ app, request } = await authorizedApp(deps, 'trainers'));
  ({ request: otherTenant } = await authorizedApp(deps, 'someone-else'));
});
afterEach(() => expect(errors).toEqual([]));
afterAll(() => db.close());

const CONTAINER_SPEC = {
  space: 'nb201',
  objectives: [{ metric: 'val_acc', direction: 'maximize' }],
  strategy: { name: 'random' },
  evaluator: {
    kind: 'container',
    image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/trainer:v1',
    command: ['python', 'train.py'],
    metricDefinitions: [{ name: 'val_acc', regex: 'val_acc=([0-9.]+)' }],
  },
  earlyStopping: { algorithm: 'median', settings: { minTrialsRequired: 1, startEpoch: 1 } },
  budget: { maxTrialCount: 4, parallelTrialCount: 2 },
  seed: 3,
} satisfies SearchSpecInput;

/** A container search whose first trials the controller submitted, each with a lease and token as its job target gives them. */
async function containerSearch(as = request, tenantId = 'trainers'): Promise<{ id: string; access: TrialAccess[] }> {
  const created = await as('/v1/searches', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CONTAINER_SPEC) });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  await events.idle();
  const trials = (await db.store.allTrials(tenantId, id)).filter((t) => t.status === 'PENDING');
  expect(trials).toHaveLength(2);
  const access = await Promise.all(trials.map(async (trial) => (await issueTrialAccess(db.store, trial))!));
  return { id, access };
}

/** A request as the container makes it: its token, no API key. */
function asContainer(token: string, path: string, init: RequestInit = {}): Promise<Response> {
  return Promise.resolve(app.request(path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } }));
}

const report = (token: string, id: string, n: number, body: unknown) => asContainer(token, `/v1/searches/${id}/trials/${n}/reports`, { method: 'POST', body: JSON.stringify(body) });
const complete = (token: string, id: string, n: number, body: unknown) => asContainer(token, `/v1/searches/${id}/trials/${n}/complete`, { method: 'POST', body: JSON.stringify(body) });
const trialOf = async (id: string, n: number) => (await db.store.getTrial('trainers', id, n))!;

describe("a container trial's code, with its trial token", () => {
  it('reports its curve (its first report claims the trial) and completes it, with no API key', async () => {
    const { id, access } = await containerSearch();
    const [first] = access;
    expect(first!.token.startsWith(TRIAL_TOKEN_PREFIX)).toBe(true);

    const answer = await report(first!.token, id, 1, { leaseId: first!.leaseId, step: 1, metrics: { val_acc: 0.5 } });
    expect(answer.status).toBe(200);
    // A container's lease lasts as long as its job: no expiry to renew.
    expect(await answer.json()).toEqual({ decision: 'continue' });
    expect(await trialOf(id, 1)).toMatchObject({ status: 'RUNNING', curve: [{ epoch: 1, metrics: { val_acc: 0.5 } }] });
    expect((await trialOf(id, 1)).startedAt).toBeDefined();

    const done = await complete(first!.token, id, 1, { leaseId: first!.leaseId, metrics: { val_acc: 0.8 } });
    expect(done.status).toBe(200);
    const view = (await done.json()) as Record<string, unknown>;
    expect(view).toMatchObject({ status: 'SUCCEEDED', metrics: { val_acc: 0.8 } });
    // Neither the lease nor the token's hash is shown to anyone.
    expect(view).not.toHaveProperty('leaseId');
    expect(view).not.toHaveProperty('trialTokenHash');
  });

  it('is judged by early stopping per report; a stopped trial ends EARLY_STOPPED and the controller stops its job', async () => {
    const { id, access } = await containerSearch();
    const [good, poor] = access;
    await report(good!.token, id, 1, { leaseId: good!.leaseId, step: 1, metrics: { val_acc: 0.9 } });
    await complete(good!.token, id, 1, { leaseId: good!.leaseId, metrics: { val_acc: 0.9 } });
    await events.idle();
    // The poor trial's job runs on Batch; its first report falls below the median of the finished one.
    const poorJob = queue.submitted.find((job) => job.searchId === id && job.trialNumber === 2)!;
    queue.move(poorJob, { status: 'RUNNING', startedAt: new Date().toISOString() });
    const answer = await report(poor!.token, id, 2, { leaseId: poor!.leaseId, step: 1, metrics: { val_acc: 0.1 } });
    expect(await answer.json()).toMatchObject({ decision: 'stop' });
    expect(await trialOf(id, 2)).toMatchObject({ status: 'EARLY_STOPPED', metrics: { val_acc: 0.1 } });
    await events.idle();
    expect(queue.terminated).toContain(jobName(poorJob));
  });
});

describe('a trial token, in the hands of an attacker', () => {
  it('reaches no other route: not the search, not the list, not a new search, not a claim', async () => {
    const { id, access } = await containerSearch();
    const { token } = access[0]!;
    for (const [path, method] of [
      ['/v1/searches', 'GET'],
      [`/v1/searches/${id}`, 'GET'],
      [`/v1/searches/${id}/trials`, 'GET'],
      [`/v1/searches/${id}/trials/1`, 'GET'],
      ['/v1/searches', 'POST'],
      [`/v1/searches/${id}/claims`, 'POST'],
      [`/v1/searches/${id}/stop`, 'POST'],
      ['/v1/api-keys', 'POST'],
    ] as const) {
      const response = await asContainer(token, path, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    // Sent as X-API-Key it is the same token, with the same reach.
    expect((await app.request('/v1/searches', { headers: { 'x-api-key': token } })).status).toBe(403);
  });

  it("reaches no other trial, even of its own search, with its own lease or the other's", async () => {
    const { id, access } = await containerSearch();
    const [mine, theirs] = access;
    for (const leaseId of [mine!.leaseId, theirs!.leaseId]) {
      expect((await report(mine!.token, id, 2, { leaseId, step: 1, metrics: { val_acc: 0.9 } })).status).toBe(403);
      expect((await complete(mine!.token, id, 2, { leaseId, metrics: { val_acc: 0.9 } })).status).toBe(403);
    }
    expect((await trialOf(id, 2)).curve).toBeUndefined();
  });

  it("is refused when it names another trial or tenant than the one it was issued for (a forged token)", async () => {
    const { id, access } = await containerSearch();
    const { token, leaseId } = access[0]!;
    const secret = token.split('.').at(-1)!;
    const named = (tenant: string, n: number) => `${TRIAL_TOKEN_PREFIX}${Buffer.from(JSON.stringify([tenant, id, n])).toString('base64url')}.${secret}`;
    const forged = named('trainers', 2);
    expect((await report(forged, id, 2, { leaseId: access[1]!.leaseId, step: 1, metrics: { val_acc: 0.9 } })).status).toBe(401);
    // Another tenant's search, same secret: the hash is checked on the trial the token names.
    const { id: otherId } = await containerSearch(otherTenant, 'someone-else');
    const crossTenant = `${TRIAL_TOKEN_PREFIX}${Buffer.from(JSON.stringify(['someone-else', otherId, 1])).toString('base64url')}.${secret}`;
    expect((await report(crossTenant, otherId, 1, { leaseId, step: 1, metrics: { val_acc: 0.9 } })).status).toBe(401);
    for (const malformed of [`${TRIAL_TOKEN_PREFIX}garbage`, `${TRIAL_TOKEN_PREFIX}.${secret}`, `${token}.extra`]) {
      expect((await report(malformed, id, 1, { leaseId, step: 1, metrics: { val_acc: 0.9 } })).status).toBe(401);
    }
    expect((await db.store.getTrial('someone-else', otherId, 1))?.curve).toBeUndefined();
  });

  it('dies with its attempt: once the trial ended, or a new attempt got a token of its own', async () => {
    const { id, access } = await containerSearch();
    const [first, second] = access;
    await complete(first!.token, id, 1, { leaseId: first!.leaseId, metrics: { val_acc: 0.5 } });
    expect((await report(first!.token, id, 1, { leaseId: first!.leaseId, step: 2, metrics: { val_acc: 0.9 } })).status).toBe(401);

    const reissued = (await issueTrialAccess(db.store, await trialOf(id, 2)))!;
    expect((await report(second!.token, id, 2, { leaseId: second!.leaseId, step: 1, metrics: { val_acc: 0.9 } })).status).toBe(401);
    expect((await report(reissued.token, id, 2, { leaseId: reissued.leaseId, step: 1, metrics: { val_acc: 0.9 } })).status).toBe(200);
  });
});
