import { ArnFormat, Stack, type CfnElement } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { CONTAINER_ROLE_PATH } from '../src/aws/container-job-roles.js';
import { TENANT_TAG } from '../src/aws/tenant-credentials.js';
import { REGISTERED_DEFINITION_PREFIX } from '../src/jobs/batch-job-queue.js';
import { CONTAINER_LOG_STREAM_PREFIX } from '../src/jobs/container-job.js';
import { acknowledgeNag, arnWildcardFinding } from './nag.js';
import { TENANT_OBJECTS } from './tenant-role.js';
import type { TrainingQueue } from './training-queue.js';

export interface ContainerJobsProps {
  readonly artifacts: IBucket;
  readonly trainingQueue: TrainingQueue;
}

/**
 * What `container` trials (the user's image as a Batch job, src/jobs/container-job.ts) need: the one policy
 * every tenant's container role has (and is bounded by), and the execution role that pulls the image and
 * writes its output. The controller makes each tenant's role on first use (src/aws/container-job-roles.ts):
 * ECS assumes a job role without session tags, so the role's own `tenant` tag is what
 * `${aws:PrincipalTag/tenant}` reads, and a tenant's container reaches `tenants/<its tenant>/` only.
 */
export class ContainerJobs extends Construct {
  /** Objects under the role's own tenant folder, nothing else: attached to every container role and its permissions boundary. */
  readonly tenantPolicy: ManagedPolicy;
  /** Pulls images from this account's ECR and writes to the job log group; reaches no tenant's data. */
  readonly executionRole: Role;
  private readonly trainingQueue: TrainingQueue;

  constructor(scope: Construct, id: string, props: ContainerJobsProps) {
    super(scope, id);
    const { artifacts, trainingQueue } = props;
    this.trainingQueue = trainingQueue;
    this.tenantPolicy = new ManagedPolicy(this, 'TenantContainerPolicy', {
      description: "serverless-nas container trials: the objects of the role's own tenant (its tenant tag) only",
      statements: [
        new PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [artifacts.arnForObjects(TENANT_OBJECTS)] }),
        new PolicyStatement({ actions: ['s3:ListBucket'], resources: [artifacts.bucketArn], conditions: { StringLike: { 's3:prefix': TENANT_OBJECTS } } }),
      ],
    });
    acknowledgeNag(this.tenantPolicy, 'AwsSolutions-IAM5', "A tenant's objects are every key under its own folder, named by the role's tenant tag: tenants/${aws:PrincipalTag/tenant}/*.", [
      arnWildcardFinding(artifacts, TENANT_OBJECTS.replace(/\$\{([^}]+)\}/g, '<$1>')),
    ]);

    this.executionRole = new Role(this, 'ExecutionRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: "serverless-nas container trials: pulls the user's image from this account's ECR and writes its output",
    });
    const stack = Stack.of(this);
    this.executionRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    this.executionRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        resources: [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })],
      }),
    );
    trainingQueue.logGroup.grantWrite(this.executionRole);
    acknowledgeNag(
      this.executionRole,
      'AwsSolutions-IAM5',
      "Tenants name their images (any repository of this account's ECR); ecr:GetAuthorizationToken supports no resource; log streams are named by ECS per task.",
      ['Resource::*', 'Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*'],
    );
  }

  /**
   * Lets the controller run container trials: make (create, tag, attach the tenant policy to) roles on the
   * container path only, each bounded by the tenant policy; pass those and the execution role to ECS tasks
   * only; register and submit `nas-container-*` job definitions only; read the jobs' log streams.
   */
  grantRunContainers(controller: LambdaFunction): void {
    const stack = Stack.of(this);
    const roles = stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${CONTAINER_ROLE_PATH.slice(1)}*` });
    const policyArn = this.tenantPolicy.managedPolicyArn;
    const grant = (actions: string[], resourceArns: string[], conditions?: Record<string, Record<string, unknown>>) =>
      controller.addToRolePolicy(new PolicyStatement({ actions, resources: resourceArns, ...(conditions ? { conditions } : {}) }));
    grant(['iam:GetRole'], [roles]);
    grant(['iam:CreateRole'], [roles], { StringEquals: { 'iam:PermissionsBoundary': policyArn } });
    grant(['iam:TagRole'], [roles], { 'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_TAG] } });
    grant(['iam:AttachRolePolicy'], [roles], { ArnEquals: { 'iam:PolicyARN': policyArn } });
    grant(['iam:PassRole'], [roles, this.executionRole.roleArn], { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    const definitions = stack.formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${REGISTERED_DEFINITION_PREFIX}*` });
    grant(['batch:RegisterJobDefinition', 'batch:SubmitJob'], [definitions]);
    grant(['batch:DescribeJobDefinitions'], ['*']);
    const streams = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${this.trainingQueue.logGroup.logGroupName}:log-stream:${CONTAINER_LOG_STREAM_PREFIX}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    grant(['logs:GetLogEvents'], [streams]);
    acknowledgeNag(
      controller,
      'AwsSolutions-IAM5',
      "Tenants' container roles are made per tenant on first use (on their own path, bounded by the tenant container policy); their job definitions are named by a hash of their content; ECS names each job's log stream.",
      [
        'Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/nas-container/*',
        `Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition/${REGISTERED_DEFINITION_PREFIX}*`,
        `Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:<${Stack.of(this).getLogicalId(this.trainingQueue.logGroup.node.defaultChild as CfnElement)}>:log-stream:${CONTAINER_LOG_STREAM_PREFIX}/*`,
      ],
    );
    controller.addEnvironment('NAS_CONTAINER_JOB_POLICY_ARN', policyArn);
    controller.addEnvironment('NAS_CONTAINER_EXECUTION_ROLE_ARN', this.executionRole.roleArn);
    controller.addEnvironment('NAS_JOB_LOG_GROUP', this.trainingQueue.logGroup.logGroupName);
  }
}
