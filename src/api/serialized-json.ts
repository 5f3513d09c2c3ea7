import type { Context, TypedResponse } from 'hono';

/** A value already serialized as JSON, that remembers its type for the routes' typed answers. */
export interface SerializedJson<T> {
  readonly text: string;
  /** Type only: never set. */
  readonly value?: T;
}

export function serializeJson<T>(value: T): SerializedJson<T> {
  return { text: JSON.stringify(value) };
}

/**
 * A 200 answer with a body serialized once and kept (issue #18: a 50-trial page is 20-odd KB, and
 * serializing it again for every reader was a tenth of a read's CPU). Typed as `c.json(value, 200)` would
 * be, so the OpenAPI route and the SDK's types see the same answer.
 */
export function jsonAnswer<T>(c: Context, body: SerializedJson<T>): Response & TypedResponse<T, 200, 'json'> {
  return c.body(body.text, 200, { 'content-type': 'application/json' }) as unknown as Response & TypedResponse<T, 200, 'json'>;
}
