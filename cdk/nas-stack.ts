import { CfnOutput, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Construct } from 'constructs';
import { Alarms } from './alarms.js';
import { Api } from './api.js';
import { Artifacts } from './artifacts.js';
import { ContainerJobs } from './container-jobs.js';
import { Controller } from './controller.js';
import { CostGuard } from './cost-guard.js';
import { Records } from './records.js';
import { TenantRole } from './tenant-role.js';
import { TrainingQueue, type TrainingQueueProps } from './training-queue.js';

export interface NasStackProps extends StackProps {
  /** Who gets alarm and budget notifications (`-c alarmEmail=...`). */
  readonly alarmEmail?: string;
  /**
   * What the AWS Budgets budget watches per month, in US dollars (`-c monthlyBudgetUsd=...`).
   * @default 100
   */
  readonly monthlyBudgetUsd?: number;
  /** See `CostGuardProps.onlyProjectTag`. @default false */
  readonly budgetOnlyProjectTag?: boolean;
  /** Caps on the compute environments, in vCPUs. @default DEFAULT_MAX_VCPUS */
  readonly maxvCpus?: TrainingQueueProps['maxvCpus'];
  /** The benchmark data to bake into the job image. @default NAS_BENCHMARKS_DIR or ../shared/benchmarks */
  readonly benchmarksDir?: string;
  /**
   * A domain for the API and the dashboard (`-c apiDomainName=... -c apiCertificateArn=...`), with an ACM
   * certificate for it in the stack's region. See `ApiProps.domain`. @default none
   */
  readonly apiDomain?: { readonly name: string; readonly certificateArn: string };
  /** IAM (SigV4) in front of the API's own keys (`-c apiAuth=iam`). See `ApiProps.iamAuthorization`. @default false */
  readonly apiIamAuthorization?: boolean;
  /**
   * The deployment stage (`-c stage=dev`): part of the stack's name (`stackNameFor`), and so of every
   * resource name CloudFormation generates, and a `stage` tag on every resource. @default none (production)
   */
  readonly stage?: string;
  /**
   * A throwaway deployment (`-c ephemeral=true`): the records table and the artifacts bucket (emptied first)
   * are deleted with the stack, and the table drops deletion protection. Never for data you want to keep.
   * @default false
   */
  readonly ephemeral?: boolean;
  /** See `TrainingQueueProps.runnableTimeoutMinutes` (`-c runnableTimeoutMinutes=...`). @default 60 */
  readonly runnableTimeoutMinutes?: number;
  /**
   * Runs `container` trials, the tenant's image as a Batch job (`-c containerTrials=true`): the API accepts
   * container searches, and the controller may make per-tenant container roles (cdk/container-jobs.ts).
   * Off by default: it hands the controller IAM writes (bounded, on one path) and runs tenants' images,
   * none of it yet tried on an AWS account (docs/deployment.md). @default false
   */
  readonly containerTrials?: boolean;
}

/** The stack's name: `ServerlessNas`, or `ServerlessNas-<stage>` for a named stage. */
export const STACK_NAME = 'ServerlessNas';
const STAGE_NAME = /^[a-z][a-z0-9-]{0,19}$/;

/** The stack name of `stage`; refuses a stage that would not make valid, short resource names. */
export function stackNameFor(stage: string | undefined): string {
  if (stage === undefined) return STACK_NAME;
  if (!STAGE_NAME.test(stage)) throw new Error(`-c stage must be 1-20 lowercase letters, digits and '-', starting with a letter, got '${stage}'`);
  return `${STACK_NAME}-${stage}`;
}

export const PROJECT_TAG = { key: 'project', value: 'serverless-nas' } as const;

/** The whole service in one stack: constructs per concern, sharing the records table. */
export class NasStack extends Stack {
  readonly records: Records;
  readonly artifacts: Artifacts;
  readonly tenantRole: TenantRole;
  readonly trainingQueue: TrainingQueue;
  readonly controller: Controller;
  readonly api: Api;
  readonly alarms: Alarms;
  readonly costGuard: CostGuard;
  /** Where container trials run; absent unless `containerTrials`. */
  readonly containerJobs?: ContainerJobs;

