/**
 * Synthesizes the stack the way `cdk synth` does (cdk.json's context and feature flags, config from context,
 * cdk-nag AwsSolutions checks), but without bundling the Lambdas, and returns its template.
 * Template.fromStack runs the validation plugins: an unacknowledged cdk-nag finding makes it throw.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../../infra/build.ts';
import type { DixaArchiverStack } from '../../../infra/stack.ts';

const cdkJson = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

export function cdkJsonContext(): Record<string, unknown> {
  return { ...cdkJson.context };
}

export function appWith(context: Record<string, unknown> = {}, bundle = false): App {
  return new App({
    context: { ...cdkJsonContext(), ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
}

export function synthesize(context: Record<string, unknown> = {}): { template: Template; stack: DixaArchiverStack } {
  const stack = buildApp(appWith(context));
  return { template: Template.fromStack(stack), stack };
}

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped; the tests read it by path and assert on it.
export type Json = any;

export interface CfnResource {
  Type: string;
  Properties: Json;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
type Resources = Record<string, CfnResource>;

/** The one resource of a type (fails if there is not exactly one). */
export function only(template: Template, type: string): { id: string; props: Json } {
  const found = Object.entries(template.findResources(type) as Resources);
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  const [id, resource] = found[0] as [string, CfnResource];
  return { id, props: resource.Properties ?? {} };
}

/** The logical id of the resource whose construct path contains `pathPart` (e.g. 'Jobs/DeadLetterQueue'). */
export function logicalIdAt(stack: DixaArchiverStack, pathPart: string): string {
  const match = stack.node.findAll().find((c) => c.node.path.endsWith(`/${pathPart}/Resource`));
  if (!match) throw new Error(`no resource under ${pathPart}`);
  return stack.resolve((match as unknown as { logicalId: string }).logicalId);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
  Sid?: string;
}

/** Every Allow statement of the inline policies attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((policy) =>
    JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`),
  );
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export function outputValue(template: Template, name: string): Json {
  const output = template.findOutputs(name)[name];
  if (!output) throw new Error(`no output ${name}`);
  return output.Value;
}
