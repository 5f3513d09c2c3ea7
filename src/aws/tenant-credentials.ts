import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { isTenantId } from '../auth/tenant-id.js';
import { DEFAULT_MAX_TENANTS, perTenant } from './per-tenant.js';

/**
 * Names the tenant role (cdk/tenant-role.ts). Where it is set (the deployed functions and trial jobs), a
 * tenant's records and artifacts are reached only with that role's credentials tagged with the tenant;
 * where it is not (the local service, tests), everything is reached with the process's own credentials.
 */
export const TENANT_ROLE_ENV = 'NAS_TENANT_ROLE_ARN';

/**
 * The session tag naming a session's tenant. The tenant role's policies (cdk/tenant-role.ts) reach only
 * keys built from it (`${aws:PrincipalTag/tenant}`), and its trust policy refuses a session without it.
 */
export const TENANT_TAG = 'tenant';

/** Credentials of one tenant's session, as the AWS SDK clients take them. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export type TenantCredentialProvider = () => Promise<TemporaryCredentials>;

export interface TenantCredentialsOptions {
  /** The tenant role (`NAS_TENANT_ROLE_ARN`). */
  readonly roleArn: string;
  /** @default an STS client on the process's own credentials (the function's or the job's role) */
  readonly sts?: STSClient;
  /**
   * How long each session lasts. A Lambda or Batch role assuming another role is role chaining, which
   * AWS caps at one hour.
   * @default 3600
   */
  readonly durationSeconds?: number;
  /** @default DEFAULT_MAX_TENANTS */
  readonly maxTenants?: number;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/**
 * Credentials are renewed once fewer than this many milliseconds are left: more than the 5 minutes of a
 * presigned download URL (src/api/routes/models.ts), which stops working when its credentials expire.
 */
const RENEW_BEFORE_EXPIRY_MS = 10 * 60_000;

/** RoleSessionName takes at most 64 characters, all of which a tenant id may use. */
const sessionName = (tenantId: string) => `tenant-${tenantId}`.slice(0, 64);

/**
 * The token vending machine: credentials of the tenant role for one tenant at a time, each session tagged
 * `tenant=<id>`, so that whatever the code asks with them IAM allows only on that tenant's records and
 * artifacts. Each tenant gets one provider, which assumes the role on first use, hands out the same
 * credentials until they near expiry, and never runs two AssumeRole calls at once.
 *
 * Throws for an id that is no tenant id (it could not be a tag value, and would be a bug upstream).
 */
export function tenantCredentials(options: TenantCredentialsOptions): (tenantId: string) => TenantCredentialProvider {
  const sts = options.sts ?? new STSClient({});
  const clock = options.clock ?? (() => new Date());
  const assume = async (tenantId: string): Promise<TemporaryCredentials> => {
    const { Credentials: credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: options.roleArn,
        RoleSessionName: sessionName(tenantId),
        DurationSeconds: options.durationSeconds ?? 3600,
        Tags: [{ Key: TENANT_TAG, Value: tenantId }],
        // Should a tenant session ever assume another role, it keeps its tenant and cannot drop or change it.
        TransitiveTagKeys: [TENANT_TAG],
      }),
    );
    const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = credentials ?? {};
    if (!AccessKeyId || !SecretAccessKey || !SessionToken || !Expiration) throw new Error(`STS returned no credentials for tenant ${tenantId}`);
    return { accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: SessionToken, expiration: Expiration };
  };
  const providers = perTenant((tenantId) => renewedNearExpiry(() => assume(tenantId), clock), options.maxTenants ?? DEFAULT_MAX_TENANTS);
  return (tenantId) => {
    if (!isTenantId(tenantId)) throw new Error(`not a tenant id: ${JSON.stringify(tenantId)}`);
    return providers(tenantId);
  };
}

function renewedNearExpiry(fetch: () => Promise<TemporaryCredentials>, clock: () => Date): TenantCredentialProvider {
  let current: TemporaryCredentials | undefined;
  let renewing: Promise<TemporaryCredentials> | undefined;
  return async () => {
    if (current && current.expiration.getTime() - clock().getTime() > RENEW_BEFORE_EXPIRY_MS) return current;
    renewing ??= fetch()
      .then((fresh) => (current = fresh))
      .finally(() => (renewing = undefined));
    return renewing;
  };
}
