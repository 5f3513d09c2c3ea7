import type { Problem } from '../api/problem.js';

/** One offending field of a refused request, as the service names it (`budget.maxTrialCount`, `body`). */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * An answer other than success: the service's problem+json (RFC 9457) kept whole, so that a caller can
 * branch on `status` or `problem.type` and name the offending `fields`. An answer without a problem body
 * (a proxy's HTML page, an empty 502) still gives its status.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }

  /** Each offending field with what is wrong with it; empty when the problem names none. */
  get fields(): readonly FieldError[] {
    return this.problem.errors ?? [];
  }

  /** Whether trying the same request again later may succeed: the service was busy, down or over its limit. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429;
  }

  /** Reads a failed response's problem+json (or whatever JSON it has) into an `ApiError`. */
  static async from(response: Response): Promise<ApiError> {
    const body: unknown = await response.json().catch(() => undefined);
    return new ApiError(response.status, typeof body === 'object' && body !== null ? (body as Partial<Problem>) : {});
  }
}

/** Nothing answered at the service's URL (refused, reset, DNS): no request reached it, or no answer came back. */
export class ServiceUnreachable extends Error {
  override readonly name = 'ServiceUnreachable';

  constructor(
    readonly baseUrl: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach the service at ${baseUrl}`, options);
  }
}
