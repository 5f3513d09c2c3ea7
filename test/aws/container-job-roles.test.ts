import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand, type Role } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { CONTAINER_ROLE_PATH, containerExecutionRoles, containerJobRoles, containerRoleName, containerRoles, type IamApi } from '../../src/aws/container-job-roles.js';

const POLICY = 'arn:aws:iam::123456789012:policy/nas-tenant-container';
const EXECUTION_POLICY = 'arn:aws:iam::123456789012:policy/nas-container-execution';

/** IAM's roles in memory, with every call recorded. */
class FakeIam implements IamApi {
  readonly roles = new Map<string, Role>();
  readonly calls: { command: string; input: Record<string, unknown> }[] = [];
  async send(command: GetRoleCommand | CreateRoleCommand | AttachRolePolicyCommand): Promise<any> {
    this.calls.push({ command: command.constructor.name, input: { ...command.input } });
    const name = command.input.RoleName!;
    if (command instanceof GetRoleCommand) {
      const role = this.roles.get(name);
      if (!role) throw Object.assign(new Error('no role'), { name: 'NoSuchEntityException' });
      return { Role: role };
    }
    if (command instanceof CreateRoleCommand) {
      const role = { RoleName: name, Path: command.input.Path, Arn: `arn:aws:iam::123456789012:role${command.input.Path}${name}`, Tags: command.input.Tags } as Role;
      this.roles.set(name, role);
      return { Role: role };
    }
    return {};
  }
}

