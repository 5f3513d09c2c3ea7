import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Store } from '../../store/store.js';
import { SESSION_COOKIE, tenantOfKey } from '../auth.js';
import type { ApiEnv } from '../deps.js';

const COOKIE_DAYS = 30;

/**
 * The dashboard signs in with the same API key as every other client, kept in the session cookie:
 * `HttpOnly`, so no script (ours included) can read it; `SameSite=Strict`, so other sites' pages do not
 * send it; `Secure` over HTTPS. The page script calls `/v1` with the cookie, which `requireApiKey`
 * accepts for changes only from this origin.
 */
export function rememberApiKey(c: Context, key: string): void {
  setCookie(c, SESSION_COOKIE, key, {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure: new URL(c.req.url).protocol === 'https:',
    maxAge: COOKIE_DAYS * 86_400,
  });
}

export function forgetApiKey(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}

/** Only a path on this site may follow sign-in: `//host` or a full URL would make it an open redirect. */
export function safeNextPath(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/** Dashboard pages run as the tenant of the signed-in key; without one they send the reader to sign in. */
export function requireSignIn(store: Store) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const tenantId = await tenantOfKey(store, getCookie(c, SESSION_COOKIE));
    if (!tenantId) {
      const { pathname, search } = new URL(c.req.url);
      return c.redirect(`/sign-in?next=${encodeURIComponent(pathname + search)}`);
    }
    c.set('tenantId', tenantId);
    await next();
  });
}
