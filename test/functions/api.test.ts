import './lambda-streaming-runtime.mjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiHandler, createLambdaDeps, handler, type LambdaApiDeps, type RequestLog, type RestApiEvent } from '../../functions/api.js';
import { issueApiKey } from '../../src/auth/api-keys.js';
import type { SearchEvent } from '../../src/events/events.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { newSearch } from '../helpers/records.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { startTestStore, type TestStore } from '../helpers/store.js';
import { FakeEventBridge } from './fake-event-bridge.js';
import { CUSTOM_DOMAIN, invokeStreaming, parseStreamedResponse, RecordingResponseStream, restApiEvent } from './rest-api.js';

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

describe('createApiHandler behind the REST API (streamed Lambda proxy integration)', () => {
  const events = new RecordingEvents();
  const logged: Parameters<RequestLog>[0][] = [];
  const deps = (): LambdaApiDeps => ({ store: testStore.store, events, benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date() });
  const api = () => createApiHandler(deps(), (line) => logged.push(line));
  const invoke = (event: RestApiEvent) => invokeStreaming(api(), event);

  it('answers GET /health on the API domain, and logs the request', async () => {
    const response = await invoke(restApiEvent('GET', '/health', { host: CUSTOM_DOMAIN }));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'ok' });
    expect(logged.at(-1)).toEqual({ message: 'request', requestId: 'c2a4f6e8-0b1d-4f3a-9c5e-7d9b1a3c5e7f', method: 'GET', path: '/health', status: 200, ms: expect.any(Number) });
  });

  it('creates a search through the execute-api host, whose stage is the /v1 of its routes, publishes SearchCreated, and serves the search back', async () => {
    expect((await invoke(restApiEvent('POST', '/v1/searches', { body: VALID_SPEC }))).statusCode).toBe(401);
    const created = await invoke(restApiEvent('POST', '/v1/searches', { body: VALID_SPEC, apiKey: key }));
    expect(created.statusCode).toBe(201);
    const search = JSON.parse(created.body) as { id: string; status: string };
    expect(created.headers.location).toBe(`/v1/searches/${search.id}`);
    expect(events.published).toContainEqual({ type: 'SearchCreated', tenantId: 'tenant-a', searchId: search.id });

    const read = await invoke(restApiEvent('GET', `/v1/searches/${search.id}`, { apiKey: key }));
    expect(read.statusCode).toBe(200);
    expect(JSON.parse(read.body)).toMatchObject({ id: search.id, status: 'CREATED', spec: { space: 'nb201', seed: 7 } });
  });

  it('hands the app the query string', async () => {
    // Two searches at least (the tenant may have more from other tests), so that a page of one leaves a next one.
    expect((await invoke(restApiEvent('POST', '/v1/searches', { body: VALID_SPEC, apiKey: key }))).statusCode).toBe(201);
    expect((await invoke(restApiEvent('POST', '/v1/searches', { body: VALID_SPEC, apiKey: key }))).statusCode).toBe(201);
    const listed = await invoke(restApiEvent('GET', '/v1/searches?limit=1', { apiKey: key }));
    expect(listed.statusCode).toBe(200);
    expect(JSON.parse(listed.body)).toMatchObject({ items: [expect.objectContaining({ id: expect.any(String) })], nextToken: expect.any(String) });
  });

  it('refuses a malformed body with a problem naming the field', async () => {
    const response = await invoke(restApiEvent('POST', '/v1/searches', { body: { ...VALID_SPEC, budget: { maxTrialCount: 'lots', parallelTrialCount: 8 } }, apiKey: key }));
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toMatchObject({ status: 400, errors: [expect.objectContaining({ field: 'budget.maxTrialCount' })] });
  });

  it('answers a request no fetch Request can carry (a GET with a body) with a 400 problem, not a failed invocation', async () => {
    const response = await invoke(restApiEvent('GET', '/v1/searches', { body: { q: 1 }, apiKey: key }));
    expect(response).toMatchObject({ statusCode: 400, headers: { 'content-type': 'application/problem+json' } });
    expect(JSON.parse(response.body)).toMatchObject({ errors: [expect.objectContaining({ field: 'request' })] });
  });

  it("streams a running search's events as they happen, and ends the response when the search ends", async () => {
    const created = newSearch('S-stream', undefined, 'tenant-a');
    await testStore.store.createSearch(created);
    const search = await testStore.store.saveSearch({ ...created, status: 'RUNNING' });
    const stream = new RecordingResponseStream();
    let finished = false;
    const invocation = api()(restApiEvent('GET', '/v1/searches/S-stream/events', { apiKey: key }), stream).then(() => (finished = true));

    // The first event reaches the client while the search runs, long before the invocation ends.
    await vi.waitFor(() => expect(stream.body()).toContain('"status":"RUNNING"'), { timeout: 5_000 });
    const firstEventAt = stream.chunks.at(-1)!.at;
    expect(finished).toBe(false);
    expect(parseStreamedResponse(stream.bytes())).toMatchObject({ statusCode: 200, headers: { 'content-type': 'text/event-stream' } });

    const finishedAt = Date.now();
    await testStore.store.saveSearch({ ...search, status: 'SUCCEEDED', reason: 'MaxTrialsReached' });
    await invocation;

    const events = [...stream.body().matchAll(/^event: search\ndata: (.*)$/gm)].map(([, data]) => (JSON.parse(data!) as { status: string }).status);
    expect(events).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(firstEventAt).toBeLessThan(finishedAt);
    expect(stream.chunks.at(-1)!.at).toBeGreaterThanOrEqual(finishedAt);
  });

  it('answers an unknown search on the events route with a 404 problem, not an empty stream', async () => {
    const response = await invoke(restApiEvent('GET', '/v1/searches/S-nowhere/events', { apiKey: key }));
    expect(response).toMatchObject({ statusCode: 404, headers: { 'content-type': 'application/problem+json' } });
  });

  it('signs the dashboard in with a cookie sent as a Set-Cookie multi-value header, which the browser then sends back', async () => {
    const signIn = await invoke(
      restApiEvent('POST', '/sign-in', {
        host: CUSTOM_DOMAIN,
        body: new URLSearchParams({ key, next: '/' }).toString(),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: `https://${CUSTOM_DOMAIN}` },
      }),
    );
    expect(signIn).toMatchObject({ statusCode: 303, headers: { location: '/' } });
    // A REST API sends several values of a header from multiValueHeaders only; `cookies` is a function URL field.
    expect(signIn).not.toHaveProperty('cookies');
    expect(signIn.headers).not.toHaveProperty('set-cookie');
    const cookie = signIn.multiValueHeaders?.['set-cookie']?.find((c) => c.startsWith('nas_session='));
    expect(cookie).toMatch(/HttpOnly.*Secure|Secure.*HttpOnly/);

    const listed = await invoke(restApiEvent('GET', '/v1/searches', { host: CUSTOM_DOMAIN, headers: { Cookie: cookie!.split(';')[0]! } }));
    expect(listed.statusCode).toBe(200);
  });
});

