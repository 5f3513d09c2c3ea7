import { createMiddleware } from 'hono/factory';
import { hashApiKey, presentedKey } from '../auth/api-keys.js';
import { Unauthorized } from '../errors.js';
import type { Store } from '../store/store.js';
import type { ApiEnv } from './deps.js';

/**
 * Every `/v1` request names its tenant by an API key; everything after this middleware reads and writes
 * only that tenant's records (their keys start with `TENANT#<t>`, and trials are reached through them).
 */
export function requireApiKey(store: Store) {
  return createMiddleware<ApiEnv>(async (c, next) => {
    const key = presentedKey({ authorization: c.req.header('authorization'), apiKey: c.req.header('x-api-key') });
    if (!key) throw new Unauthorized('send an API key as Authorization: Bearer <key> (or X-API-Key: <key>)');
    const record = await store.getApiKey(hashApiKey(key));
    if (!record) throw new Unauthorized('this API key is not known here');
    c.set('tenantId', record.tenantId);
    await next();
  });
}
