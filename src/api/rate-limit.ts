import { rateLimiter } from 'hono-rate-limiter';
import { TooManyRequests } from '../errors.js';
import type { ApiEnv } from './deps.js';

const WINDOW_MS = 60_000;

/** A per-tenant request budget over a sliding minute; over it, a 429 problem with Retry-After. */
export function tenantRateLimit(requestsPerMinute: number) {
  return rateLimiter<ApiEnv>({
    windowMs: WINDOW_MS,
    limit: requestsPerMinute,
    standardHeaders: 'draft-6',
    keyGenerator: (c) => c.get('tenantId'),
    handler: () => {
      throw new TooManyRequests(`more than ${requestsPerMinute} requests in a minute for this tenant`, WINDOW_MS / 1000);
    },
  });
}
