/** Tenants a warm process keeps things for (credentials, clients) before it forgets the least recently used. */
export const DEFAULT_MAX_TENANTS = 500;

/**
 * One `T` per tenant, made on first use and reused after, for the `maxTenants` most recently used
 * tenants: a long-lived function serving many tenants keeps its memory flat.
 */
export function perTenant<T>(create: (tenantId: string) => T, maxTenants = DEFAULT_MAX_TENANTS): (tenantId: string) => T {
  const made = new Map<string, T>();
  return (tenantId) => {
    let value = made.get(tenantId);
    if (value === undefined) {
      value = create(tenantId);
      if (made.size >= maxTenants) made.delete(made.keys().next().value!);
    } else {
      made.delete(tenantId);
    }
    // Map keeps insertion order: the first key is always the least recently used.
    made.set(tenantId, value);
    return value;
  };
}
