import { createMiddleware } from 'hono/factory';
import { TooManyRequests } from '../errors.js';
import type { ApiDeps, ApiEnv } from './deps.js';

const WINDOW_MS = 60_000;

/**
 * A per-tenant request budget per minute, counted in the record store so that every API instance (every
 * Lambda) draws on the same one: one conditional write a request. A window starts at the tenant's first
 * request and lasts a minute; over the budget, a 429 problem whose Retry-After is the wait until it ends.
 */
export function tenantRateLimit({ store, clock }: Pick<ApiDeps, 'store' | 'clock'>, requestsPerMinute: number) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const now = clock();
    const window = await store.countRequest(c.get('tenantId'), now, WINDOW_MS);
    if (window.count > requestsPerMinute) {
      const wait = Math.max(1, Math.ceil((window.endsAt.getTime() - now.getTime()) / 1000));
      throw new TooManyRequests(`more than ${requestsPerMinute} requests in a minute for this tenant`, wait);
    }
    await next();
  });
}
