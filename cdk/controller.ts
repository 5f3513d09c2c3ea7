import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule, Schedule, type IEventBus } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { MetricFilter, FilterPattern, type LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../src/events/eventbridge-events.js';
import { TENANT_ROLE_ENV } from '../src/aws/tenant-credentials.js';
import { grantListArtifacts } from './artifacts.js';
import { acknowledgeNag, arnWildcardFinding } from './nag.js';
import { grantQueryActiveSearches } from './records.js';
import { serviceFunction } from './service-function.js';
import type { TenantRole } from './tenant-role.js';
import type { TrainingQueue } from './training-queue.js';

export interface ControllerProps {
  readonly table: ITable;
  readonly trainingQueue: TrainingQueue;
  /** Where the `rl` strategy finds its policies, under `policies/` (`Artifacts.bucket`). */
  readonly artifacts: IBucket;
  /** Whose credentials, per tenant, reach the tenants' searches, trials and predictors. */
  readonly tenantRole: TenantRole;
  /**
   * Controller invocations allowed at once. 1 serializes every tick, which is what keeps two ticks of
   * one search from submitting the same trial twice (see the class comment). New AWS accounts have a
   * concurrency quota of 10 and may not reserve any: ask for the usual 1,000 first (docs/deployment.md).
   * @default 1
   */
  readonly reservedConcurrency?: number;
  /** @default Duration.minutes(1) */
  readonly sweepInterval?: Duration;
  /** Seconds without a heartbeat after which a running trial is declared lost. @default 300 */
  readonly staleAfterSeconds?: number;
}

/** How much longer than a queue's own time limit the controller lets a job wait before cancelling it itself. */
export const QUEUE_WAIT_SLACK_SECONDS = 10 * 60;

/** The custom metric counting trial jobs that Batch reports FAILED (from the controller's log lines). */
export const FAILED_JOBS_METRIC = { namespace: 'ServerlessNas', metricName: 'FailedTrialJobs' } as const;
/** Search events the controller acts on; the API puts the first two. */
export const CONTROLLER_EVENT_TYPES = ['SearchCreated', 'SearchStopRequested', 'TrialJobEnded', 'SearchSwept'];

/**
 * The controller: one Lambda (`functions/controller.ts`) running `tick` for
 *
 * - Batch Job State Change events of our two queues, SUCCEEDED or FAILED only (the intermediate states
 *   change nothing a tick would act on, and would triple the invocations);
 * - the service's own events on its own bus (a custom bus: only principals granted PutEvents on it,
 *   i.e. the API, can make the controller act);
 * - a schedule (every minute) that sweeps every active search for lost jobs and lost events.
 *
 * Ticks are serialized with reserved concurrency 1 rather than an SQS FIFO queue grouped by search:
 * an EventBridge rule can only give a FIFO target a fixed MessageGroupId, so per-search groups would
 * need one more function (or an EventBridge Pipe per source) just to set it; one tick takes a few
 * DynamoDB and Batch calls (~0.1-0.3 s), so one at a time handles several ticks a second, more than
 * one event per trial and a sweep a minute ask for. Events wait in Lambda's asynchronous queue while a
 * tick runs (throttled invocations are retried for up to the maximum event age), and what fails twice
 * lands in a dead-letter queue that an alarm watches. Every tick is idempotent, so a replayed event is
 * harmless; serializing only closes the window in which two ticks of one search could both submit a
 * trial's job before either recorded it.
 */
export class Controller extends Construct {
  readonly handler: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly eventBus: IEventBus;
  readonly deadLetterQueue: Queue;
  readonly rules: { readonly jobStateChanges: Rule; readonly searchEvents: Rule; readonly sweep: Rule };

  constructor(scope: Construct, id: string, props: ControllerProps) {
    super(scope, id);
    const { trainingQueue } = props;
    this.eventBus = new EventBus(this, 'Bus', { description: 'serverless-nas search events (API → controller)' });
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledgeNag(this.deadLetterQueue, 'AwsSolutions-SQS3', 'This queue is the dead-letter queue of the controller function and its event rules; it has none of its own.');

    const { handler, logGroup } = serviceFunction(this, 'Handler', {
      entry: 'controller.ts',
      description: 'serverless-nas controller: tick() per search event, Batch job state change and one-minute sweep',
      // A sweep stops starting ticks 15 s before this (functions/controller.ts), and a tick takes well under a second.
      timeout: Duration.minutes(2),
      environment: {
        NAS_TABLE: props.table.tableName,
        NAS_CPU_JOB_QUEUE: trainingQueue.cpuQueue.jobQueueArn,
        NAS_CPU_JOB_DEFINITION: trainingQueue.benchmarkJob.jobDefinitionArn,
        NAS_GPU_JOB_QUEUE: trainingQueue.gpuQueue.jobQueueArn,
        NAS_GPU_JOB_DEFINITION: trainingQueue.trainJob.jobDefinitionArn,
        // Where a GPU job goes when Spot cannot place it, and how long any job may wait before its trial
        // fails CapacityUnavailable: a little past the queues' own limit, for blocks Batch does not act on.
        NAS_GPU_FALLBACK_JOB_QUEUE: trainingQueue.gpuOnDemandQueue.jobQueueArn,
        NAS_MAX_QUEUED_SECONDS: String(trainingQueue.runnableTimeoutSeconds + QUEUE_WAIT_SLACK_SECONDS),
        NAS_STALE_AFTER_SECONDS: String(props.staleAfterSeconds ?? 300),
        NAS_ARTIFACTS: `s3://${props.artifacts.bucketName}`,
        [TENANT_ROLE_ENV]: props.tenantRole.roleArn,
      },
      invocation: {
        reservedConcurrentExecutions: props.reservedConcurrency ?? 1,
        // A failed tick is retried twice by Lambda, then parked; the sweep ticks the search again anyway.
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: this.deadLetterQueue,
      },
    });
    this.handler = handler;
    this.logGroup = logGroup;

    // A tick reads and writes one tenant's search, trials and predictors: only through tenant credentials.
    props.tenantRole.grantAssumeAsTenant(handler);
    // Its own: which searches are active (the sweep), and the RL policies the rl strategy reads.
    grantQueryActiveSearches(handler, props.table);
    trainingQueue.grantManageJobs(handler);
    Grant.addToPrincipal({ grantee: handler, actions: ['s3:GetObject'], resourceArns: [props.artifacts.arnForObjects('policies/*')] });
    grantListArtifacts(handler, props.artifacts, ['policies']);
    acknowledgeNag(
      handler,
      'AwsSolutions-IAM5',
      'RL policies are read by names chosen when they are trained; the grant is GetObject on the policies/ prefix of the artifacts bucket.',
      [arnWildcardFinding(props.artifacts, 'policies/*')],
    );
    acknowledgeNag(handler, 'AwsSolutions-IAM5', 'Batch ListJobs and DescribeJobs support no resource-level permissions: their Resource must be *.', ['Resource::*']);
    acknowledgeNag(
      handler,
      'AwsSolutions-IAM5',
      'Batch names a job ARN only when it accepts the job, so TerminateJob and tag-on-submit (TagResource) take job/* of this account and region.',
      ['Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job/*'],
    );

    const target = new LambdaFunction(handler, { retryAttempts: 4, maxEventAge: Duration.hours(1), deadLetterQueue: this.deadLetterQueue });
    this.rules = {
      jobStateChanges: new Rule(this, 'JobStateChanges', {
        description: 'Trial jobs of serverless-nas that ended',
        eventPattern: {
          source: ['aws.batch'],
          detailType: ['Batch Job State Change'],
          detail: { jobQueue: trainingQueue.queues.map((queue) => queue.jobQueueArn), status: ['SUCCEEDED', 'FAILED'] },
        },
        targets: [target],
      }),
      searchEvents: new Rule(this, 'SearchEvents', {
        description: 'Search events put by the serverless-nas API',
        eventBus: this.eventBus,
        eventPattern: { source: [EVENT_SOURCE], detailType: CONTROLLER_EVENT_TYPES },
        targets: [target],
      }),
      sweep: new Rule(this, 'Sweep', {
        description: 'Ticks every active search: lost jobs, lost events, stale heartbeats',
        schedule: Schedule.rate(props.sweepInterval ?? Duration.minutes(1)),
        targets: [target],
      }),
    };

    // One line per failed trial job (functions/controller.ts logs it), counted for the failed-jobs alarm.
    new MetricFilter(this, 'FailedJobs', {
      logGroup,
      filterPattern: FilterPattern.stringValue('$.message', '=', 'batch job failed'),
      metricNamespace: FAILED_JOBS_METRIC.namespace,
      metricName: FAILED_JOBS_METRIC.metricName,
      metricValue: '1',
    });
  }
}
