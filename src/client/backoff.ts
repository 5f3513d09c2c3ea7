import { setTimeout as delay } from 'node:timers/promises';
import { ApiError, ServiceUnreachable } from './errors.js';

/** How long to wait between tries: from `baseMs`, doubling up to `maxMs`, for at most `attempts` tries of a call. */
export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
  readonly attempts: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 500, maxMs: 30_000, attempts: 6 };

/**
 * The wait before try `retry` (0 for the first retry): exponential, with "equal jitter" (half fixed, half
 * random) so that many workers turned away at once do not all come back at the same moment.
 */
export function backoffDelay(backoff: Backoff, retry: number): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** retry);
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

/** Waits `ms`, or less when `signal` aborts (it never throws, so callers check the signal after). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}

/** Whether the same request may succeed later: nothing answered, or the service was down, busy or over a limit. */
export function isTransient(error: unknown): boolean {
  return error instanceof ServiceUnreachable || (error instanceof ApiError && error.retryable);
}

/**
 * `call`, tried again after a transient failure (`isTransient`) until it succeeds or `backoff.attempts`
 * tries are spent; a 429's `retryAfterSeconds` is waited out when it is longer than the backoff. An abort
 * of `signal` ends the waiting and throws the last error.
 */
export async function withRetries<T>(call: () => Promise<T>, backoff: Backoff, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isTransient(error) || attempt >= backoff.attempts || signal?.aborted) throw error;
      const asked = error instanceof ApiError ? (error.problem.retryAfterSeconds ?? 0) * 1000 : 0;
      await sleep(Math.max(asked, backoffDelay(backoff, attempt - 1)), signal);
      if (signal?.aborted) throw error;
    }
  }
}
