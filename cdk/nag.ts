import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag findings on `scope` and everything below it, with the reason the rule does not
 * apply. A rule that reports per finding (IAM4, IAM5) is acknowledged per finding (`Rule[Finding]`), so
 * a new wildcard or managed policy still fails the check.
 */
export function acknowledgeNag(scope: IConstruct, rule: string, reason: string, findings: readonly string[] = []): void {
  const ids = findings.length === 0 ? [rule] : findings.map((finding) => `${rule}[${finding}]`);
  Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason })));
}

/** The IAM5 finding of a grant on everything under `resource`'s ARN, e.g. a table's `index/*`. */
export function arnWildcardFinding(resource: IConstruct, suffix: string): string {
  const cfn = resource.node.defaultChild as CfnElement;
  return `Resource::<${Stack.of(cfn).getLogicalId(cfn)}.Arn>/${suffix}`;
}
