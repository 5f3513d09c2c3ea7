import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';
import { dynamoClientConfig } from '../../src/store/client-config.js';
import { DynamoDbStore } from '../../src/store/dynamodb-store.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

let db: TestStore;
const events = new RecordingEvents();
const benchmarks = new BenchmarkCatalog(BENCHMARKS_DIR);
let request: (path: string, init?: RequestInit) => Response | Promise<Response>;
let key: string;

beforeAll(async () => {
  db = await startTestStore();
  // Fuzzing creates many searches that no controller runs: lift the active-search quota here.
  ({ request, key } = await authorizedApp({ store: db.store, events, benchmarks, clock: () => new Date(), limits: { maxActiveSearches: 10_000 } }));
});
afterAll(() => db.close());

const json = (response: Response): Promise<any> => response.json();
const post = (body: unknown, headers: Record<string, string> = {}) =>
  request('/v1/searches', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const searchCount = async () => (await db.store.listSearches('local', { limit: 1000 })).items.length;

describe('Idempotency-Key on POST /v1/searches', () => {
  it('returns the same search for a retried request, and starts only one', async () => {
    const before = await searchCount();
    const first = await post(EXAMPLE_SEARCH_SPEC, { 'idempotency-key': 'retry-1' });
    expect(first.status).toBe(201);
    // The same body with its keys in another order is the same request.
    const reordered = Object.fromEntries(Object.entries(EXAMPLE_SEARCH_SPEC).reverse());
    const retry = await post(reordered, { 'idempotency-key': 'retry-1' });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect((await json(retry)).id).toBe((await json(first)).id);
    expect(await searchCount()).toBe(before + 1);
  });

  it('answers concurrent duplicates with one search', async () => {
    const before = await searchCount();
    const responses = await Promise.all(Array.from({ length: 6 }, () => post(EXAMPLE_SEARCH_SPEC, { 'idempotency-key': 'burst' })));
    const ids = new Set(await Promise.all(responses.map(async (r) => (await json(r)).id)));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(await searchCount()).toBe(before + 1);
  });

  it('refuses a key reused for a different request, and a malformed key', async () => {
    await post(EXAMPLE_SEARCH_SPEC, { 'idempotency-key': 'reused' });
    const other = await post({ ...EXAMPLE_SEARCH_SPEC, seed: 8 }, { 'idempotency-key': 'reused' });
    expect(other.status).toBe(409);
    const malformed = await post(EXAMPLE_SEARCH_SPEC, { 'idempotency-key': 'has spaces' });
    expect(malformed.status).toBe(400);
    expect((await json(malformed)).errors[0].field).toBe('idempotency-key');
  });
});

describe('limits per tenant', () => {
  it('refuses a search over the active-search quota with 429 and Retry-After', async () => {
    const limited = await authorizedApp({ store: db.store, events, benchmarks, clock: () => new Date(), limits: { maxActiveSearches: 2 } }, 'quota-tenant');
    const create = () => limited.request('/v1/searches', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(EXAMPLE_SEARCH_SPEC) });
    expect((await create()).status).toBe(201);
    expect((await create()).status).toBe(201);
    const refused = await create();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await json(refused)).toMatchObject({ type: '/problems/too-many-requests', status: 429 });
  });

  it('rate-limits each tenant on its own', async () => {
    const deps = { store: db.store, events, benchmarks, clock: () => new Date(), limits: { requestsPerMinute: 5 } };
    const busy = await authorizedApp(deps, 'busy-tenant');
    const other = await issueApiKey(db.store, 'calm-tenant', 'calm', new Date());
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await busy.request('/v1/searches')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const calm = await busy.app.request('/v1/searches', { headers: { authorization: `Bearer ${other}` } });
    expect(calm.status).toBe(200);
  });
});

describe('an unreachable record store', () => {
  it('turns every request into a 503 problem with Retry-After, and writes nothing', async () => {
    const down = new DynamoDbStore({
      tableName: 'nas',
      client: { ...dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' }), maxAttempts: 1 },
    });
    const broken = createApp({ store: down, events, benchmarks, clock: () => new Date() });
    const auth = { authorization: `Bearer ${key}` };
    const published = events.published.length;
    for (const response of [
      await broken.request('/v1/searches', { headers: auth }),
      await broken.request('/v1/searches', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(EXAMPLE_SEARCH_SPEC) }),
    ]) {
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.headers.get('retry-after')).toBe('1');
    }
    expect(events.published.length).toBe(published);
  });
});

describe('fuzzing the API', () => {
  /** A valid spec with one field replaced by an arbitrary value, or an arbitrary JSON value outright. */
  const bodies = fc.oneof(
    fc.jsonValue(),
    fc.tuple(fc.constantFrom(...Object.keys(EXAMPLE_SEARCH_SPEC)), fc.jsonValue()).map(([field, value]) => ({ ...EXAMPLE_SEARCH_SPEC, [field]: value })),
    fc.tuple(fc.constantFrom('maxTrialCount', 'parallelTrialCount', 'maxFailedTrialCount', 'maxRuntimeSeconds', 'x'), fc.jsonValue()).map(
      ([field, value]) => ({ ...EXAMPLE_SEARCH_SPEC, budget: { ...EXAMPLE_SEARCH_SPEC.budget, [field]: value } }),
    ),
    fc.string(),
  );

  it('never answers a random or malformed body with a 500', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const response = await post(typeof body === 'string' ? body : JSON.stringify(body));
        expect([201, 400]).toContain(response.status);
        if (response.status === 400) {
          expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect((await json(response)).errors.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 150, seed: 42 },
    );
  });

  it('never answers random paths and query strings with a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.webPath(), fc.webQueryParameters(), async (path, query) => {
        const response = await request(`/v1/searches${path}?${query}`);
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