describe('containerJobRoles', () => {
  it("makes one role per tenant on first use: on the container path, tagged with the tenant, bounded by and attached to the tenant policy, trusted by ECS tasks only", async () => {
    const iam = new FakeIam();
    const roleOf = containerJobRoles({ iam, policyArn: POLICY });
    const arn = await roleOf('acme');
    expect(arn).toBe(`arn:aws:iam::123456789012:role${CONTAINER_ROLE_PATH}${containerRoleName('acme')}`);
    const create = iam.calls.find((c) => c.command === 'CreateRoleCommand')!.input;
    expect(create).toMatchObject({ Path: CONTAINER_ROLE_PATH, PermissionsBoundary: POLICY, Tags: [{ Key: 'tenant', Value: 'acme' }] });
    expect(JSON.parse(create.AssumeRolePolicyDocument as string).Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    expect(iam.calls.filter((c) => c.command === 'AttachRolePolicyCommand').map((c) => c.input)).toEqual([{ RoleName: containerRoleName('acme'), PolicyArn: POLICY }]);

    // Remembered: no more IAM calls for the same tenant; another tenant gets its own role.
    const before = iam.calls.length;
    expect(await roleOf('acme')).toBe(arn);
    expect(iam.calls).toHaveLength(before);
    expect(await roleOf('globex')).not.toBe(arn);
    expect(containerRoleName('x'.repeat(64))).toHaveLength(46);
  });

  it("finds a tenant's existing role (another controller made it) and refuses one tagged for another tenant", async () => {
    const iam = new FakeIam();
    iam.roles.set(containerRoleName('acme'), { RoleName: containerRoleName('acme'), Arn: 'arn:aws:iam::123456789012:role/nas-container/a', Tags: [{ Key: 'tenant', Value: 'acme' }] } as Role);
    iam.roles.set(containerRoleName('globex'), { RoleName: containerRoleName('globex'), Arn: 'arn:aws:iam::123456789012:role/nas-container/g', Tags: [{ Key: 'tenant', Value: 'acme' }] } as Role);
    const roleOf = containerJobRoles({ iam, policyArn: POLICY });
    expect(await roleOf('acme')).toBe('arn:aws:iam::123456789012:role/nas-container/a');
    await expect(roleOf('globex')).rejects.toThrow(/not tagged tenant=globex/);
    await expect(roleOf('../other')).rejects.toThrow(/not a tenant id/);
    expect(iam.calls.some((c) => c.command === 'CreateRoleCommand')).toBe(false);
  });
});

describe('containerExecutionRoles (the role that pulls a tenant\'s image)', () => {
  it("makes one execution role per tenant on first use, as the job roles are made: on the container path, tagged with the tenant, bounded by and attached to the execution policy, trusted by ECS tasks only", async () => {
    const iam = new FakeIam();
    const executionRoleOf = containerExecutionRoles({ iam, policyArn: EXECUTION_POLICY });
    const arn = await executionRoleOf('acme');
    expect(containerRoleName('acme', 'execution')).toMatch(/^nas-container-exec-[0-9a-f]{32}$/);
    expect(arn).toBe(`arn:aws:iam::123456789012:role${CONTAINER_ROLE_PATH}${containerRoleName('acme', 'execution')}`);
    expect(iam.calls.map((c) => c.command)).toEqual(['GetRoleCommand', 'CreateRoleCommand', 'AttachRolePolicyCommand']);
    const create = iam.calls.find((c) => c.command === 'CreateRoleCommand')!.input;
    expect(create).toMatchObject({
      RoleName: containerRoleName('acme', 'execution'),
      Path: CONTAINER_ROLE_PATH,
      PermissionsBoundary: EXECUTION_POLICY,
      Tags: [{ Key: 'tenant', Value: 'acme' }],
      Description: expect.stringContaining('pulls its own images'),
    });
    expect(JSON.parse(create.AssumeRolePolicyDocument as string).Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    expect(iam.calls.filter((c) => c.command === 'AttachRolePolicyCommand').map((c) => c.input)).toEqual([{ RoleName: containerRoleName('acme', 'execution'), PolicyArn: EXECUTION_POLICY }]);

    const before = iam.calls.length;
    expect(await executionRoleOf('acme')).toBe(arn);
    expect(iam.calls).toHaveLength(before);
    const other = await executionRoleOf('globex');
    expect(other).not.toBe(arn);
    expect(iam.roles.get(containerRoleName('globex', 'execution'))!.Tags).toEqual([{ Key: 'tenant', Value: 'globex' }]);
  });

  it("keeps a tenant's job role and execution role apart: two roles, each with its own policy, one helper for both kinds", async () => {
    const iam = new FakeIam();
    const jobRoleOf = containerJobRoles({ iam, policyArn: POLICY });
    const executionRoleOf = containerRoles('execution', { iam, policyArn: EXECUTION_POLICY });
    const [job, execution] = [await jobRoleOf('acme'), await executionRoleOf('acme')];
    expect(job).not.toBe(execution);
    expect(containerRoleName('acme')).toBe(containerRoleName('acme', 'job'));
    // Same hash, different prefixes: `x` is no hex digit, so no job role's name is an execution role's.
    expect(containerRoleName('acme', 'execution').slice(-32)).toBe(containerRoleName('acme', 'job').slice(-32));
    expect(containerRoleName('x'.repeat(64), 'execution')).toHaveLength(51);
    const created = iam.calls.filter((c) => c.command === 'CreateRoleCommand').map((c) => [c.input.RoleName, c.input.PermissionsBoundary]);
    expect(created).toEqual([
      [containerRoleName('acme', 'job'), POLICY],
      [containerRoleName('acme', 'execution'), EXECUTION_POLICY],
    ]);
    const attached = iam.calls.filter((c) => c.command === 'AttachRolePolicyCommand').map((c) => [c.input.RoleName, c.input.PolicyArn]);
    expect(attached).toEqual([
      [containerRoleName('acme', 'job'), POLICY],
      [containerRoleName('acme', 'execution'), EXECUTION_POLICY],
    ]);
  });

  it("refuses an execution role tagged for another tenant, and mends one whose policy was never attached (a controller that died after creating it)", async () => {
    const iam = new FakeIam();
    iam.roles.set(containerRoleName('globex', 'execution'), { RoleName: containerRoleName('globex', 'execution'), Arn: 'arn:aws:iam::123456789012:role/nas-container/g', Tags: [{ Key: 'tenant', Value: 'acme' }] } as Role);
    iam.roles.set(containerRoleName('acme', 'execution'), { RoleName: containerRoleName('acme', 'execution'), Arn: 'arn:aws:iam::123456789012:role/nas-container/a', Tags: [{ Key: 'tenant', Value: 'acme' }] } as Role);
    const executionRoleOf = containerExecutionRoles({ iam, policyArn: EXECUTION_POLICY });
    await expect(executionRoleOf('globex')).rejects.toThrow(/execution role .* is not tagged tenant=globex/);
    expect(await executionRoleOf('acme')).toBe('arn:aws:iam::123456789012:role/nas-container/a');
    expect(iam.calls.filter((c) => c.command === 'AttachRolePolicyCommand').map((c) => c.input)).toEqual([{ RoleName: containerRoleName('acme', 'execution'), PolicyArn: EXECUTION_POLICY }]);
    expect(iam.calls.some((c) => c.command === 'CreateRoleCommand')).toBe(false);
    // A refused role is not remembered: asked again, IAM is asked again.
    const before = iam.calls.length;
    await expect(executionRoleOf('globex')).rejects.toThrow(/not tagged/);
    expect(iam.calls.length).toBeGreaterThan(before);
  });
});
