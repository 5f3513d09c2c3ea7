import { fileURLToPath } from 'node:url';
import { Duration, IgnoreMode, Size, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule } from 'aws-cdk-lib/aws-events';
import {
  Action,
  AllocationStrategy,
  EcsEc2ContainerDefinition,
  EcsFargateContainerDefinition,
  EcsJobDefinition,
  EcsMachineImageType,
  FargateComputeEnvironment,
  JobQueue,
  JobStateTimeLimitActionsAction,
  JobStateTimeLimitActionsReason,
  JobStateTimeLimitActionsState,
  ManagedEc2EcsComputeEnvironment,
  type JobStateTimeLimitAction,
  Reason,
  RetryStrategy,
  type EcsFargateContainerDefinitionProps,
  type IEcsContainerDefinition,
} from 'aws-cdk-lib/aws-batch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InstanceType,
  SecurityGroup,
  SubnetType,
  Vpc,
  type IVpc,
} from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { ContainerImage, CpuArchitecture, FargatePlatformVersion, LogDriver } from 'aws-cdk-lib/aws-ecs';
import { Grant, Role, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { grantListArtifacts, TABLES_PREFIX } from './artifacts.js';
import { CUDA_BASE_IMAGE, NODE_BASE_IMAGE } from './images.js';
import { acknowledgeNag, arnWildcardFinding } from './nag.js';
import type { TenantRole } from './tenant-role.js';
import { TENANT_ROLE_ENV } from '../src/aws/tenant-credentials.js';
import { readConfig } from '../src/config.js';
import { SPOT_RETRY_STATUS_REASONS } from '../src/jobs/batch-job-queue.js';
import { AGENT_JOB_TIMEOUT_SECONDS } from '../src/jobs/job-queue.js';
import { GPU_ON_DEMAND_INSTANCE_TYPES, GPU_SPOT_INSTANCE_TYPES, JOB_PROFILES } from '../src/cost/job-profiles.js';

export interface TrainingQueueProps {
  /** The records table the jobs read their trial from and write results to. */
  readonly table: ITable;
  /** Where jobs write checkpoints and weights. */
  readonly artifacts: IBucket;
  /** Whose credentials, for the job's tenant, reach its trial records and artifacts. */
  readonly tenantRole: TenantRole;
  /**
   * The network the jobs run in. Without one, a two-zone VPC with public subnets only: no NAT gateway
   * (about $32 a month each, for a service that is idle most of the time), no inbound rules; DynamoDB
   * and S3 are reached through free gateway endpoints.
   * @default a new VPC
   */
  readonly vpc?: IVpc;
  /**
   * Caps on what the compute environments may run at once, in vCPUs: the hard ceiling on spend per hour
   * (g4dn.xlarge: 4 vCPUs, $0.526/h on demand).
   * @default { gpuSpot: 64, gpuOnDemand: 16, cpu: 64 }
   */
  readonly maxvCpus?: { readonly gpuSpot?: number; readonly gpuOnDemand?: number; readonly cpu?: number };
  /**
   * The benchmark data baked into the image (`nb201/`, `nb301/`, `tables/`): a Docker build context, so
   * it is read only when the image is built, at deploy.
   * @default NAS_BENCHMARKS_DIR or `../shared/benchmarks` beside the repository
   */
  readonly benchmarksDir?: string;
  /**
   * How long a job may wait RUNNABLE for capacity on its last queue (on-demand GPU, Fargate) before the
   * queue cancels it and its trial fails `CapacityUnavailable` (`-c runnableTimeoutMinutes=...`). Batch
   * takes 10 minutes to 24 hours.
   * @default 60
   */
  readonly runnableTimeoutMinutes?: number;
  /**
   * How long a GPU job may wait RUNNABLE for Spot capacity before it is cancelled there and submitted to the
   * on-demand queue (by the controller's queue adapter, `fallbackQueues`). At least 10 minutes.
   * @default 15
   */
  readonly spotWaitMinutes?: number;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** For the job log group. @default the log group's default (retain) */
  readonly removalPolicy?: RemovalPolicy;
}

/** What a Fargate job definition is given besides its size: the image, who it runs as, its environment. */
type ContainerBasics = Pick<EcsFargateContainerDefinitionProps, 'image' | 'jobRole' | 'executionRole' | 'environment'>;

export const DEFAULT_MAX_VCPUS = { gpuSpot: 64, gpuOnDemand: 16, cpu: 64 } as const;
export const DEFAULT_RUNNABLE_TIMEOUT_MINUTES = 60;
export const DEFAULT_SPOT_WAIT_MINUTES = 15;
/** Batch's bounds on a state time limit (`maxTimeSeconds`: 600 to 86,400). */
const STATE_TIME_LIMIT_MINUTES = { min: 10, max: 24 * 60 } as const;
/**
 * What the GPU job definition adds to the environment: the backend forced (`FORCE_BACKEND_VARIABLE` of
 * src/training/backend.ts, not imported here to keep TensorFlow.js out of synthesis), and the CUDA cache in
 * the nas user's home (batch/Dockerfile creates it).
 */
export const GPU_JOB_ENVIRONMENT = { NAS_TF_BACKEND: 'tfjs-node-gpu', CUDA_CACHE_PATH: '/home/nas/.nv/ComputeCache' } as const;

/**
 * The agent-training job (`nas agent train --on batch`) on Fargate: the learner is a small network whose
 * steps TensorFlow spreads over the task's vCPUs, and a few thousand of them take minutes. The timeout
 * is the one the CLI submits with by default (`NAS_AGENT_JOB_TIMEOUT_SECONDS` overrides it there).
 */
export const AGENT_JOB_SIZE = { vcpu: 4, memoryGiB: 8, timeoutSeconds: AGENT_JOB_TIMEOUT_SECONDS } as const;

/** What agent-training jobs read and write in the artifacts bucket: their runs, and the policies they publish and fine-tune. */
const AGENT_PREFIXES = { training: 'training', policies: 'policies' } as const;

/**
 * Only these files go into the image's build context (Docker ignore syntax, applied when CDK stages the
 * asset): the job needs the sources and the lockfile, nothing of the tests, docs, data or node_modules.
 */
export const IMAGE_CONTEXT = ['*', '!package.json', '!package-lock.json', '!tsconfig.json', '!src', '!batch'];

/**
 * AWS Batch for trial jobs, two images running `batch/job.ts` with the trial in `NAS_JOB`: `batch/Dockerfile`
 * (CUDA, Node 22, tfjs-node-gpu) on the GPU queues only, `batch/Dockerfile.cpu` (Node 22, no CUDA) on Fargate.
 *
 * - GPU queue: a managed EC2 compute environment on Spot (T4 types only, price-capacity optimized). A job
 *   Spot cannot place within `spotWaitMinutes` is cancelled there (the queue's state time limit) and the
 *   controller's queue adapter submits it to the GPU on-demand queue; Batch alone would move a job to a
 *   second environment only once the first is at its `maxvCpus`, never for want of Spot capacity.
 * - GPU on-demand queue: the cheapest type, on demand; cancels what it cannot place in
 *   `runnableTimeoutMinutes`, and the trial fails `CapacityUnavailable`.
 * - CPU queue: Fargate Spot first, Fargate on demand second, for benchmark lookups, predictor jobs and the
 *   training of RL search policies (`nas agent train --on batch`); the same time limit.
 * - An alarm when a queue reports a job blocked (Batch's "Job Queue Blocked" events) or cancels one for
 *   capacity: a new account's G-instance quota of 0 shows up here.
 *
 * A job is retried by Batch only when its Spot host is reclaimed (`Host EC2*`); any other failure ends
 * it at once and the controller decides. Every attempt stops at the job profile's timeout.
 */
export class TrainingQueue extends Construct {
  readonly vpc: IVpc;
  /** Spot GPUs; what it cannot place goes to `gpuOnDemandQueue`. */
  readonly gpuQueue: JobQueue;
  readonly gpuOnDemandQueue: JobQueue;
  readonly cpuQueue: JobQueue;
  /** Fires when a queue reports a job blocked, or cancels one it could not place. */
  readonly queueWaitAlarm: Alarm;
  /** How long a job may wait on its last queue, in seconds: the controller's adapter waits a little longer. */
  readonly runnableTimeoutSeconds: number;
  /** Training on one GPU. */
  readonly trainJob: EcsJobDefinition;
  /** Benchmark lookups (and later predictor jobs) on Fargate. */
  readonly benchmarkJob: EcsJobDefinition;
  /** Training an RL search policy (`NAS_JOB` of kind `agent-training`) on Fargate, on the CPU queue. */
  readonly agentJob: EcsJobDefinition;
  /** The role the trial job containers run as. */
  readonly jobRole: Role;
  /** The role agent-training containers run as: their runs and policies in the bucket, no records. */
  readonly agentJobRole: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: TrainingQueueProps) {
    super(scope, id);
    const maxvCpus = { ...DEFAULT_MAX_VCPUS, ...props.maxvCpus };
    this.vpc = props.vpc ?? this.createVpc(props.logRetention);
    const securityGroup = new SecurityGroup(this, 'JobSecurityGroup', {
      vpc: this.vpc,
      description: 'serverless-nas trial jobs: no inbound, outbound to AWS APIs and the container registry',
      allowAllOutbound: true,
    });
    const network = { vpc: this.vpc, vpcSubnets: { subnetType: SubnetType.PUBLIC }, securityGroups: [securityGroup] };

    const gpuImage = { imageType: EcsMachineImageType.ECS_AL2023_NVIDIA };
    const gpuSpot = new ManagedEc2EcsComputeEnvironment(this, 'GpuSpot', {
      ...network,
      spot: true,
      allocationStrategy: AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED,
      instanceTypes: GPU_SPOT_INSTANCE_TYPES.map((type) => new InstanceType(type)),
      useOptimalInstanceClasses: false,
      images: [gpuImage],
      minvCpus: 0,
      maxvCpus: maxvCpus.gpuSpot,
      updateToLatestImageVersion: true,
    });
    const gpuOnDemand = new ManagedEc2EcsComputeEnvironment(this, 'GpuOnDemand', {
      ...network,
      spot: false,
      allocationStrategy: AllocationStrategy.BEST_FIT_PROGRESSIVE,
      instanceTypes: GPU_ON_DEMAND_INSTANCE_TYPES.map((type) => new InstanceType(type)),
      useOptimalInstanceClasses: false,
      images: [gpuImage],
      minvCpus: 0,
      maxvCpus: maxvCpus.gpuOnDemand,
      updateToLatestImageVersion: true,
    });
    const cpuSpot = new FargateComputeEnvironment(this, 'CpuSpot', { ...network, spot: true, maxvCpus: maxvCpus.cpu });
    const cpu = new FargateComputeEnvironment(this, 'Cpu', { ...network, spot: false, maxvCpus: maxvCpus.cpu });
    for (const environment of [gpuSpot, gpuOnDemand]) {
      acknowledgeNag(
        environment,
        'AwsSolutions-IAM4',
        'GPU instances join the Batch-managed ECS cluster with AmazonEC2ContainerServiceforEC2Role, the policy AWS Batch documents for its instance role and keeps current with ECS.',
        ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role'],
      );
    }

    const runnableTimeout = minutesWithin('runnableTimeoutMinutes', props.runnableTimeoutMinutes ?? DEFAULT_RUNNABLE_TIMEOUT_MINUTES);
    const spotWait = minutesWithin('spotWaitMinutes', props.spotWaitMinutes ?? DEFAULT_SPOT_WAIT_MINUTES);
    this.runnableTimeoutSeconds = runnableTimeout * 60;
    this.gpuQueue = new JobQueue(this, 'GpuQueue', {
      priority: 1,
      computeEnvironments: [{ computeEnvironment: gpuSpot, order: 1 }],
      jobStateTimeLimitActions: cancelWaiting(spotWait),
    });
    this.gpuOnDemandQueue = new JobQueue(this, 'GpuOnDemandQueue', {
      priority: 1,
      computeEnvironments: [{ computeEnvironment: gpuOnDemand, order: 1 }],
      jobStateTimeLimitActions: cancelWaiting(runnableTimeout),
    });
    this.cpuQueue = new JobQueue(this, 'CpuQueue', {
      priority: 1,
      computeEnvironments: [
        { computeEnvironment: cpuSpot, order: 1 },
        { computeEnvironment: cpu, order: 2 },
      ],
      jobStateTimeLimitActions: cancelWaiting(runnableTimeout),
    });
    this.queueWaitAlarm = this.createQueueWaitAlarm();

    this.logGroup = new LogGroup(this, 'JobLogs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH, removalPolicy: props.removalPolicy });
    this.jobRole = new Role(this, 'JobRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: "serverless-nas trial job: its tenant's credentials, and the imported tables",
    });
    // A job works for one tenant: its trial records and artifacts only through that tenant's credentials
    // (batch/job.ts). Of its own, it reads the imported tables of benchmark trials.
    props.tenantRole.grantAssumeAsTenant(this.jobRole);
    Grant.addToPrincipal({ grantee: this.jobRole, actions: ['s3:GetObject'], resourceArns: [props.artifacts.arnForObjects(`${TABLES_PREFIX}/*`)] });
    grantListArtifacts(this.jobRole, props.artifacts, [TABLES_PREFIX]);
    acknowledgeNag(
      this.jobRole,
      'AwsSolutions-IAM5',
      'Imported tables are read by names chosen when they are uploaded; the grant is GetObject on the tables/ prefix of the artifacts bucket.',
      [arnWildcardFinding(props.artifacts, `${TABLES_PREFIX}/*`)],
    );
    // Pulling the image and writing logs only; the CDK grants both (no AWS managed policy).
    const executionRole = new Role(this, 'ExecutionRole', { assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com') });
    acknowledgeNag(executionRole, 'AwsSolutions-IAM5', 'ecr:GetAuthorizationToken, which every image pull needs, supports no resource-level permissions.', ['Resource::*']);

    const jobImage = (file: string, buildArgs: Record<string, string>) =>
      ContainerImage.fromAsset(fileURLToPath(new URL('..', import.meta.url)), {
        file,
        exclude: IMAGE_CONTEXT,
        ignoreMode: IgnoreMode.DOCKER,
        // GPU instances and the Fargate tasks are x86; build for them wherever `cdk deploy` runs.
        platform: Platform.LINUX_AMD64,
        buildArgs,
        buildContexts: { benchmarks: props.benchmarksDir ?? readConfig().benchmarksDir },
      });
    // CUDA only where a GPU is: Fargate bills the pull of every image it starts.
    const gpuJobImage = jobImage('batch/Dockerfile', { CUDA_IMAGE: CUDA_BASE_IMAGE, NODE_IMAGE: NODE_BASE_IMAGE });
    const image = jobImage('batch/Dockerfile.cpu', { NODE_IMAGE: NODE_BASE_IMAGE });
    const environment = {
      NAS_TABLE: props.table.tableName,
      NAS_ARTIFACTS: `s3://${props.artifacts.bucketName}`,
      // Tables imported after the image was built: the bucket's, not the image's copy of the benchmarks.
      NAS_TABLES: `s3://${props.artifacts.bucketName}/${TABLES_PREFIX}`,
      // No operator folder of datasets in the cloud: dir: datasets are refused (tenants upload theirs).
      NAS_DATASETS_ROOT: 'none',
      // A container trial's command never runs in our image, as our job role: a tenant's code is not ours to run.
      NAS_CONTAINER_COMMANDS: 'off',
      [TENANT_ROLE_ENV]: props.tenantRole.roleArn,
    };
    const common = { image, jobRole: this.jobRole, executionRole, environment };

    const train = JOB_PROFILES.train;
    const trainInstance = GPU_ON_DEMAND_INSTANCE_TYPES[0];
    this.trainJob = this.jobDefinition(
      'TrainJob',
      new EcsEc2ContainerDefinition(this, 'TrainContainer', {
        ...common,
        image: gpuJobImage,
        // On the GPU or not at all: the job fails GpuUnavailable rather than train on the CPU at GPU prices.
        environment: { ...environment, ...GPU_JOB_ENVIRONMENT },
        gpu: 1,
        cpu: 4,
        // Of an xlarge's 16 GiB the ECS agent offers ~15.3 GiB; asking for more would leave the job RUNNABLE forever.
        memory: Size.gibibytes(14),
        logging: LogDriver.awsLogs({ logGroup: this.logGroup, streamPrefix: `train-${trainInstance}` }),
      }),
      train.timeoutSeconds,
    );
    const fargateContainer = (containerId: string, streamPrefix: string, size: { vcpu: number; memoryGiB: number }, container: ContainerBasics) =>
      new EcsFargateContainerDefinition(this, containerId, {
        ...container,
        cpu: size.vcpu,
        memory: Size.gibibytes(size.memoryGiB),
        // Public subnets without NAT: the task needs a public address to reach the registry and AWS APIs.
        assignPublicIp: true,
        fargatePlatformVersion: FargatePlatformVersion.LATEST,
        fargateCpuArchitecture: CpuArchitecture.X86_64,
        logging: LogDriver.awsLogs({ logGroup: this.logGroup, streamPrefix }),
      });
    const benchmark = JOB_PROFILES.benchmark;
    this.benchmarkJob = this.jobDefinition('BenchmarkJob', fargateContainer('BenchmarkContainer', 'benchmark', benchmark.instance, common), benchmark.timeoutSeconds);

    this.agentJobRole = this.createAgentJobRole(props.artifacts);
    this.agentJob = this.jobDefinition(
      'AgentJob',
      fargateContainer('AgentContainer', 'agent', AGENT_JOB_SIZE, {
        image,
        jobRole: this.agentJobRole,
        executionRole,
        // Benchmarks come from the image; policies and runs from the bucket.
        environment: { NAS_ARTIFACTS: environment.NAS_ARTIFACTS },
      }),
      AGENT_JOB_SIZE.timeoutSeconds,
    );
  }

  /**
   * Agent-training jobs read and write their run (`training/<space>/<name>/`: run settings, checkpoint,
   * curve, progress; `fresh` deletes it first) and publish to and fine-tune from `policies/`. They may list
   * those two prefixes only (so a key not yet written reads as missing), never a tenant's keys.
   */
  private createAgentJobRole(artifacts: IBucket): Role {
    const role = new Role(this, 'AgentJobRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: 'serverless-nas agent-training job: its training run and the RL policies in the artifacts bucket',
    });
    const training = artifacts.arnForObjects(`${AGENT_PREFIXES.training}/*`);
    const policies = artifacts.arnForObjects(`${AGENT_PREFIXES.policies}/*`);
    Grant.addToPrincipal({ grantee: role, actions: ['s3:GetObject', 's3:PutObject'], resourceArns: [training, policies] });
    Grant.addToPrincipal({ grantee: role, actions: ['s3:DeleteObject'], resourceArns: [training] });
    grantListArtifacts(role, artifacts, [AGENT_PREFIXES.training, AGENT_PREFIXES.policies]);
    acknowledgeNag(
      role,
      'AwsSolutions-IAM5',
      'Training runs and policies are keyed by search space and run name, chosen when a run is started; the grants are on two key prefixes of this one bucket, and deletes on the runs only.',
      [arnWildcardFinding(artifacts, `${AGENT_PREFIXES.training}/*`), arnWildcardFinding(artifacts, `${AGENT_PREFIXES.policies}/*`)],
    );
    return role;
  }

  /** The queues, in the order of the controller's event rule. */
  get queues(): JobQueue[] {
    return [this.gpuQueue, this.gpuOnDemandQueue, this.cpuQueue];
  }

  /**
   * An alarm on jobs waiting for capacity: Batch's "Job Queue Blocked" events of our queues (a job at the
   * head of a queue that cannot be placed, with the reason) and jobs a queue's time limit cancelled. Counted
   * by EventBridge (`TriggeredRules` of the rule), so no function runs for it.
   */
  private createQueueWaitAlarm(): Alarm {
    const queueArns = this.queues.map((queue) => queue.jobQueueArn);
    const rule = new Rule(this, 'QueueWait', {
      description: 'serverless-nas jobs blocked in, or cancelled by, a Batch queue for want of capacity',
      eventPattern: {
        source: ['aws.batch'],
        detailType: ['Batch Job Queue Blocked', 'Batch Job State Change'],
        detail: { jobQueue: queueArns, statusReason: [{ prefix: 'Canceled by JobStateTimeLimit' }, { prefix: 'CAPACITY:' }, { prefix: 'MISCONFIGURATION:' }] },
      },
    });
    return new Alarm(this, 'QueueWaitAlarm', {
      alarmDescription:
        'Trial jobs wait for capacity: a queue reports a job blocked (Spot or on-demand capacity short, a G-instance quota of 0, maxvCpus too small) or cancelled one; its trial fails CapacityUnavailable. See docs/deployment.md, Prerequisites.',
      metric: new Metric({ namespace: 'AWS/Events', metricName: 'TriggeredRules', dimensionsMap: { RuleName: rule.ruleName }, statistic: 'Sum', period: Duration.minutes(15) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * Lets `grantee` run the controller's side of the queue: submit (and tag on submit) to these queues
   * with these job definitions only, and list, describe and terminate jobs. ListJobs and DescribeJobs
   * accept no resource, and job ARNs are not known before submission, hence `*` and `job/*` there.
   */
  grantManageJobs(grantee: IGrantable): Grant {
    const stack = Stack.of(this);
    const jobs = stack.formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
    const submit = Grant.addToPrincipal({
      grantee,
      actions: ['batch:SubmitJob'],
      resourceArns: [...this.queues.map((q) => q.jobQueueArn), this.trainJob.jobDefinitionArn, this.benchmarkJob.jobDefinitionArn],
    });
    submit.combine(Grant.addToPrincipal({ grantee, actions: ['batch:TagResource', 'batch:TerminateJob'], resourceArns: [jobs] }));
    submit.combine(Grant.addToPrincipal({ grantee, actions: ['batch:ListJobs', 'batch:DescribeJobs'], resourceArns: ['*'] }));
    return submit;
  }

  private jobDefinition(id: string, container: IEcsContainerDefinition, timeoutSeconds: number): EcsJobDefinition {
    return new EcsJobDefinition(this, id, {
      container,
      propagateTags: true,
      timeout: Duration.seconds(timeoutSeconds),
      retryAttempts: 3,
      // Retry only when the host went away (EC2 Spot reclaim, Fargate Spot interruption); the controller decides the rest.
      retryStrategies: [
        ...SPOT_RETRY_STATUS_REASONS.map((onStatusReason) => RetryStrategy.of(Action.RETRY, Reason.custom({ onStatusReason }))),
        RetryStrategy.of(Action.EXIT, Reason.custom({ onReason: '*' })),
      ],
    });
  }

  private createVpc(logRetention: RetentionDays | undefined): IVpc {
    const flowLogs = new LogGroup(this, 'FlowLogs', { retention: logRetention ?? RetentionDays.ONE_MONTH });
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'jobs', subnetType: SubnetType.PUBLIC, cidrMask: 20 }],
      gatewayEndpoints: { S3: { service: GatewayVpcEndpointAwsService.S3 }, DynamoDB: { service: GatewayVpcEndpointAwsService.DYNAMODB } },
      flowLogs: { rejected: { destination: FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: FlowLogTrafficType.REJECT } },
    });
    return vpc;
  }
}

/** Cancels jobs that wait RUNNABLE past `minutes` for any blocking reason Batch detects. */
function cancelWaiting(minutes: number): JobStateTimeLimitAction[] {
  return [
    JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY,
    JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE,
    JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT,
  ].map((reason) => ({
    action: JobStateTimeLimitActionsAction.CANCEL,
    state: JobStateTimeLimitActionsState.RUNNABLE,
    maxTime: Duration.minutes(minutes),
    reason,
  }));
}

function minutesWithin(name: string, minutes: number): number {
  const { min, max } = STATE_TIME_LIMIT_MINUTES;
  if (!Number.isInteger(minutes) || minutes < min || minutes > max) throw new RangeError(`${name} must be a whole number of minutes from ${min} to ${max} (AWS Batch's limits), got ${minutes}`);
  return minutes;
}
