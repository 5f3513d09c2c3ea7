import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, PolicyStatement, PrincipalBase, PrincipalPolicyFragment, Role, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { TENANT_TAG } from '../src/aws/tenant-credentials.js';
import { acknowledgeNag, arnWildcardFinding } from './nag.js';

/** The tenant a session of the tenant role works for, as IAM reads it from the session's tag. */
const SESSION_TENANT = `\${aws:PrincipalTag/${TENANT_TAG}}`;
/** A tenant's objects in the artifacts bucket (`tenantArtifactPrefix` in src/artifacts/tenant-prefix.ts). */
export const TENANT_OBJECTS = `tenants/${SESSION_TENANT}/*`;
/** A tenant's items: partition keys `TENANT#<t>` and `TENANT#<t>#...` (src/store/table.ts). */
export const TENANT_PARTITIONS = [`TENANT#${SESSION_TENANT}`, `TENANT#${SESSION_TENANT}#*`];
/**
 * What the store does to a tenant's items, batched reads and writes of trials included (IAM checks
 * `LeadingKeys` on every key of a batch); no Scan, which names no partition and would pass the condition.
 */
const ITEM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'];

/** Trusts nobody by itself: `grantAssumeAsTenant` adds each role that may mint tenant credentials. */
class GrantedRolesOnly extends PrincipalBase {
  readonly policyFragment = new PrincipalPolicyFragment({});
  override addToAssumeRolePolicy(): void {}
  dedupeString(): string | undefined {
    return undefined;
  }
}

export interface TenantRoleProps {
  readonly table: ITable;
  readonly artifacts: IBucket;
}

/**
 * The one role through which the service touches a tenant's records and artifacts: attribute-based
 * access control on the `tenant` session tag, which the service's own roles must set when they assume it
 * (src/aws/tenant-credentials.ts). A session tagged `tenant=acme` may use the items under `TENANT#acme`
 * and the objects under `tenants/acme/`, nothing else. The functions and trial jobs hold no access of
 * their own to any tenant's data, so a bug that builds another tenant's key, or forgets the tenant, is
 * refused by IAM instead of being served.
 */
export class TenantRole extends Construct {
  readonly role: Role;
  private readonly trust = new PolicyStatement({
    actions: ['sts:AssumeRole', 'sts:TagSession'],
    conditions: {
      // A session without a tenant, or with other tags beside it, is refused.
      StringLike: { [`aws:RequestTag/${TENANT_TAG}`]: '?*' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_TAG] },
    },
  });

  constructor(scope: Construct, id: string, props: TenantRoleProps) {
    super(scope, id);
    const { table, artifacts } = props;
    this.role = new Role(this, 'Role', {
      assumedBy: new GrantedRolesOnly(),
      description: "serverless-nas tenant credentials: one tenant's records and artifacts, named by the session's tenant tag",
    });
    this.role.assumeRolePolicy!.addStatements(this.trust);
    this.node.addValidation({ validate: () => (this.trust.hasPrincipal ? [] : ['no role may assume the tenant role: call grantAssumeAsTenant']) });

    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ITEM_ACTIONS,
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': TENANT_PARTITIONS } },
      }),
    );
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [artifacts.arnForObjects(TENANT_OBJECTS)] }));
    // Listing the tenant's folder also makes a missing key of it read as missing (see S3ArtifactStore.get).
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [artifacts.bucketArn], conditions: { StringLike: { 's3:prefix': TENANT_OBJECTS } } }));
    // A tenant's registered dataset sources (s3:// datasets) are buckets in its own AWS account. Reading one
    // takes this statement and that bucket's policy, which grants this role for sessions tagged with the
    // owner's tenant only (docs/datasets.md); this account's buckets are excluded, so no tenant reaches the
    // service's own buckets this way.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:ListBucket'],
        resources: ['arn:aws:s3:::*', 'arn:aws:s3:::*/*'],
        conditions: { StringNotEquals: { 's3:ResourceAccount': Stack.of(this).account } },
      }),
    );
    acknowledgeNag(
      this.role,
      'AwsSolutions-IAM5',
      "The tenant's objects are every key under its own folder, named by the session's tenant tag: tenants/${aws:PrincipalTag/tenant}/*; " +
        "its own buckets are in other accounts, whose bucket policies grant this role for the owner's tenant tag only.",
      // cdk-nag writes a policy variable `${x}` as `<x>`.
      [arnWildcardFinding(artifacts, TENANT_OBJECTS.replace(/\$\{([^}]+)\}/g, '<$1>')), 'Resource::arn:aws:s3:::*', 'Resource::arn:aws:s3:::*/*'],
    );
  }

  get roleArn(): string {
    return this.role.roleArn;
  }

  /**
   * Lets `grantee` (a function's or a job's role) assume the tenant role with a `tenant` session tag: the
   * trust policy names it, and its own policy allows AssumeRole and TagSession on this role only.
   */
  grantAssumeAsTenant(grantee: IGrantable): Grant {
    this.trust.addPrincipals(grantee.grantPrincipal);
    return Grant.addToPrincipal({ grantee, actions: ['sts:AssumeRole', 'sts:TagSession'], resourceArns: [this.role.roleArn] });
  }
}
