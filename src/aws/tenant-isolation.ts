import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { openArtifactStore, s3BucketOpener } from '../artifacts/open-artifact-store.js';
import { TenantScopedArtifactStore } from '../artifacts/tenant-scoped-artifact-store.js';
import { dynamoClientConfig } from '../store/client-config.js';
import { DynamoDbStore } from '../store/dynamodb-store.js';
import type { Store } from '../store/store.js';
import { TenantScopedStore } from '../store/tenant-scoped-store.js';
import { requireActingTenant } from '../auth/acting-tenant.js';
import { perTenant } from './per-tenant.js';
import { TENANT_ROLE_ENV, tenantCredentials, type TenantCredentialProvider } from './tenant-credentials.js';

export interface DataLocations {
  /** `NAS_TABLE` */
  readonly tableName: string;
  /** `NAS_ARTIFACTS`; without it there is no artifact store. */
  readonly artifacts?: string;
}

export interface DataStores {
  readonly store: Store;
  readonly artifacts?: ArtifactStore;
  /** Opens other buckets (`s3://` datasets) with the same credentials. */
  readonly openS3Bucket: (bucket: string) => ArtifactStore;
}

/**
 * The records and artifacts of a process serving many tenants (the API and controller functions): each
 * call about a tenant goes out with that tenant's credentials, minted on first use and kept per tenant;
 * platform calls (API keys, sessions, the sweep, policies, tables) with the process's own.
 */
export function openSharedData(locations: DataLocations, env: NodeJS.ProcessEnv = process.env): DataStores {
  const own = openData(locations, env);
  const roleArn = env[TENANT_ROLE_ENV];
  if (!roleArn) return own;
  const credentialsOf = tenantCredentials({ roleArn });
  const opened = perTenant((tenantId) => openData(locations, env, credentialsOf(tenantId)));
  // Only the tenant an API request or a tick works for: a bug naming another is refused, not served.
  const tenant = (tenantId: string) => {
    requireActingTenant(tenantId);
    return opened(tenantId);
  };
  return {
    store: new TenantScopedStore(own.store, (tenantId) => tenant(tenantId).store),
    ...(own.artifacts ? { artifacts: new TenantScopedArtifactStore(own.artifacts, (tenantId) => tenant(tenantId).artifacts!) } : {}),
    openS3Bucket: own.openS3Bucket,
  };
}

/**
 * The records and artifacts of a process working for one tenant (a trial job in AWS Batch): with the
 * tenant role, every call goes out with that tenant's credentials, so nothing the process does can reach
 * another tenant's records or objects, nor the platform's.
 */
export function openTenantData(locations: DataLocations, tenantId: string, env: NodeJS.ProcessEnv = process.env): DataStores {
  const roleArn = env[TENANT_ROLE_ENV];
  return roleArn ? openData(locations, env, tenantCredentials({ roleArn })(tenantId)) : openData(locations, env);
}

function openData(locations: DataLocations, env: NodeJS.ProcessEnv, credentials?: TenantCredentialProvider): DataStores {
  const withCredentials = credentials ? { credentials } : {};
  const openS3Bucket = s3BucketOpener(withCredentials);
  return {
    store: new DynamoDbStore({ tableName: locations.tableName, client: { ...dynamoClientConfig(env), ...withCredentials } }),
    ...(locations.artifacts ? { artifacts: openArtifactStore(locations.artifacts, openS3Bucket) } : {}),
    openS3Bucket,
  };
}
