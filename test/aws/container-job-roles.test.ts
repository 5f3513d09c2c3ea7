import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand, type Role } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { CONTAINER_ROLE_PATH, containerJobRoles, containerRoleName, type IamApi } from '../../src/aws/container-job-roles.js';

const POLICY = 'arn:aws:iam::123456789012:policy/nas-tenant-container';

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
