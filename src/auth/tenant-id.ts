import { z } from 'zod';

/**
 * Tenant ids become part of record keys (`TENANT#<t>`), artifact keys (`tenants/<t>/`) and the `tenant`
 * session tag of tenant credentials: letters, digits, `.`, `_`, `-`. Never `#` or `/`, so no tenant's
 * keys are a prefix of another's, and never IAM's wildcards `*` and `?`.
 */
export const TenantIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64, starting with a letter or digit');

export function isTenantId(value: string): boolean {
  return TenantIdSchema.safeParse(value).success;
}
