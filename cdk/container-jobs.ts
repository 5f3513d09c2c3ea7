import { ArnFormat, Stack, type CfnElement } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
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

/** This account's ECR repositories a tenant's execution role pulls from: those under its own tenant's folder (the role's tag). */
export const TENANT_REPOSITORIES = `tenants/\${aws:PrincipalTag/${TENANT_TAG}}/*`;

export interface ContainerJobsProps {
  readonly artifacts: IBucket;
  readonly trainingQueue: TrainingQueue;
}

/**
 * What `container` trials (the user's image as a Batch job, src/jobs/container-job.ts) need: the one policy
 * every tenant's container (job) role has (and is bounded by), and the one policy every tenant's execution
 * role, which pulls the image and writes its output, has (and is bounded by). The controller makes each
 * tenant's two roles on first use (src/aws/container-job-roles.ts): ECS uses them without session tags, so
 * the role's own `tenant` tag is what `${aws:PrincipalTag/tenant}` reads; a tenant's container reaches
 * `tenants/<its tenant>/` objects only, and its execution role pulls images of `tenants/<its tenant>/`
 * repositories of this account only (or of another account whose repository policy grants that role).
 */
export class ContainerJobs extends Construct {
  /** Objects under the role's own tenant folder, nothing else: attached to every container role and its permissions boundary. */
  readonly tenantPolicy: ManagedPolicy;
  /**
   * Images of this account's ECR under the role's own tenant's `tenants/<tenant>/` repositories, images of
   * other accounts whose repository policy grants the role, and the job log group: attached to every
   * container execution role and its permissions boundary. Reaches no tenant's data.
   */
  readonly executionPolicy: ManagedPolicy;
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

    const stack = Stack.of(this);
    const pulls = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];
    this.executionPolicy = new ManagedPolicy(this, 'ExecutionPolicy', {
      description: "serverless-nas container trials: pulls the images of the role's own tenant (its tenant tag) only and writes their output",
      statements: [
        // This account's repositories: the tenant's own folder only, so that no tenant runs another's image.
        new PolicyStatement({ actions: pulls, resources: [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: TENANT_REPOSITORIES })] }),
        // Another account's repository, which its own policy must grant this very role (the tenant's own
        // account): never this account's, whose other repositories are other tenants' or the service's.
        // Where ECR gave no resource account, the statement does not apply (Null false), so it fails closed.
        new PolicyStatement({
          actions: pulls,
          resources: [stack.formatArn({ service: 'ecr', region: '*', account: '*', resource: 'repository', resourceName: '*' })],
          conditions: { StringNotEquals: { 'aws:ResourceAccount': stack.account }, Null: { 'aws:ResourceAccount': 'false' } },
        }),
        new PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
        new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [trainingQueue.logGroup.logGroupArn] }),
      ],
    });
    acknowledgeNag(
      this.executionPolicy,
      'AwsSolutions-IAM5',
      "A tenant's images are every repository under its own folder, named by the role's tenant tag (tenants/${aws:PrincipalTag/tenant}/*), and repositories of other accounts (never this one, by aws:ResourceAccount) whose own policy grants the role; ecr:GetAuthorizationToken supports no resource.",
      ['Resource::*', `Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/${TENANT_REPOSITORIES.replace(/\$\{([^}]+)\}/g, '<$1>')}`, 'Resource::arn:<AWS::Partition>:ecr:*:*:repository/*'],
    );
  }

  /**
   * Lets the controller run container trials: make (create, tag, attach the tenant or the execution policy
   * to) roles on the container path only, each bounded by one of those two policies; pass those roles to
   * ECS tasks only; register and submit `nas-container-*` job definitions only; read the jobs' log streams.
   */
  grantRunContainers(controller: LambdaFunction): void {
    const stack = Stack.of(this);
    const roles = stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: `${CONTAINER_ROLE_PATH.slice(1)}*` });
    const policyArn = this.tenantPolicy.managedPolicyArn;
    const executionPolicyArn = this.executionPolicy.managedPolicyArn;
    const grant = (actions: string[], resourceArns: string[], conditions?: Record<string, Record<string, unknown>>) =>
      controller.addToRolePolicy(new PolicyStatement({ actions, resources: resourceArns, ...(conditions ? { conditions } : {}) }));
    grant(['iam:GetRole'], [roles]);
    grant(['iam:CreateRole'], [roles], { StringEquals: { 'iam:PermissionsBoundary': [policyArn, executionPolicyArn] } });
    grant(['iam:TagRole'], [roles], { 'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_TAG] } });
    grant(['iam:AttachRolePolicy'], [roles], { ArnEquals: { 'iam:PolicyARN': [policyArn, executionPolicyArn] } });
    grant(['iam:PassRole'], [roles], { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
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
      "Tenants' container job and execution roles are made per tenant on first use (on their own path, bounded by the tenant container policy or the execution policy); their job definitions are named by a hash of their content; ECS names each job's log stream.",
      [
        'Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/nas-container/*',
        `Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition/${REGISTERED_DEFINITION_PREFIX}*`,
        `Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:<${Stack.of(this).getLogicalId(this.trainingQueue.logGroup.node.defaultChild as CfnElement)}>:log-stream:${CONTAINER_LOG_STREAM_PREFIX}/*`,
      ],
    );
    controller.addEnvironment('NAS_CONTAINER_JOB_POLICY_ARN', policyArn);
    controller.addEnvironment('NAS_CONTAINER_EXECUTION_POLICY_ARN', executionPolicyArn);
    controller.addEnvironment('NAS_JOB_LOG_GROUP', this.trainingQueue.logGroup.logGroupName);
  }
}
