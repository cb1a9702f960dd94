/**
 * Helpers to acknowledge a cdk-nag finding precisely. cdk-nag 3 reports one finding per wildcard, named after the
 * flattened CloudFormation reference, e.g. `AwsSolutions-IAM5[Resource::<ArchiveBucket1234.Arn>/dixa/*]`;
 * acknowledging that exact id (never the whole rule) keeps any new wildcard a failure.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** How cdk-nag prints `Fn::GetAtt` of a construct's CloudFormation resource: `<LogicalId.Arn>`. */
export function nagRef(construct: IConstruct, attribute = 'Arn'): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnElement;
  return `<${Stack.of(construct).resolve(resource.logicalId)}.${attribute}>`;
}

/** Acknowledge one wildcard resource of an IAM policy attached to (or below) `construct`. */
export function acknowledgeWildcardResource(construct: IConstruct, resource: string, reason: string): void {
  Validations.of(construct).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
}
