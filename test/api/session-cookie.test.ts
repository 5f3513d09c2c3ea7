import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createApp } from '../../src/api/app.js';
import { SESSION_COOKIE } from '../../src/api/auth.js';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { BenchmarkCatalog } from '../../src/evaluators/benchmarks.js';
import { EXAMPLE_SEARCH_SPEC } from '../../src/search/spec.js';
import { authorizedApp } from '../helpers/authorized-app.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';
import { RecordingEvents } from '../helpers/recording-events.js';
import { signIn } from '../helpers/sign-in.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

/** `app.request` answers as if the service were at this origin. */
const ORIGIN = 'http://localhost';

let db: TestStore;
let app: ReturnType<typeof createApp>;
let key: string;
/** The session id the dashboard's sign-in put in the cookie. */
let session: string;

beforeAll(async () => {
  db = await startTestStore();
  ({ app, key } = await authorizedApp({ store: db.store, events: new RecordingEvents(), benchmarks: new BenchmarkCatalog(BENCHMARKS_DIR), clock: () => new Date() }));
  session = await signIn(app, key, ORIGIN);
});
afterAll(() => db.close());

/** A request as a browser signed in to the dashboard sends it: the session cookie, no Authorization. */
const withCookie = (path: string, init: { method?: string; origin?: string; body?: unknown; cookie?: string } = {}) =>
  app.request(path, {
    method: init.method ?? 'GET',
    headers: {
      cookie: `${SESSION_COOKIE}=${init.cookie ?? session}`,
      ...(init.origin ? { origin: init.origin } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
// Tests read answers loosely typed: what they check is the wire format itself.
const json = (response: Response): Promise<any> => response.json();
const searchCount = async () => (await db.store.listSearches('local', { limit: 1000 })).items.length;

describe('the sign-in cookie', () => {
  const signIn = (url: string) =>
    app.request(url, { method: 'POST', headers: { origin: new URL(url).origin }, body: new URLSearchParams({ key, next: '/' }) });

  it('is HttpOnly and SameSite=Strict, and Secure over HTTPS only', async () => {
    const plain = (await signIn(`${ORIGIN}/sign-in`)).headers.get('set-cookie')!;
    expect(plain).toContain(`${SESSION_COOKIE}=`);
    expect(plain).toMatch(/HttpOnly/i);
    expect(plain).toMatch(/SameSite=Strict/i);
    expect(plain).not.toMatch(/Secure/i);
    expect((await signIn('https://localhost/sign-in')).headers.get('set-cookie')).toMatch(/Secure/i);
  });
});

describe('/v1 with the session cookie', () => {
  it('reads as the signed-in tenant, and refuses an unknown session or an API key in the cookie', async () => {
    expect((await withCookie('/v1/searches')).status).toBe(200);
    expect((await withCookie('/v1/searches', { cookie: 'nas_not-a-key' })).status).toBe(401);
    expect((await withCookie('/v1/searches', { cookie: key })).status).toBe(401);
  });

  it('follows a search as server-sent events (what EventSource sends: the cookie, no Origin)', async () => {
    const { id } = await json(await withCookie('/v1/searches', { method: 'POST', origin: ORIGIN, body: EXAMPLE_SEARCH_SPEC }));
    const search = (await db.store.getSearch('local', id))!;
    // A finished search, so that the stream ends after its one event.
    await db.store.saveSearch({ ...search, status: 'STOPPED', reason: 'Stopped' });
    const response = await withCookie(`/v1/searches/${id}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(await response.text()).toContain('"status":"STOPPED"');
  });

  it('starts and stops searches from pages of this origin', async () => {
    const created = await withCookie('/v1/searches', { method: 'POST', origin: ORIGIN, body: EXAMPLE_SEARCH_SPEC });
    expect(created.status).toBe(201);
    const { id } = await json(created);
    expect((await withCookie(`/v1/searches/${id}/stop`, { method: 'POST', origin: ORIGIN })).status).toBe(202);
  });

  it.each([
    ['another site', 'https://evil.example'],
    ['the same host on another scheme', 'https://localhost'],
    ['no Origin at all', undefined],
  ])('refuses a change requested from %s (CSRF), and changes nothing', async (_name, origin) => {
    const before = await searchCount();
    const response = await withCookie('/v1/searches', { method: 'POST', body: EXAMPLE_SEARCH_SPEC, ...(origin ? { origin } : {}) });
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await searchCount()).toBe(before);

    const { id } = await json(await withCookie('/v1/searches', { method: 'POST', origin: ORIGIN, body: EXAMPLE_SEARCH_SPEC }));
    expect((await withCookie(`/v1/searches/${id}/stop`, { method: 'POST', ...(origin ? { origin } : {}) })).status).toBe(403);
    expect((await db.store.getSearch('local', id))!.status).toBe('CREATED');
  });

  it('leaves API clients alone: a key in a header needs no Origin, and wins over a cookie', async () => {
    const response = await app.request('/v1/searches', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(EXAMPLE_SEARCH_SPEC),
    });
    expect(response.status).toBe(201);
    const other = await issueApiKey(db.store, 'tenant-b', 'other', new Date());
    const listing = await app.request('/v1/searches', { headers: { authorization: `Bearer ${other}`, cookie: `${SESSION_COOKIE}=${session}` } });
    expect((await json(listing)).items).toEqual([]);
  });
});
