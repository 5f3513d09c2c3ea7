import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiHandler, createLambdaDeps, handler } from '../../functions/api.js';
import { issueApiKey } from '../../src/auth/api-keys.js';
import type { SearchEvent } from '../../src/events/events.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';
import { FakeEventBridge } from './fake-event-bridge.js';
import { httpApiEvent } from './http-api-event.js';

const VALID_SPEC = EXAMPLE_SEARCH_SPEC;

let testStore: TestStore;
let key: string;
beforeAll(async () => {
  testStore = await startTestStore();
  key = await issueApiKey(testStore.store, 'tenant-a', 'test', new Date());
});
afterAll(async () => {
  await testStore.close();
});

describe('createApiHandler', () => {
  const events = new RecordingEvents();
  const invoke = (event: ReturnType<typeof httpApiEvent>) =>
    createApiHandler({ store: testStore.store, events, benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date() })(event);

  it('answers GET /health', async () => {
    const response = await invoke(httpApiEvent('GET', '/health'));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok' });
  });

  it('creates a search, publishes SearchCreated, and serves the search back', async () => {
    expect((await invoke(httpApiEvent('POST', '/v1/searches', VALID_SPEC))).statusCode).toBe(401);
    const created = await invoke(httpApiEvent('POST', '/v1/searches', VALID_SPEC, key));
    expect(created.statusCode).toBe(201);
    const search = JSON.parse(created.body) as { id: string; status: string };
    expect(created.headers.location).toBe(`/v1/searches/${search.id}`);
    expect(events.published).toContainEqual({ type: 'SearchCreated', tenantId: 'tenant-a', searchId: search.id });

    const read = await invoke(httpApiEvent('GET', `/v1/searches/${search.id}`, undefined, key));
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(read.body)).toMatchObject({ id: search.id, status: 'CREATED', spec: { space: 'nb201', seed: 7 } });
  });

  it('refuses a malformed body with a problem naming the field', async () => {
    const response = await invoke(
      httpApiEvent('POST', '/v1/searches', { ...VALID_SPEC, budget: { maxTrialCount: 'lots', parallelTrialCount: 8 } }, key),
    );
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toMatchObject({ status: 400, errors: [expect.objectContaining({ field: 'budget.maxTrialCount' })] });
  });
});

describe('handler (wired from the environment)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('stores searches in the NAS_TABLE table and logs each event as one JSON line', async () => {
    vi.stubEnv('NAS_TABLE', 'nas');
    vi.stubEnv('NAS_DYNAMODB_ENDPOINT', testStore.dynamo.endpoint);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});

    const created = await handler(httpApiEvent('POST', '/v1/searches', VALID_SPEC, key));

    expect(created.statusCode).toBe(201);
    const { id } = JSON.parse(created.body) as { id: string };
    expect(await testStore.store.getSearch('tenant-a', id)).toMatchObject({ id, status: 'CREATED' });
    const logged = log.mock.calls.map(([line]) => JSON.parse(String(line)) as { event?: SearchEvent });
    expect(logged).toContainEqual(expect.objectContaining({ event: { type: 'SearchCreated', tenantId: 'tenant-a', searchId: id } }));
  });

  it('with NAS_EVENT_BUS, puts SearchCreated on that bus before the response is returned', async () => {
    const eventBridge = new FakeEventBridge();
    let release!: () => void;
    eventBridge.answer = () => new Promise((resolve) => (release = () => resolve({ FailedEntryCount: 0, $metadata: {} })));
    const deps = createLambdaDeps({ NAS_TABLE: 'nas', NAS_DYNAMODB_ENDPOINT: testStore.dynamo.endpoint, NAS_EVENT_BUS: 'serverless-nas' }, { eventBridge });
    let answered = false;
    const answering = createApiHandler(deps)(httpApiEvent('POST', '/v1/searches', VALID_SPEC, key)).then((response) => {
      answered = true;
      return response;
    });
    await vi.waitFor(() => expect(eventBridge.requests).toHaveLength(1));
    expect(answered).toBe(false);
    release();
    const created = await answering;

    expect(created.statusCode).toBe(201);
    const { id } = JSON.parse(created.body) as { id: string };
    expect(eventBridge.requests[0]).toEqual({
      Entries: [
        {
          EventBusName: 'serverless-nas',
          Source: 'serverless-nas',
          DetailType: 'SearchCreated',
          Detail: JSON.stringify({ type: 'SearchCreated', tenantId: 'tenant-a', searchId: id }),
        },
      ],
    });
  });

  it('answers 201 even when the event cannot be put: the sweep finds the search', async () => {
    const eventBridge = new FakeEventBridge();
    eventBridge.answer = () => Promise.reject(new Error('EventBridge unreachable'));
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const deps = createLambdaDeps({ NAS_TABLE: 'nas', NAS_DYNAMODB_ENDPOINT: testStore.dynamo.endpoint, NAS_EVENT_BUS: 'serverless-nas' }, { eventBridge });

    const created = await createApiHandler(deps)(httpApiEvent('POST', '/v1/searches', VALID_SPEC, key));

    expect(created.statusCode).toBe(201);
    const logged = error.mock.calls.map(([line]) => JSON.parse(String(line)) as { message: string; error: string });
    expect(logged).toEqual([expect.objectContaining({ message: 'search event not published', error: 'EventBridge unreachable' })]);
  });

  it('refuses to start without NAS_TABLE', () => {
    expect(() => createLambdaDeps({})).toThrow(/NAS_TABLE/);
  });
});
