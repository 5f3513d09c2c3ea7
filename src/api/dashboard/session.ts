import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { hashApiKey } from '../../auth/api-keys.js';
import type { Store } from '../../store/store.js';
import type { ApiEnv } from '../deps.js';

/**
 * The dashboard signs in with the same API key as every other client, kept in this cookie. The cookie is
 * readable by the page script on purpose: the script sends the key as `Authorization: Bearer` to the
 * `/v1` API (to start and stop searches and to follow their events), which takes no cookies. SameSite
 * Strict keeps it off cross-site requests, and the pages' Content-Security-Policy runs no script but ours.
 */
export const API_KEY_COOKIE = 'nas_api_key';
const COOKIE_DAYS = 30;

export async function tenantOfKey(store: Store, key: string | undefined): Promise<string | undefined> {
  return key ? (await store.getApiKey(hashApiKey(key)))?.tenantId : undefined;
}

export function rememberApiKey(c: Context, key: string): void {
  setCookie(c, API_KEY_COOKIE, key, {
    path: '/',
    sameSite: 'Strict',
    secure: new URL(c.req.url).protocol === 'https:',
    maxAge: COOKIE_DAYS * 86_400,
  });
}

export function forgetApiKey(c: Context): void {
  deleteCookie(c, API_KEY_COOKIE, { path: '/' });
}

/** Only a path on this site may follow sign-in: `//host` or a full URL would make it an open redirect. */
export function safeNextPath(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

/** Dashboard pages run as the tenant of the signed-in key; without one they send the reader to sign in. */
export function requireSignIn(store: Store) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const tenantId = await tenantOfKey(store, getCookie(c, API_KEY_COOKIE));
    if (!tenantId) {
      const { pathname, search } = new URL(c.req.url);
      return c.redirect(`/sign-in?next=${encodeURIComponent(pathname + search)}`);
    }
    c.set('tenantId', tenantId);
    await next();
  });
}
