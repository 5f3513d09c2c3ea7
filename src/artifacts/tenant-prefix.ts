/**
 * Everything a tenant owns in the artifact store lives under `tenants/<t>/` (trial checkpoints and models,
 * predictors, uploaded datasets), so that credentials scoped to that prefix (S3 conditions on the
 * `tenant` session tag) reach exactly the tenant's objects.
 */
export function tenantArtifactPrefix(tenantId: string): string {
  return `tenants/${tenantId}/`;
}
