import { createMiddleware } from 'hono/factory';
import { InvalidRequest } from '../errors.js';
import { fieldPath } from '../search/issue-fields.js';
import type { ApiEnv } from './deps.js';

/**
 * Names that reach an object's prototype when code copies or merges a parsed body: `JSON.parse` keeps
 * `"__proto__"` as an own key, and an assignment of it (zod's records do one) replaces the prototype.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Far deeper than any spec (a `choices` declaration is a few levels); recursion over more could overflow the stack. */
export const MAX_JSON_DEPTH = 32;

/** The first field of `body` that is a prototype key or nested too deep, found without recursion. */
function unsafeField(body: unknown): { path: PropertyKey[]; message: string } | undefined {
  const pending: { value: unknown; path: PropertyKey[] }[] = [{ value: body, path: [] }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path } = next;
    if (typeof value !== 'object' || value === null) continue;
    if (path.length >= MAX_JSON_DEPTH) return { path, message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
    for (const [key, child] of Object.entries(value)) {
      const at = [...path, Array.isArray(value) ? Number(key) : key];
      if (!Array.isArray(value) && PROTOTYPE_KEYS.has(key)) return { path: at, message: 'unknown field' };
      pending.push({ value: child, path: at });
    }
  }
  return undefined;
}

/**
 * Refuses a JSON body with a `__proto__`, `constructor` or `prototype` key anywhere in it, or nested
 * deeper than `MAX_JSON_DEPTH`: a 400 problem naming the field, like any other unknown field. One check
 * before every route, so no schema (records take any key) and no later copy of the body has to know.
 */
export const refuseUnsafeJson = createMiddleware<ApiEnv>(async (c, next) => {
  if (/\bjson\b/i.test(c.req.header('content-type') ?? '')) {
    // A body that does not parse is the route's validator's to refuse, with its usual problem.
    const body: unknown = await c.req.json().catch(() => undefined);
    const unsafe = unsafeField(body);
    if (unsafe) throw new InvalidRequest(fieldPath(unsafe.path) || 'body', unsafe.message);
  }
  await next();
});