  constructor(scope: Construct, id: string, props: NasStackProps = {}) {
    super(scope, id, props);
    const throwaway = props.ephemeral === true;
    this.records = new Records(this, 'Records', throwaway ? { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false } : {});
    this.artifacts = new Artifacts(this, 'Artifacts', throwaway ? { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true } : {});
    this.tenantRole = new TenantRole(this, 'TenantRole', { table: this.records.table, artifacts: this.artifacts.bucket });
    const { tenantRole } = this;
    this.trainingQueue = new TrainingQueue(this, 'TrainingQueue', {
      table: this.records.table,
      artifacts: this.artifacts.bucket,
      tenantRole,
      ...(props.maxvCpus ? { maxvCpus: props.maxvCpus } : {}),
      ...(props.benchmarksDir ? { benchmarksDir: props.benchmarksDir } : {}),
      ...(props.runnableTimeoutMinutes === undefined ? {} : { runnableTimeoutMinutes: props.runnableTimeoutMinutes }),
      ...(throwaway ? { removalPolicy: RemovalPolicy.DESTROY } : {}),
    });
    this.controller = new Controller(this, 'Controller', { table: this.records.table, trainingQueue: this.trainingQueue, artifacts: this.artifacts.bucket, tenantRole });
    const { apiDomain } = props;
    this.api = new Api(this, 'Api', {
      table: this.records.table,
      eventBus: this.controller.eventBus,
      artifacts: this.artifacts.bucket,
      tenantRole,
      ...(apiDomain ? { domain: { name: apiDomain.name, certificate: Certificate.fromCertificateArn(this, 'ApiCertificate', apiDomain.certificateArn) } } : {}),
      ...(props.apiIamAuthorization ? { iamAuthorization: true } : {}),
    });
    if (props.containerTrials) {
      this.containerJobs = new ContainerJobs(this, 'ContainerJobs', { artifacts: this.artifacts.bucket, trainingQueue: this.trainingQueue });
      this.containerJobs.grantRunContainers(this.controller.handler);
      this.api.handler.addEnvironment('NAS_CONTAINER_TRIALS', 'batch');
      // The service's own ECR: an image there must be under the caller's tenants/<tenant>/ (what its execution role may pull).
      this.api.handler.addEnvironment('NAS_SERVICE_ACCOUNT', this.account);
      // Where a container's code reports with its trial token; behind IAM authorization it could not (no SigV4 in a trial token).
      if (!props.apiIamAuthorization) this.controller.handler.addEnvironment('NAS_API_URL', this.api.url);
    }
    this.alarms = new Alarms(this, 'Alarms', { controller: this.controller, api: this.api, email: props.alarmEmail });
    this.trainingQueue.queueWaitAlarm.addAlarmAction(new SnsAction(this.alarms.topic));
    this.costGuard = new CostGuard(this, 'CostGuard', {
      monthlyLimitUsd: props.monthlyBudgetUsd ?? 100,
      topic: this.alarms.topic,
      email: props.alarmEmail,
      onlyProjectTag: props.budgetOnlyProjectTag ?? false,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API: append /v1/...' });
    const domain = this.api.restApi.domainName;
    if (domain) new CfnOutput(this, 'ApiDomainTarget', { value: domain.domainNameAliasDomainName, description: `Point a CNAME for ${domain.domainName} here` });
    new CfnOutput(this, 'RecordsTable', { value: this.records.table.tableName, description: 'DynamoDB table of searches, trials and API keys' });
    new CfnOutput(this, 'ArtifactsBucket', { value: this.artifacts.bucket.bucketName, description: 'Checkpoints, weights, exported models' });
    new CfnOutput(this, 'GpuJobQueue', { value: this.trainingQueue.gpuQueue.jobQueueName, description: 'AWS Batch queue of training jobs' });
    new CfnOutput(this, 'CpuJobQueue', { value: this.trainingQueue.cpuQueue.jobQueueName, description: 'AWS Batch queue of benchmark jobs' });
    new CfnOutput(this, 'AgentJobQueue', { value: this.trainingQueue.cpuQueue.jobQueueName, description: 'NAS_AGENT_JOB_QUEUE: the queue of agent-training jobs' });
    new CfnOutput(this, 'AgentJobDefinition', { value: this.trainingQueue.agentJob.jobDefinitionArn, description: 'NAS_AGENT_JOB_DEFINITION: the job definition of agent-training jobs' });
    new CfnOutput(this, 'TenantRoleArn', { value: this.tenantRole.roleArn, description: "The role tenants' own dataset buckets allow, for their tenant tag only (docs/deployment.md)" });
    new CfnOutput(this, 'AlarmTopic', { value: this.alarms.topic.topicArn, description: 'Subscribe here for alarms and budget notifications' });
    new CfnOutput(this, 'GpuOnDemandJobQueue', { value: this.trainingQueue.gpuOnDemandQueue.jobQueueName, description: 'AWS Batch queue of training jobs Spot could not place' });
    Tags.of(this).add(PROJECT_TAG.key, PROJECT_TAG.value);
    if (props.stage !== undefined) Tags.of(this).add('stage', props.stage);
  }
}
