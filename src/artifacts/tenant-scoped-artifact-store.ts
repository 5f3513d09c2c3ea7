import { isTenantId } from '../auth/tenant-id.js';
import type { ArtifactStore } from './artifact-store.js';

const TENANTS_ROOT = 'tenants/';

/**
 * The tenant whose folder (`tenants/<t>/`, see `tenantArtifactPrefix`) holds `key`, or undefined for a
 * platform key (`policies/`, `tables/`, `training/`). Throws for a key that would blur the two: a `.` or
 * `..` segment, or a key under `tenants/` that names no single tenant's folder (`tenants/`, `tenants/a`,
 * which would also match `tenants/ab/`).
 */
export function tenantOfKey(key: string): string | undefined {
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) throw new Error(`refusing artifact key with a relative segment: ${key}`);
  if (!key.startsWith(TENANTS_ROOT)) return undefined;
  const slash = key.indexOf('/', TENANTS_ROOT.length);
  const tenantId = key.slice(TENANTS_ROOT.length, slash);
  if (slash < 0 || !isTenantId(tenantId)) throw new Error(`refusing artifact key under ${TENANTS_ROOT} that names no tenant's folder: ${key}`);
  return tenantId;
}

/**
 * An ArtifactStore that reaches each tenant's objects through a store of that tenant alone (one whose
 * credentials may touch only `tenants/<t>/`) and everything else through the platform store. A key built
 * for tenant A therefore never travels with tenant B's credentials, and the platform's credentials need
 * no access to any tenant's objects.
 */
export class TenantScopedArtifactStore implements ArtifactStore {
  readonly downloadUrl?: (key: string, expiresInSeconds: number) => Promise<string>;

  constructor(
    private readonly platform: ArtifactStore,
    private readonly forTenant: (tenantId: string) => ArtifactStore,
  ) {
    // Presigned where the stores can presign (S3), like the stores this one stands for.
    if (platform.downloadUrl) {
      this.downloadUrl = async (key, expiresInSeconds) => {
        const store = this.storeOf(key);
        if (!store.downloadUrl) throw new Error(`the store of ${key} cannot presign a download URL`);
        return store.downloadUrl(key, expiresInSeconds);
      };
    }
  }

  // Async, so that a refused key rejects like any other failure of the store rather than throwing.
  async put(key: string, body: Uint8Array | string): Promise<void> {
    return this.storeOf(key).put(key, body);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.storeOf(key).get(key);
  }

  async list(prefix: string): Promise<string[]> {
    return this.storeOf(prefix).list(prefix);
  }

  async deletePrefix(prefix: string): Promise<void> {
    return this.storeOf(prefix).deletePrefix(prefix);
  }

  private storeOf(key: string): ArtifactStore {
    const tenantId = tenantOfKey(key);
    return tenantId === undefined ? this.platform : this.forTenant(tenantId);
  }
}
