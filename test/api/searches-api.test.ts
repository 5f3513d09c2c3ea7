import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createApp } from '../../src/api/app.js';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { estimateForEvaluator } from '../../src/cost/estimate.js';
import { toSearchView } from '../../src/api/views.js';
import { emptyLedger } from '../../src/search/trial-ledger.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { newSearch } from '../helpers/records.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

const VALID = EXAMPLE_SEARCH_SPEC;

let db: TestStore;
let app: ReturnType<typeof createApp>;
let request: (path: string, init?: RequestInit) => Response | Promise<Response>;
const events = new RecordingEvents();

beforeAll(async () => {
  db = await startTestStore();
  ({ app, request } = await authorizedApp({ store: db.store, events, benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date() }));
});
afterAll(() => db.close());

const post = (path: string, body: unknown) =>
  request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

// Tests read answers loosely typed: what they check is the wire format itself.
const json = (response: Response): Promise<any> => response.json();

/** Returns a copy of the valid body with `mutate` applied. */
function variant(mutate: (body: Record<string, any>) => void): Record<string, unknown> {
  const body = structuredClone(VALID) as Record<string, any>;
  mutate(body);
  return body;
}

describe('POST /v1/searches', () => {
  it('creates a search, fills defaults and announces it', async () => {
    const response = await post('/v1/searches', VALID);
    expect(response.status).toBe(201);
    const search = await json(response);
    expect(search).toMatchObject({ status: 'CREATED', trialCount: 0, spec: { seed: 7, strategy: { params: { maxDrawsPerCandidate: 100 } } } });
    expect(response.headers.get('location')).toBe(`/v1/searches/${search.id}`);
    expect(events.published).toContainEqual({ type: 'SearchCreated', tenantId: 'local', searchId: search.id });
    const { estimate: _estimate, ...created } = search;
    const read = await request(`/v1/searches/${search.id}`);
    expect(await json(read)).toEqual(created);
  });

  it("keeps the controller's bookkeeping (ledger, version, strategy state) and the tenant off the search view", () => {
    const record = { ...newSearch('VIEW-1'), version: 3, strategyState: { rng: [1] }, ledger: emptyLedger() };
    const view = toSearchView(record);
    for (const internal of ['ledger', 'version', 'strategyState', 'tenantId']) expect(view).not.toHaveProperty(internal);
    expect(view).toMatchObject({ id: 'VIEW-1', status: record.status });
  });

  it('answers with the cost estimate it checked the budget against', async () => {
    const spec = variant((b) => (b.budget = { maxTrialCount: 100, parallelTrialCount: 8 }));
    const { estimate } = await json(await post('/v1/searches', spec));
    const expected = estimateForEvaluator({ evaluatorKind: 'benchmark', maxTrialCount: 100, parallelTrialCount: 8 });
    expect(estimate).toEqual({
      usd: expected.usd,
      usdPerTrial: expected.breakdown.usdPerTrial,
      trialSeconds: expected.breakdown.billedSecondsPerTrial,
      wallClockSeconds: expected.breakdown.wallClockSeconds,
      instance: expect.stringMatching(/^Fargate 1 vCPU \/ 2 GiB, on-demand$/),
      basis: expect.stringContaining(expected.breakdown.prices),
    });
    // Every trial of the budget at the per-trial price, up to the cent; parallelism changes the time only.
    for (const [trials, parallel] of [[100, 8], [1000, 64], [1000, 1]] as const) {
      const { estimate: e } = await json(await post('/v1/searches', variant((b) => (b.budget = { maxTrialCount: trials, parallelTrialCount: parallel }))));
      expect(e.usd).toBeGreaterThanOrEqual(trials * e.usdPerTrial - 1e-9);
      expect(e.usd).toBeLessThan(trials * e.usdPerTrial + 0.01);
      expect(e.wallClockSeconds).toBe(Math.ceil(trials / parallel) * e.trialSeconds);
    }
  });

  it('accepts a search whose estimate is within maxCostUsd, and answers a replayed request with the same estimate', async () => {
    const spec = variant((b) => (b.budget.maxCostUsd = 5));
    const first = await request('/v1/searches', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'estimate-replay' }, body: JSON.stringify(spec) });
    expect(first.status).toBe(201);
    const body = await json(first);
    expect(body.estimate.usd).toBeLessThanOrEqual(5);
    const again = await request('/v1/searches', { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'estimate-replay' }, body: JSON.stringify(spec) });
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(body);
  });

  it('records a random seed when none is given, so the search can be repeated', async () => {
    const response = await post('/v1/searches', variant((b) => delete b.seed));
    expect(Number.isInteger((await json(response)).spec.seed)).toBe(true);
  });

  const MALFORMED: [string, string, unknown][] = [
    ['no space', 'space', variant((b) => delete b.space)],
    ['unknown space', 'space', variant((b) => (b.space = 'resnet'))],
    ['unknown strategy', 'strategy.name', variant((b) => (b.strategy.name = 'bayesian'))],
    ['unknown benchmark', 'evaluator.benchmark', variant((b) => (b.evaluator.benchmark = 'nb999'))],
    ['unknown evaluator kind', 'evaluator.kind', variant((b) => (b.evaluator.kind = 'magic'))],
    ['unknown objective metric', 'objectives[0].metric', variant((b) => (b.objectives[0].metric = 'cifar10_top5'))],
    ['unknown evaluator metric', 'evaluator.metric', variant((b) => (b.evaluator.metric = 'imagenet_test_200'))],
    ['bad direction', 'objectives[0].direction', variant((b) => (b.objectives[0].direction = 'up'))],
    ['no objectives', 'objectives', variant((b) => (b.objectives = []))],
    ['zero trials', 'budget.maxTrialCount', variant((b) => (b.budget.maxTrialCount = 0))],
    ['fractional trials', 'budget.maxTrialCount', variant((b) => (b.budget.maxTrialCount = 2.5))],
    ['too many trials', 'budget.maxTrialCount', variant((b) => (b.budget.maxTrialCount = 1e9))],
    ['negative parallelism', 'budget.parallelTrialCount', variant((b) => (b.budget.parallelTrialCount = -1))],
    ['string budget', 'budget.maxRuntimeSeconds', variant((b) => (b.budget.maxRuntimeSeconds = 'an hour'))],
    ['unknown budget field', 'budget.maxTrials', variant((b) => (b.budget.maxTrials = 5))],
    ['unknown top-level field', 'earlyStopping', variant((b) => (b.earlyStopping = { algorithm: 'median' }))],
    ['bad strategy params', 'strategy.params.maxDrawsPerCandidate', variant((b) => (b.strategy.params = { maxDrawsPerCandidate: 0 }))],
    ['unknown strategy param', 'strategy.params.temperature', variant((b) => (b.strategy.params = { temperature: 1 }))],
    ['negative seed', 'seed', variant((b) => (b.seed = -3))],
    ['estimated cost over maxCostUsd', 'budget.maxCostUsd', variant((b) => (b.budget.maxCostUsd = 0.0001))],
    ['body is an array', 'json', [VALID]],
    ['body is not JSON', 'body', '{"space": "nb201",'],
  ];

  it.each(MALFORMED)('answers 400 problem+json for %s, naming %s', async (_name, field, body) => {
    const before = (await db.store.listSearches('local', { limit: 1000 })).items.length;
    const response = await post('/v1/searches', body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = await json(response);
    expect(problem).toMatchObject({ status: 400, title: expect.any(String), detail: expect.any(String) });
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await db.store.listSearches('local', { limit: 1000 })).items.length).toBe(before);
  });

  it('refuses oversized bodies with 413 before parsing them', async () => {
    const response = await post('/v1/searches', variant((b) => (b.name = 'x'.repeat(300_000))));
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('reading and stopping searches', () => {
  it('answers 404 problem+json for unknown searches, trials and routes', async () => {
    for (const path of ['/v1/searches/NOPE', '/v1/searches/NOPE/trials', '/v1/searches/NOPE/best', '/v1/nothing']) {
      const response = await request(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('validates query parameters', async () => {
    const response = await request('/v1/searches?limit=0');
    expect(response.status).toBe(400);
    expect((await json(response)).errors[0].field).toBe('limit');
    const token = await request('/v1/searches?nextToken=garbage');
    expect(token.status).toBe(400);
    expect((await json(token)).errors[0].field).toBe('nextToken');
  });

  it('stops an active search once and refuses to stop a finished one', async () => {
    const { id } = await json(await post('/v1/searches', VALID));
    const stop = await post(`/v1/searches/${id}/stop`, {});
    expect(stop.status).toBe(202);
    expect((await json(stop)).status).toBe('STOPPING');
    expect(events.published).toContainEqual({ type: 'SearchStopRequested', tenantId: 'local', searchId: id });
    const search = await db.store.getSearch('local', id);
    await db.store.saveSearch({ ...search!, status: 'STOPPED', reason: 'Stopped' });
    const again = await post(`/v1/searches/${id}/stop`, {});
    expect(again.status).toBe(409);
  });

  it('publishes an OpenAPI document describing the routes and the spec', async () => {
    const doc = await json(await app.request('/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/searches', '/v1/searches/{id}', '/v1/searches/{id}/stop', '/v1/searches/{id}/trials', '/v1/searches/{id}/trials/{number}', '/v1/searches/{id}/best', '/v1/catalog']),
    );
    expect(doc.components.schemas.SearchSpec.properties.budget).toBeDefined();
    const created = doc.paths['/v1/searches'].post.responses['201'].content['application/json'].schema;
    expect(created.$ref).toBe('#/components/schemas/CreatedSearch');
    expect(JSON.stringify(doc.components.schemas.CreatedSearch)).toContain('"required":["estimate"]');
    expect(Object.keys(doc.components.schemas.CostEstimate.properties)).toEqual(expect.arrayContaining(['usd', 'trialSeconds', 'instance', 'basis']));
  });

  it('lists the catalog of spaces, strategies and benchmark metrics', async () => {
    const catalog = await json(await request('/v1/catalog'));
    expect(catalog.spaces.map((s: { name: string }) => s.name)).toContain('nb201');
    expect(catalog.benchmarks[0].metrics).toContain('latency_ms_pixel3');
  });
});

describe('authentication and tenant isolation', () => {
  it('refuses /v1 without a known key, with a problem naming Authorization, and serves /health and /openapi.json openly', async () => {
    for (const headers of [{}, { authorization: 'Bearer nas_unknown' }, { 'x-api-key': 'nope' }] as Record<string, string>[]) {
      const response = await app.request('/v1/searches', { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await json(response)).errors[0].field).toBe('Authorization');
    }
    expect((await app.request('/health')).status).toBe(200);
    expect((await app.request('/openapi.json')).status).toBe(200);
  });

  it('accepts the key as X-API-Key too', async () => {
    const key = await issueApiKey(db.store, 'local', 'second key', new Date());
    expect((await app.request('/v1/searches', { headers: { 'x-api-key': key } })).status).toBe(200);
  });

  it("never shows or changes one tenant's search for another", async () => {
    const { id } = await json(await post('/v1/searches', VALID));
    const other = await issueApiKey(db.store, 'tenant-b', 'intruder', new Date());
    const as = (path: string, method = 'GET') => app.request(path, { method, headers: { authorization: `Bearer ${other}` } });
    for (const path of [`/v1/searches/${id}`, `/v1/searches/${id}/trials`, `/v1/searches/${id}/trials/1`, `/v1/searches/${id}/best`, `/v1/searches/${id}/pareto`]) {
      expect((await as(path)).status, path).toBe(404);
    }
    expect((await as(`/v1/searches/${id}/stop`, 'POST')).status).toBe(404);
    expect((await json(await as('/v1/searches'))).items).toEqual([]);
    expect((await json(await request(`/v1/searches/${id}`))).status).toBe('CREATED');
  });
});
