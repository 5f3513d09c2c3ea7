import { SESSION_COOKIE } from '../../src/api/auth.js';

/** Signs the dashboard in with `key` as a browser on `origin` would, and returns the session cookie's value. */
export async function signIn(app: { request: (url: string, init: RequestInit) => Response | Promise<Response> }, key: string, origin = 'http://localhost'): Promise<string> {
  const response = await app.request(`${origin}/sign-in`, { method: 'POST', headers: { origin }, body: new URLSearchParams({ key, next: '/' }) });
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (response.status !== 303 || !cookie) throw new Error(`sign-in failed: ${response.status}`);
  return cookie.slice(SESSION_COOKIE.length + 1).split(';')[0]!;
}
