import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Api } from './api.js';
import { FAILED_JOBS_METRIC, type Controller } from './controller.js';

export interface AlarmsProps {
  readonly controller: Controller;
  readonly api: Api;
  /** Who is told when an alarm (or the budget) goes off; without it, subscribe to the topic yourself. */
  readonly email?: string;
  /**
   * Failed trial jobs in 15 minutes that raise the alarm. A job fails for a crash, an out-of-memory kill,
   * a timeout or an image that does not pull, not for an architecture the evaluator rejects (that job
   * succeeds and records a failed trial), so a few in a row mean something is broken.
   * @default 5
   */
  readonly failedJobsThreshold?: number;
}

/** CloudWatch alarms on what needs a person, all notifying one SNS topic (which the budget uses too). */
export class Alarms extends Construct {
  readonly topic: Topic;
  readonly failedJobs: Alarm;
  readonly controllerErrors: Alarm;
  readonly deadLetters: Alarm;
  readonly apiErrors: Alarm;
  readonly apiThrottles: Alarm;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: 'serverless-nas alarms', enforceSSL: true });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    const action: IAlarmAction = new SnsAction(this.topic);
    const alarm = (alarmId: string, description: string, metric: Metric, threshold: number) => {
      const created = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data means nothing happened: no jobs failed, the function was not invoked.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      return created;
    };

    this.failedJobs = alarm(
      'FailedJobs',
      'Trial jobs that AWS Batch reports FAILED (crash, out of memory, timeout, image pull); see the controller log lines "batch job failed"',
      new Metric({ ...FAILED_JOBS_METRIC, statistic: 'Sum', period: Duration.minutes(15) }),
      props.failedJobsThreshold ?? 5,
    );
    this.controllerErrors = alarm(
      'ControllerErrors',
      'The controller function failed an invocation (a tick threw); Lambda retries it, then parks the event in the dead-letter queue',
      props.controller.handler.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
      1,
    );
    this.deadLetters = alarm(
      'DeadLetters',
      'Controller events that failed every retry; the sweep keeps ticking their searches, but something is broken',
      props.controller.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) }),
      1,
    );
    this.apiErrors = alarm(
      'ApiErrors',
      'The API function failed invocations (500s that escaped the app, timeouts)',
      props.api.handler.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
      5,
    );
    this.apiThrottles = alarm(
      'ApiThrottles',
      "Requests refused because the API function was at its concurrency ceiling (its reserved concurrency, cdk/api.ts; API Gateway answers them 500): a runaway client, or many event streams open at once",
      props.api.handler.metricThrottles({ statistic: 'Sum', period: Duration.minutes(5) }),
      10,
    );
  }
}
