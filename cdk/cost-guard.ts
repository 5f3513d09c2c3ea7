import { Stack } from 'aws-cdk-lib';
import { CfnBudget } from 'aws-cdk-lib/aws-budgets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface CostGuardProps {
  /** Monthly spend, in US dollars, that the budget watches. */
  readonly monthlyLimitUsd: number;
  /** Told at 80% of the limit spent and at 100% forecast (`Alarms.topic`). */
  readonly topic: ITopic;
  /** Also told directly by AWS Budgets, independent of the topic's subscriptions. */
  readonly email?: string;
  /**
   * Count only costs tagged `project=serverless-nas`. Budgets see a tag only after it is activated as a
   * cost allocation tag in the Billing console (and from then on): until then a filtered budget stays at
   * $0 and never fires, so the default watches the whole account; deploy into an account of its own.
   * @default false
   */
  readonly onlyProjectTag?: boolean;
}

/**
 * An AWS Budgets cost budget with notifications: the backstop behind the per-search `maxCostUsd` and the
 * compute environments' `maxvCpus` caps, for spend nobody estimated (idle instances, logs, a bug).
 */
export class CostGuard extends Construct {
  readonly budget: CfnBudget;

  constructor(scope: Construct, id: string, props: CostGuardProps) {
    super(scope, id);
    // Budgets checks at creation that it may publish to the topic, so the policy goes first.
    const { policyDependable } = props.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'BudgetsPublish',
        principals: [new ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [props.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const subscribers = [
      { subscriptionType: 'SNS', address: props.topic.topicArn },
      ...(props.email ? [{ subscriptionType: 'EMAIL', address: props.email }] : []),
    ];
    this.budget = new CfnBudget(this, 'Budget', {
      budget: {
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyLimitUsd, unit: 'USD' },
        ...(props.onlyProjectTag ? { costFilters: { TagKeyValue: ['user:project$serverless-nas'] } } : {}),
      },
      notificationsWithSubscribers: [
        { notification: { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: 80, thresholdType: 'PERCENTAGE' }, subscribers },
        { notification: { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: 100, thresholdType: 'PERCENTAGE' }, subscribers },
      ],
    });
    if (policyDependable) this.budget.node.addDependency(policyDependable);
  }
}
