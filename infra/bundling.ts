/**
 * How both Lambdas are bundled and started, in one place without CDK types: infra/constructs/node-function.ts
 * hands these to NodejsFunction, and `npm run bench` bundles with the same values to measure sizes and cold starts.
 */

/** Node.js options of both functions. */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

/** Some bundled CommonJS dependencies call `require` for Node built-ins, which ESM output lacks. */
export const REQUIRE_SHIM =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/**
 * Left out of the bundles although the AWS SDK is bundled: the credential providers the SDK's default chain
 * imports on demand after it found no credentials in the environment (SSO, profiles, processes, web identity,
 * instance and container metadata) and the STS/SSO clients they use. Lambda always sets the execution role's
 * credentials in the environment, so the chain stops at its first link and never imports these; left in, they
 * were a third of the ingest bundle (394 KB → 262 KB without them; see docs/benchmarks.md).
 */
export const UNUSED_IN_LAMBDA = [
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-login',
  '@smithy/credential-provider-imds',
  '@aws-sdk/nested-clients',
];

/** esbuild's view of the same settings (NodejsFunction: minify, ESM, target node24, ESM builds preferred). */
export const ESBUILD_OPTIONS = {
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: { js: REQUIRE_SHIM },
  // A bare name also covers its subpaths (@aws-sdk/nested-clients/sts) in esbuild and in NodejsFunction.
  external: UNUSED_IN_LAMBDA,
} as const;