describe('handler (wired from the environment)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('stores searches in the NAS_TABLE table and logs each event and request as one JSON line', async () => {
    vi.stubEnv('NAS_TABLE', 'nas');
    vi.stubEnv('NAS_DYNAMODB_ENDPOINT', testStore.dynamo.endpoint);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});

    const created = await invokeStreaming(handler, restApiEvent('POST', '/v1/searches', { body: VALID_SPEC, apiKey: key }));

    expect(created.statusCode).toBe(201);
    const { id } = JSON.parse(created.body) as { id: string };
    expect(await testStore.store.getSearch('tenant-a', id)).toMatchObject({ id, status: 'CREATED' });
    const logged = log.mock.calls.map(([line]) => JSON.parse(String(line)) as { event?: SearchEvent; message: string });
    expect(logged).toContainEqual(expect.objectContaining({ event: { type: 'SearchCreated', tenantId: 'tenant-a', searchId: id } }));
    expect(logged).toContainEqual(expect.objectContaining({ message: 'request', method: 'POST', path: '/v1/searches', status: 201 }));
  });

  it('with NAS_EVENT_BUS, puts SearchCreated on that bus before any byte of the response goes out', async () => {
    const eventBridge = new FakeEventBridge();
    let release!: () => void;
    eventBridge.answer = () => new Promise((resolve) => (release = () => resolve({ FailedEntryCount: 0, $metadata: {} })));
    const deps = createLambdaDeps({ NAS_TABLE: 'nas', NAS_DYNAMODB_ENDPOINT: testStore.dynamo.endpoint, NAS_EVENT_BUS: 'serverless-nas' }, { eventBridge });
    const stream = new RecordingResponseStream();
    const answering = createApiHandler(deps, () => {})(restApiEvent('POST', '/v1/searches', { body: VALID_SPEC, apiKey: key }), stream);
    await vi.waitFor(() => expect(eventBridge.requests).toHaveLength(1));
    expect(stream.chunks).toEqual([]);
    release();
    await answering;

    const { statusCode, body } = parseStreamedResponse(stream.bytes());
    expect(statusCode).toBe(201);
    const { id } = JSON.parse(body) as { id: string };
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

    const created = await invokeStreaming(createApiHandler(deps, () => {}), restApiEvent('POST', '/v1/searches', { body: VALID_SPEC, apiKey: key }));

    expect(created.statusCode).toBe(201);
    const logged = error.mock.calls.map(([line]) => JSON.parse(String(line)) as { message: string; error: string });
    expect(logged).toEqual([expect.objectContaining({ message: 'search event not published', error: 'EventBridge unreachable' })]);
  });

  it('refuses to start without NAS_TABLE', () => {
    expect(() => createLambdaDeps({})).toThrow(/NAS_TABLE/);
  });
});
