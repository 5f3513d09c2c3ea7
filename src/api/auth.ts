import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import { hashApiKey, presentedKey } from '../auth/api-keys.js';
import { Unauthorized } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ApiEnv } from './deps.js';

/**
 * The dashboard's sign-in cookie: the API key, set `HttpOnly` by `/sign-in` (src/api/dashboard/session.ts)
 * so that no script can read it. `/v1` takes it too, so that the dashboard's own pages can call the API
 * (and follow events with `EventSource`, which cannot send headers) without ever holding the key.
 */
export const SESSION_COOKIE = 'nas_session';

/** Methods that change nothing: a cross-site request with them cannot do harm on the cookie's strength. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The tenant an API key belongs to; `undefined` for no key or an unknown one. */
export async function tenantOfKey(store: Store, key: string | undefined): Promise<string | undefined> {
  return key ? (await store.getApiKey(hashApiKey(key)))?.tenantId : undefined;
}

/**
 * The browser attaches the cookie to every request for this site, including one that a page elsewhere
 * starts (SameSite=Strict stops that in current browsers, not in all). A change made on the cookie's
 * strength alone must therefore come from our own pages, which the browser's `Origin` header proves:
 * browsers send it on every non-GET request and scripts cannot forge it (OWASP CSRF Prevention Cheat
 * Sheet, "Verifying origin with standard headers"). A request without `Origin` is refused too.
 */
function requireSameOrigin(c: Context): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header('origin');
  if (origin !== new URL(c.req.url).origin) {
    throw new HTTPException(403, {
      message: `a ${c.req.method} signed in by cookie must come from this site's pages (Origin ${origin ?? 'missing'}); API clients send Authorization: Bearer <key>`,
    });
  }
}

/**
 * Every `/v1` request names its tenant by an API key; everything after this middleware reads and writes
 * only that tenant's records (their keys start with `TENANT#<t>`, and trials are reached through them).
 * API clients send the key as `Authorization: Bearer` or `X-API-Key`; the dashboard's pages send the
 * session cookie, accepted for changes only from the same origin. A header wins over the cookie.
 */
export function requireApiKey(store: Store) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const headerKey = presentedKey({ authorization: c.req.header('authorization'), apiKey: c.req.header('x-api-key') });
    const key = headerKey ?? getCookie(c, SESSION_COOKIE);
    if (!key) throw new Unauthorized('send an API key as Authorization: Bearer <key> (or X-API-Key: <key>)');
    if (!headerKey) requireSameOrigin(c);
    const tenantId = await tenantOfKey(store, key);
    if (!tenantId) throw new Unauthorized('this API key is not known here');
    c.set('tenantId', tenantId);
    await next();
  });
}
