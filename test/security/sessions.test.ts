import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/api/auth.js';
import { hashApiKey, issueApiKey } from '../../src/auth/api-keys.js';
import { startTestStore, type TestStore } from '../helpers/store.js';
import { createSearch, json, newTenant, serveInstances, type Tenant } from './fixture.js';

let db: TestStore;
let base: string;
let now = Date.now();
let close: () => Promise<unknown>;
let alice: Tenant;
let bob: Tenant;

beforeAll(async () => {
  db = await startTestStore();
  const served = await serveInstances(db, 1, { clock: () => new Date(now) });
  [base] = served.urls as [string];
  close = served.close;
  alice = await newTenant(db, 'session-alice');
  bob = await newTenant(db, 'session-bob');
});
afterAll(async () => {
  await close();
  await db.close();
});

/** Posts the sign-in form as a page of the service does. */
const signIn = (key: string, next = '/') =>
  fetch(`${base}/sign-in`, { method: 'POST', headers: { origin: base }, body: new URLSearchParams({ key, next }), redirect: 'manual' });
const sessionOf = (response: Response) => /^nas_session=([^;]*)/.exec(response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? '')?.[1];
/** A request as the browser sends it once signed in: the cookie (and, for changes, our Origin). */
const asBrowser = (session: string, path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { redirect: 'manual', ...init, headers: { cookie: `${SESSION_COOKIE}=${session}`, origin: base, ...(init.headers as Record<string, string>) } });

describe("sign-in's next, an open-redirect attempt", () => {
  it.each([
    ['a tab that browsers drop', '/\t/evil.example'],
    ['a protocol-relative URL', '//evil.example'],
    ['three slashes', '///evil.example/'],
    ['a backslash browsers read as a slash', '/\\evil.example'],
    ['a backslash further on', '/searches\\..\\..\\evil'],
    ['percent-encoded slashes', '/%2F%2Fevil.example'],
    ['percent-encoded, lower case', '/%2f%2fevil.example'],
    ['a percent-encoded backslash', '/%5Cevil.example'],
    ['a percent-encoded tab', '/%09/evil.example'],
    ['CR LF (header injection)', '/\r\nLocation: https://evil.example'],
    ['a NUL', '/\u0000//evil.example'],
    ['a full URL', 'https://evil.example/'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a relative path', 'evil.example'],
    ['broken percent-encoding', '/%E0%A4%A'],
  ])('refuses %s and goes to / instead', async (_name, next) => {
    const response = await signIn(alice.key, next);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
  });

  it('keeps a path of this site, with its query', async () => {
    const response = await signIn(alice.key, '/searches/01JD5Q9ZKX3M0QF8H2V6R4T7WB?sort=value&dir=desc');
    expect(response.headers.get('location')).toBe('/searches/01JD5Q9ZKX3M0QF8H2V6R4T7WB?sort=value&dir=desc');
  });

  it('does not carry a refused next into the sign-in form either', async () => {
    const html = await (await fetch(`${base}/sign-in?next=${encodeURIComponent('//evil.example')}`)).text();
    expect(html).not.toContain('evil.example');
  });
});

describe('the dashboard session cookie', () => {
  it('holds a random session id, never the API key, and the store holds only its hash', async () => {
    const response = await signIn(alice.key);
    const session = sessionOf(response)!;
    expect(session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(response.headers.get('set-cookie')).not.toContain(alice.key);
    expect(sessionOf(await signIn(alice.key))).not.toBe(session);

    const stored = await db.store.getSession(createHash('sha256').update(session).digest('hex'));
    expect(stored).toMatchObject({ tenantId: alice.id, keyHash: hashApiKey(alice.key) });
    expect(JSON.stringify(stored)).not.toContain(session);
    expect(Date.parse(stored!.expiresAt) - Date.parse(stored!.createdAt)).toBe(30 * 86_400_000);
  });

  it("reads as its own tenant only, and refuses an API key put in the cookie's place", async () => {
    const session = sessionOf(await signIn(alice.key))!;
    const { id } = await json(await createSearch(bob, base));
    expect((await asBrowser(session, '/v1/searches')).status).toBe(200);
    expect((await asBrowser(session, `/v1/searches/${id}`)).status).toBe(404);
    expect((await asBrowser(alice.key, '/v1/searches')).status).toBe(401);
  });

  it('ends with sign-out, for every copy of the cookie', async () => {
    const session = sessionOf(await signIn(alice.key))!;
    expect((await asBrowser(session, '/')).status).toBe(200);
    const out = await asBrowser(session, '/sign-out', { method: 'POST' });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/nas_session=;/);
    // A stolen copy of the cookie is worth nothing after sign-out.
    expect((await asBrowser(session, '/v1/searches')).status).toBe(401);
    expect((await asBrowser(session, '/')).headers.get('location')).toMatch(/^\/sign-in/);
  });

  it('ends when its API key is revoked, at once', async () => {
    const key = await issueApiKey(db.store, alice.id, 'to revoke', new Date());
    const session = sessionOf(await signIn(key))!;
    expect((await asBrowser(session, '/v1/searches')).status).toBe(200);
    expect(await db.store.deleteApiKey(alice.id, hashApiKey(key))).toBe(true);
    expect((await asBrowser(session, '/v1/searches')).status).toBe(401);
    expect((await asBrowser(session, '/')).headers.get('location')).toMatch(/^\/sign-in/);
  });

  it('ends after 30 days', async () => {
    const session = sessionOf(await signIn(alice.key))!;
    now += 30 * 86_400_000 - 1_000;
    expect((await asBrowser(session, '/v1/searches')).status).toBe(200);
    now += 1_000;
    expect((await asBrowser(session, '/v1/searches')).status).toBe(401);
  });

  it('still needs our Origin for changes made on its strength', async () => {
    const session = sessionOf(await signIn(alice.key))!;
    const forged = await asBrowser(session, '/v1/searches', { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{}' });
    expect(forged.status).toBe(403);
  });
});
