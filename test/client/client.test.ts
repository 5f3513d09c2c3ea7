import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Imported as a user of the package imports it: the `./client` subpath export of package.json.
import { ApiError, collect, createClient, pages, ServiceUnreachable, type NasClient } from 'serverless-nas/client';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { serveApi } from '../cli/served-api.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { newSearch, newTrial, testSpec } from '../helpers/records.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

const TENANT = 'sdk';
let db: TestStore;
let app: Awaited<ReturnType<typeof authorizedApp>>;
let client: NasClient;

/** A client of the in-process app: its requests never leave the test. */
const inProcess = (apiKey?: string) => createClient({ baseUrl: 'http://nas.test', ...(apiKey ? { apiKey } : {}), fetch: (input, init) => app.app.request(input, init) });

beforeAll(async () => {
  db = await startTestStore();
  app = await authorizedApp({ store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date(), artifacts: new DirectoryArtifactStore(join(db.dataDir, 'artifacts')) }, TENANT);
  client = inProcess(app.key);
});
afterAll(async () => {
  await db?.close();
});

describe('the typed client', () => {
  it('starts a search and reads it back, typed from the API', async () => {
    const created = await client.createSearch({ ...testSpec(), name: 'typed' });
    expect(created.estimate.usd).toBeGreaterThanOrEqual(0);
    const search = await client.getSearch(created.id);
    expect(search).toMatchObject({ id: created.id, spec: { name: 'typed' }, trialStatusCounters: { succeeded: 0 } });
    expect((await client.listSearches({ limit: 1000 })).items.map((s) => s.id)).toContain(created.id);
  });

  it('replays a search created with the same idempotency key instead of starting another', async () => {
    const first = await client.createSearch(testSpec(), { idempotencyKey: 'sdk-retry-1' });
    const again = await client.createSearch(testSpec(), { idempotencyKey: 'sdk-retry-1' });
    expect(again.id).toBe(first.id);
  });

  it('reaches any route through `api`, as hono/client types it', async () => {
    const response = await client.api.v1.catalog.$get();
    expect(response.status).toBe(200);
    const catalog = await response.json();
    expect(catalog.spaces.map((space) => space.name)).toContain('nb201');
    expect(await client.health()).toEqual({ status: 'ok' });
  });
});

describe('errors', () => {
  it('throws a refused request as an ApiError carrying the problem and the offending fields', async () => {
    const error = await client.createSearch({ ...testSpec(), budget: { maxTrialCount: 0, parallelTrialCount: 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const refused = error as ApiError;
    expect(refused.status).toBe(400);
    expect(refused.problem).toMatchObject({ status: 400, title: expect.any(String) });
    expect(refused.fields.map((f) => f.field)).toContain('budget.maxTrialCount');
    expect(refused.retryable).toBe(false);
  });

  it('throws an unknown search as a 404 problem, and a missing key as a 401', async () => {
    await expect(client.getSearch('NO-SUCH-SEARCH')).rejects.toMatchObject({ status: 404, problem: { type: '/problems/not-found' } });
    await expect(inProcess().getSearch('NO-SUCH-SEARCH')).rejects.toMatchObject({ name: 'ApiError', status: 401 });
  });

  it('throws ServiceUnreachable when nothing answers, and leaves a caller\'s abort an abort', async () => {
    const refused = createClient({ baseUrl: 'http://nas.test', fetch: () => Promise.reject(new TypeError('fetch failed')) });
    await expect(refused.catalog()).rejects.toBeInstanceOf(ServiceUnreachable);
    const hanging = createClient({
      baseUrl: 'http://nas.test',
      fetch: (_input, init) => new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason))),
    });
    const cancel = new AbortController();
    const claim = hanging.claimTrial('any', {}, cancel.signal);
    cancel.abort();
    await expect(claim).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('pagination', () => {
  beforeAll(async () => {
    await db.store.createSearch({ ...newSearch('S-PAGED', testSpec()), tenantId: TENANT });
    for (let number = 1; number <= 5; number++) await db.store.createTrial({ ...newTrial('S-PAGED', number), tenantId: TENANT, status: 'SUCCEEDED' });
  });

  it('walks every trial across pages, fetching a page only when the loop needs it', async () => {
    const seen: number[] = [];
    for await (const trial of client.trials('S-PAGED', { pageSize: 2 })) seen.push(trial.number);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    const sizes = (await collect(pages((nextToken) => client.listTrials('S-PAGED', { limit: 2, ...(nextToken ? { nextToken } : {}) })))).map((page) => page.items.length);
    expect(sizes).toEqual([2, 2, 1]);
    expect((await client.allTrials('S-PAGED')).map((trial) => trial.status)).toEqual(Array(5).fill('SUCCEEDED'));
  });

  it('stops fetching when the loop stops', async () => {
    let fetched = 0;
    const counting = createClient({ baseUrl: 'http://nas.test', apiKey: app.key, fetch: (input, init) => (fetched++, app.app.request(input, init)) });
    for await (const trial of counting.trials('S-PAGED', { pageSize: 2 })) if (trial.number === 1) break;
    expect(fetched).toBe(1);
  });

  it('lists every search newest first', async () => {
    const all = await collect(client.searches({ pageSize: 2 }));
    expect(all.map((s) => s.id)).toContain('S-PAGED');
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
  });
});

describe('over HTTP', () => {
  it('talks to a served API with the global fetch, a trailing slash in the URL changing nothing', async () => {
    const served = await serveApi(app.app);
    try {
      const remote = createClient({ baseUrl: `${served.url}/`, apiKey: app.key });
      await remote.uploadDatasetFile('bytes', 'manifest.json', new TextEncoder().encode('{}'));
      await expect(remote.dataset('bytes')).rejects.toMatchObject({ status: 400 });
      expect((await remote.getSearch('S-PAGED')).id).toBe('S-PAGED');
    } finally {
      await served.close();
    }
  });
});
