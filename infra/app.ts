/**
 * `cdk synth` / `cdk deploy` entry point (cdk.json: `npx tsx infra/app.ts`). A bad context value ends the process
 * with one line naming the key, not a stack trace.
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from './build.ts';
import { ConfigError } from './config.ts';

const app = new App();
try {
  buildApp(app);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
