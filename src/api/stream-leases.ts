import { ulid } from 'ulid';
import { TooManyRequests } from '../errors.js';
import { DEFAULT_LIMITS, type ApiDeps } from './deps.js';
import { takeSlot } from '../store/tenant-slots.js';

/** A lease runs out this long after its last renewal: how long a dead instance's streams still count. */
const LEASE_MS = 60_000;
/** An open stream renews its lease this often, well before it runs out. */
const RENEW_MS = 20_000;

/** An open event stream's place among its tenant's `maxEventStreams`. */
export interface StreamLease {
  /** Renews the lease when due; false if it ran out and another stream took its place (end this one). */
  keep(): Promise<boolean>;
  /** Gives the place back, for the tenant's next stream. */
  release(): Promise<void>;
}

/**
 * Leases one of the tenant's event streams, counted in the store across API instances: each stream
 * holds a Lambda for as long as it is open, and the function's concurrency is shared by all tenants.
 * Each lease is stamped with its expiry, so one that a crashed instance never released runs out.
 * Throws `TooManyRequests`, retryable when the soonest lease could run out, when the tenant has its limit.
 */
export async function leaseEventStream(deps: ApiDeps, tenantId: string): Promise<StreamLease> {
  const { maxEventStreams: max } = { ...DEFAULT_LIMITS, ...deps.limits };
  const lease = { tenantId, pool: 'event-streams' as const, holder: ulid(), max };
  const now = deps.clock().getTime();
  let expiresAt = now + LEASE_MS;
  const result = await takeSlot(deps.store, { ...lease, stamp: expiresAt }, ({ stamp }) => stamp <= now);
  if (!result.taken) {
    const soonest = Math.min(...result.holders.map((h) => h.stamp));
    const wait = Number.isFinite(soonest) ? Math.ceil((soonest - now) / 1000) : 1;
    throw new TooManyRequests(`this tenant already has ${max} event streams open (its limit): close one first`, Math.max(1, wait));
  }
  return {
    async keep() {
      const at = deps.clock().getTime();
      if (expiresAt - at > LEASE_MS - RENEW_MS) return true;
      expiresAt = at + LEASE_MS;
      return deps.store.takeSlot(tenantId, lease.pool, lease.holder, expiresAt, max);
    },
    release: () => deps.store.releaseSlot(tenantId, lease.pool, lease.holder),
  };
}
