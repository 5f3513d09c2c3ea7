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

/** Every tenant's container roles live on this path: the controller may create, tag and pass roles there only (cdk/container-jobs.ts). */
export const CONTAINER_ROLE_PATH = '/nas-container/';

/**
 * The two roles of a tenant's container jobs: `job`, the role its code runs as (its own objects only);
 * `execution`, the role ECS pulls its image and writes its output with (its own images only).
 */
export type ContainerRoleKind = 'job' | 'execution';

const ROLE_NAME_PREFIX: Record<ContainerRoleKind, string> = { job: 'nas-container-', execution: 'nas-container-exec-' };

const ROLE_DESCRIPTION: Record<ContainerRoleKind, string> = {
  job: 'its own objects only',
  execution: 'pulls its own images (tenants/<tenant>/ of this account, or its own account granting this role) and writes their output',
};

/**
 * A tenant's container role of `kind`: a hash of the tenant id, since a role name takes 64 characters and
 * a tenant id may use all 64. The hash is hex, so no job role's name is an execution role's (`x` is no hex digit).
 */
export function containerRoleName(tenantId: string, kind: ContainerRoleKind = 'job'): string {
  return `${ROLE_NAME_PREFIX[kind]}${createHash('sha256').update(tenantId).digest('hex').slice(0, 32)}`;
}

/** Only ECS tasks (Batch jobs) may assume a container role. */
const ECS_TASKS_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export interface ContainerJobRolesOptions {
  readonly iam: IamApi;
  /**
   * The one policy of every role of this kind, also its permissions boundary, reading the role's own
   * `tenant` tag (cdk/container-jobs.ts): for job roles, objects under `tenants/${aws:PrincipalTag/tenant}/`
   * only; for execution roles, images under `tenants/${aws:PrincipalTag/tenant}/` of this account's ECR
   * (or of another account whose repository grants the role) and the job log group.
   */
  readonly policyArn: string;
}

/**
 * The roles of one kind that tenants' containers run with, made on first use: `containerRoleName(tenant,
 * kind)` on `CONTAINER_ROLE_PATH`, tagged `tenant=<id>`, with the kind's policy attached and as its
 * boundary. ECS assumes a job role, and uses an execution role, without session tags, so one shared role
 * could not tell tenants apart (the tenant role's session tag does not reach it); a role's own tag does:
 * `${aws:PrincipalTag/tenant}` reads it. The user's code in the container has no IAM permission, so it
 * cannot change its tag, and the controller may attach no other policy.
 *
 * Answers the role's ARN; remembered per tenant for the life of the process.
 */
export function containerRoles(kind: ContainerRoleKind, options: ContainerJobRolesOptions): (tenantId: string) => Promise<string> {
  const { iam, policyArn } = options;
  const ensure = async (tenantId: string): Promise<string> => {
    const RoleName = containerRoleName(tenantId, kind);
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
              Description: `serverless-nas container trials of tenant ${tenantId}: ${ROLE_DESCRIPTION[kind]}`.slice(0, 1000),
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
    if (!role?.Arn || tagged !== tenantId) throw new Error(`container ${kind} role ${RoleName} is not tagged ${TENANT_TAG}=${tenantId} (tagged ${tagged ?? 'nothing'}): refusing to run the tenant's job with it`);
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

/** The role a tenant's containers run as: its own objects only (`containerRoles('job', ...)`). */
export function containerJobRoles(options: ContainerJobRolesOptions): (tenantId: string) => Promise<string> {
  return containerRoles('job', options);
}

/** The role ECS pulls a tenant's image and writes its output with: its own images only (`containerRoles('execution', ...)`). */
export function containerExecutionRoles(options: ContainerJobRolesOptions): (tenantId: string) => Promise<string> {
  return containerRoles('execution', options);
}

async function getRole(iam: IamApi, RoleName: string): Promise<GetRoleCommandOutput['Role']> {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName }))).Role;
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchEntityException') return undefined;
    throw error;
  }
}
