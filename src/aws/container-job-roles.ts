import { createHash } from 'node:crypto';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  type AttachRolePolicyCommandOutput,
  type CreateRoleCommandOutput,
  type GetRoleCommandOutput,
} from '@aws-sdk/client-iam';
import { isTenantId } from '../auth/tenant-id.js';
import { perTenant } from './per-tenant.js';
import { TENANT_TAG } from './tenant-credentials.js';

/** The three IAM calls; an `IAMClient` is one, and so is a test's fake. */
export interface IamApi {
  send(command: GetRoleCommand): Promise<GetRoleCommandOutput>;
  send(command: CreateRoleCommand): Promise<CreateRoleCommandOutput>;
  send(command: AttachRolePolicyCommand): Promise<AttachRolePolicyCommandOutput>;
}

/** Every tenant's container role lives on this path: the controller may create, tag and pass roles there only (cdk/container-jobs.ts). */
export const CONTAINER_ROLE_PATH = '/nas-container/';

/** A tenant's container role: a hash of the tenant id, since a role name takes 64 characters and a tenant id may use all 64. */
export function containerRoleName(tenantId: string): string {
  return `nas-container-${createHash('sha256').update(tenantId).digest('hex').slice(0, 32)}`;
}

/** Only ECS tasks (Batch jobs) may assume a container role. */
const ECS_TASKS_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export interface ContainerJobRolesOptions {
  readonly iam: IamApi;
  /**
   * The one policy of every container role, also its permissions boundary: objects under
   * `tenants/${aws:PrincipalTag/tenant}/` only, the tag being the role's own (cdk/container-jobs.ts).
   */
  readonly policyArn: string;
}

/**
 * The role a tenant's containers run as, made on first use: `nas-container-<hash>` on `CONTAINER_ROLE_PATH`,
 * tagged `tenant=<id>`, with the container policy attached and as its boundary. ECS assumes a job role
 * without session tags, so one shared role could not tell tenants apart (the tenant role's session tag
 * does not reach it); a role's own tag does: `${aws:PrincipalTag/tenant}` reads it. The user's code in the
 * container has no IAM permission, so it cannot change its tag, and the controller may attach no other policy.
 *
 * Answers the role's ARN; remembered per tenant for the life of the process.
 */
export function containerJobRoles(options: ContainerJobRolesOptions): (tenantId: string) => Promise<string> {
  const { iam, policyArn } = options;
  const ensure = async (tenantId: string): Promise<string> => {
    const RoleName = containerRoleName(tenantId);
    let role = await getRole(iam, RoleName);
    if (!role) {
      try {
        role = (
          await iam.send(
            new CreateRoleCommand({
              RoleName,
              Path: CONTAINER_ROLE_PATH,
              AssumeRolePolicyDocument: ECS_TASKS_TRUST,
              PermissionsBoundary: policyArn,
              Tags: [{ Key: TENANT_TAG, Value: tenantId }],
              Description: `serverless-nas container trials of tenant ${tenantId}: its own objects only`.slice(0, 1000),
            }),
          )
        ).Role;
      } catch (error) {
        // Another controller made it first.
        if ((error as { name?: string }).name !== 'EntityAlreadyExistsException') throw error;
        role = await getRole(iam, RoleName);
      }
    }
    const tagged = role?.Tags?.find((tag) => tag.Key === TENANT_TAG)?.Value;
    if (!role?.Arn || tagged !== tenantId) throw new Error(`container role ${RoleName} is not tagged ${TENANT_TAG}=${tenantId} (tagged ${tagged ?? 'nothing'}): refusing to run the tenant's job as it`);
    // Idempotent; done every first use, so a controller that died between creating and attaching mends it.
    await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn: policyArn }));
    return role.Arn;
  };
  // Only roles known to be ready are remembered: a failed attempt is tried again on the next submission.
  const ready = perTenant((): { arn?: string } => ({}));
  return async (tenantId) => {
    if (!isTenantId(tenantId)) throw new Error(`not a tenant id: ${JSON.stringify(tenantId)}`);
    const slot = ready(tenantId);
    return (slot.arn ??= await ensure(tenantId));
  };
}

async function getRole(iam: IamApi, RoleName: string): Promise<GetRoleCommandOutput['Role']> {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName }))).Role;
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchEntityException') return undefined;
    throw error;
  }
}
