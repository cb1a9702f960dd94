/**
 * Builds the app exactly as `cdk synth` does: the typed config from context, the stack, and the cdk-nag
 * AwsSolutions checks (any unacknowledged finding fails the synth). app.ts and the tests both use it.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from './config.ts';
import { DixaArchiverStack } from './stack.ts';

export function buildApp(app: App): DixaArchiverStack {
  const config = parseConfig((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
  const stack = new DixaArchiverStack(app, config.stackName, {
    config,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: 'dixa-archiver: archives Dixa conversation files into S3',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
