import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import { hashApiKey, presentedKey } from '../auth/api-keys.js';
import { cachedCredentialReads, DEFAULT_CREDENTIAL_CACHE_SECONDS, type CredentialReads } from '../auth/credential-cache.js';
import { tenantOfSession } from '../auth/sessions.js';
import { isTrialToken, trialOfValidToken, type TrialRef } from '../usecases/trial-tokens.js';
import { Unauthorized } from '../errors.js';
import type { ApiDeps, ApiEnv } from './deps.js';
import { actAsTenant } from '../auth/acting-tenant.js';

/**
 * The dashboard's sign-in cookie: an opaque session id (src/auth/sessions.ts), never the API key, set
 * `HttpOnly` by `/sign-in` (src/api/dashboard/session.ts) so that no script can read it. `/v1` takes it
 * too, so that the dashboard's own pages can call the API (and follow events with `EventSource`, which
 * cannot send headers) without ever holding the key.
 */
export const SESSION_COOKIE = 'nas_session';

/** Methods that change nothing: a cross-site request with them cannot do harm on the cookie's strength. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The tenant an API key belongs to; `undefined` for an unknown one. */
async function tenantOfKey(credentials: CredentialReads, key: string): Promise<string | undefined> {
  return (await credentials.getApiKey(hashApiKey(key)))?.tenantId;
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
 * A trial token (a container trial's credential, src/usecases/trial-tokens.ts) may report on and complete its
 * own trial, nothing else: any other route, or another trial's, is refused (403) before any handler runs.
 */
function requireOwnTrialReport(c: Context, trial: TrialRef): void {
  const own = `/v1/searches/${encodeURIComponent(trial.searchId)}/trials/${trial.trialNumber}/`;
  const path = c.req.path;
  const action = path.startsWith(own) ? path.slice(own.length) : undefined;
  if (c.req.method !== 'POST' || (action !== 'reports' && action !== 'complete')) {
    throw new HTTPException(403, { message: `a trial token may only POST ${own}reports and ${own}complete` });
  }
}

/**
 * Every `/v1` request names its tenant by an API key; everything after this middleware reads and writes
 * only that tenant's records (their keys start with `TENANT#<t>`, and trials are reached through them).
 * API clients send the key as `Authorization: Bearer` or `X-API-Key`; the dashboard's pages send the
 * session cookie, accepted for changes only from the same origin. A header wins over the cookie. A
 * container trial's code sends its trial token instead, which reaches its own trial's reports only.
 * Keys and sessions found are trusted for `credentialCacheSeconds` (src/auth/credential-cache.ts).
 */
export function requireApiKey({ store, clock, credentialCacheSeconds = DEFAULT_CREDENTIAL_CACHE_SECONDS }: Pick<ApiDeps, 'store' | 'clock' | 'credentialCacheSeconds'>) {
  const credentials = cachedCredentialReads(store, credentialCacheSeconds, clock);
  return createMiddleware<ApiEnv>(async (c, next) => {
    const headerKey = presentedKey({ authorization: c.req.header('authorization'), apiKey: c.req.header('x-api-key') });
    const session = getCookie(c, SESSION_COOKIE);
    if (!headerKey && !session) throw new Unauthorized('send an API key as Authorization: Bearer <key> (or X-API-Key: <key>)');
    if (!headerKey) requireSameOrigin(c);
    if (headerKey && isTrialToken(headerKey)) {
      const trial = await trialOfValidToken(store, headerKey);
      if (!trial) throw new Unauthorized('this trial token is not valid: its attempt ended or was replaced');
      requireOwnTrialReport(c, trial);
      c.set('tenantId', trial.tenantId);
      return actAsTenant(trial.tenantId, next);
    }
    const tenantId = headerKey ? await tenantOfKey(credentials, headerKey) : await tenantOfSession(credentials, session, clock());
    if (!tenantId) throw new Unauthorized(headerKey ? 'this API key is not known here' : 'this dashboard session has ended: sign in again');
    c.set('tenantId', tenantId);
    await actAsTenant(tenantId, next);
  });
}
