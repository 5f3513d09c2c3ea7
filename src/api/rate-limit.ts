import { createMiddleware } from 'hono/factory';
import { TooManyRequests } from '../errors.js';
import type { RequestWindow, Store } from '../store/store.js';
import type { ApiDeps, ApiEnv } from './deps.js';

const WINDOW_MS = 60_000;
/** Requests an instance admits before it writes them to the store; also the margin below the limit from which it writes each one. */
const BATCH_REQUESTS = 50;
/** Longest an instance keeps admitted requests unwritten, so that the other instances soon count them. */
const BATCH_MS = 1_000;
/** Tenants whose windows an instance remembers before it drops those that ended. */
const REMEMBERED_TENANTS = 1_024;

/** What this instance knows of a tenant's window. */
interface LocalWindow {
  readonly endsAt: number;
  /** The store's count at this instance's last write: every instance's requests written until then. */
  stored: number;
  /** Requests admitted here since that write. */
  unwritten: number;
  writtenAt: number;
  writing: boolean;
}

/**
 * Counts a tenant's requests in its window, shared by every API instance through the store, without a
 * store write per request: an instance counts locally and writes its count every `BATCH_REQUESTS`
 * requests or `BATCH_MS`, in the background. Near the limit (within `BATCH_REQUESTS` of it) it writes
 * every request and waits, so that the limit holds exactly across instances where it matters; once the
 * store's own count has passed the limit, the rest of the window is refused with no write at all. Far
 * from it, the instances together may admit a little more than the limit before they learn of one another.
 */
export class RequestCounter {
  private readonly windows = new Map<string, LocalWindow>();

  constructor(
    private readonly store: Pick<Store, 'countRequest'>,
    private readonly limit: number,
  ) {}

  /** Counts one request of `tenantId` at `at`; the returned count includes it. */
  async count(tenantId: string, at: Date): Promise<RequestWindow> {
    const now = at.getTime();
    const local = this.windows.get(tenantId);
    // A new window starts in the store, whose start (and so end) every instance shares.
    if (local === undefined || now >= local.endsAt) return this.adopt(tenantId, now, await this.store.countRequest(tenantId, at, WINDOW_MS));
    local.unwritten++;
    const endsAt = new Date(local.endsAt);
    if (local.stored >= this.limit) return { count: local.stored + local.unwritten, endsAt };
    if (local.stored + local.unwritten > this.limit - BATCH_REQUESTS) return this.write(tenantId, local, at);
    if (!local.writing && (local.unwritten >= BATCH_REQUESTS || now - local.writtenAt >= BATCH_MS)) {
      local.writing = true;
      // A failed write keeps its requests for the next one; the request itself was admitted either way.
      void this.write(tenantId, local, at).then(
        () => (local.writing = false),
        () => (local.writing = false),
      );
    }
    return { count: local.stored + local.unwritten, endsAt };
  }

  /** Writes the requests `local` holds unwritten; the store's count includes every instance's. */
  private async write(tenantId: string, local: LocalWindow, at: Date): Promise<RequestWindow> {
    const requests = local.unwritten;
    local.unwritten = 0;
    local.writtenAt = at.getTime();
    try {
      return this.adopt(tenantId, at.getTime(), await this.store.countRequest(tenantId, at, WINDOW_MS, requests));
    } catch (error) {
      local.unwritten += requests;
      throw error;
    }
  }

  /** Takes in the store's count of the tenant's window (writes may return out of order: the largest count is the latest). */
  private adopt(tenantId: string, now: number, window: RequestWindow): RequestWindow {
    const endsAt = window.endsAt.getTime();
    const local = this.windows.get(tenantId);
    if (local?.endsAt === endsAt) local.stored = Math.max(local.stored, window.count);
    else if (local === undefined || local.endsAt < endsAt) {
      if (this.windows.size >= REMEMBERED_TENANTS) this.forgetEnded(now);
      this.windows.set(tenantId, { endsAt, stored: window.count, unwritten: 0, writtenAt: now, writing: false });
    }
    return window;
  }

  private forgetEnded(now: number): void {
    for (const [tenantId, local] of this.windows) if (now >= local.endsAt) this.windows.delete(tenantId);
  }
}

/**
 * A per-tenant request budget per minute, counted in the record store so that every API instance (every
 * Lambda) draws on the same one (`RequestCounter`). A window starts at the tenant's first request and
 * lasts a minute; over the budget, a 429 problem whose Retry-After is the wait until it ends.
 */
export function tenantRateLimit({ store, clock }: Pick<ApiDeps, 'store' | 'clock'>, requestsPerMinute: number) {
  const counter = new RequestCounter(store, requestsPerMinute);
  return createMiddleware<ApiEnv>(async (c, next) => {
    const now = clock();
    const window = await counter.count(c.get('tenantId'), now);
    if (window.count > requestsPerMinute) {
      const wait = Math.max(1, Math.ceil((window.endsAt.getTime() - now.getTime()) / 1000));
      throw new TooManyRequests(`more than ${requestsPerMinute} requests in a minute for this tenant`, wait);
    }
    await next();
  });
}
