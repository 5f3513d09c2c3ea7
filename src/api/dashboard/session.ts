import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { SESSION_DAYS, tenantOfSession } from '../../auth/sessions.js';
import { SESSION_COOKIE } from '../auth.js';
import type { ApiDeps, ApiEnv } from '../deps.js';
import { actAsTenant } from '../../auth/acting-tenant.js';

/**
 * The dashboard signs in with the same API key as every other client, and then holds only a session id
 * (src/auth/sessions.ts) in its cookie: `HttpOnly`, so no script (ours included) can read it;
 * `SameSite=Strict`, so other sites' pages do not send it; `Secure` over HTTPS. The page script calls
 * `/v1` with the cookie, which `requireApiKey` accepts for changes only from this origin.
 */
export function rememberSession(c: Context, sessionId: string): void {
  setCookie(c, SESSION_COOKIE, sessionId, {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure: new URL(c.req.url).protocol === 'https:',
    maxAge: SESSION_DAYS * 86_400,
  });
}

export function forgetSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}

/**
 * Control characters (browsers drop tab, CR and LF from URLs, so `/\t/evil.com` is `//evil.com` to them)
 * and backslashes (which they read as `/`) have no place in a path of ours.
 */
const UNSAFE_IN_PATH = /[\u0000-\u001f\u007f\\]/;

function isPathOf(origin: string, path: string): boolean {
  if (!path.startsWith('/') || UNSAFE_IN_PATH.test(path)) return false;
  try {
    return new URL(path, origin).origin === origin;
  } catch {
    return false;
  }
}

/**
 * Only a path on this site may follow sign-in: anything that resolves elsewhere (`//host`, a full URL,
 * `/\host`) would make it an open redirect. The percent-decoded path must pass too, so that
 * `/%2F%2Fhost` cannot turn into `//host` wherever it is decoded once more.
 */
export function safeNextPath(next: string | undefined, origin: string): string {
  if (!next) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(next);
  } catch {
    return '/';
  }
  return isPathOf(origin, next) && isPathOf(origin, decoded) ? next : '/';
}

/** Dashboard pages run as the tenant of the signed-in session; without one they send the reader to sign in. */
export function requireSignIn({ store, clock }: Pick<ApiDeps, 'store' | 'clock'>) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const tenantId = await tenantOfSession(store, getCookie(c, SESSION_COOKIE), clock());
    if (!tenantId) {
      const { pathname, search } = new URL(c.req.url);
      return c.redirect(`/sign-in?next=${encodeURIComponent(pathname + search)}`);
    }
    c.set('tenantId', tenantId);
    await actAsTenant(tenantId, next);
  });
}
