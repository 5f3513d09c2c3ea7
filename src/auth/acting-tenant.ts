import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The tenant the current unit of work acts for: an API request once its key or session is known, a
 * controller tick of one search. A process serving many tenants mints each tenant's credentials on
 * demand (src/aws/tenant-isolation.ts); asking for another tenant's inside a unit of work is a bug that
 * would otherwise be served with that tenant's rights, so it is refused.
 */
const acting = new AsyncLocalStorage<string>();

/** Runs `work` (and everything it starts) as `tenantId`'s. */
export function actAsTenant<T>(tenantId: string, work: () => T): T {
  return acting.run(tenantId, work);
}

/** Throws unless `tenantId` is the tenant the current unit of work acts for (or none is set: platform work). */
export function requireActingTenant(tenantId: string): void {
  const current = acting.getStore();
  if (current !== undefined && current !== tenantId) {
    throw new Error(`refusing to use tenant ${tenantId}'s credentials in work for tenant ${current}`);
  }
}
