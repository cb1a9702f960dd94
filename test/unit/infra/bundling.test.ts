/**
 * The two Lambdas bundled for real, as `cdk synth` does: local esbuild (no Docker), one minified ESM file each with
 * the AWS SDK inside (the versions tested here, not the runtime's) but for the credential providers Lambda never
 * reaches, a source map, and the `require` shim; and the bundle loads on its own and exports `handler`.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../infra/build.ts';
import { UNUSED_IN_LAMBDA } from '../../../infra/bundling.ts';
import type { DixaArchiverStack } from '../../../infra/stack.ts';
import { cdkJsonContext, logicalIdAt } from './synth.ts';

describe('Lambda bundles', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'dixa-cdk-'));
  let template: Template;
  let stack: DixaArchiverStack;

  beforeAll(() => {
    stack = buildApp(new App({ outdir, context: cdkJsonContext() }));
    template = Template.fromStack(stack);
  }, 120_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  const bundleOf = (fn: 'Ingest' | 'Archiver') => {
    const code = template.toJSON().Resources[logicalIdAt(stack, `${fn}/Lambda/Function`)].Properties.Code;
    const assetDir = join(outdir, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`);
    return { file: join(assetDir, 'index.mjs'), source: readFileSync(join(assetDir, 'index.mjs'), 'utf8') };
  };

  for (const fn of ['Ingest', 'Archiver'] as const) {
    describe(fn, () => {
      it('is one minified ESM file with the require shim and a source map', () => {
        const { file, source } = bundleOf(fn);
        expect(source.startsWith("import { createRequire } from 'node:module';")).toBe(true);
        expect(source).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
        expect(existsSync(`${file}.map`)).toBe(true);
        const lines = source.split('\n').length;
        expect(source.length / lines).toBeGreaterThan(1000); // minified: long lines, few of them
      });

      it('bundles the AWS SDK instead of importing the runtime copy', () => {
        const { source } = bundleOf(fn);
        expect(source.match(/from\s*["']@(aws-sdk|smithy)\//g)).toBeNull();
        // Only the credential providers Lambda never reaches stay outside, and only as on-demand imports.
        const onDemand = [...source.matchAll(/import\(\s*["'](@(?:aws-sdk|smithy)\/[^"']+)["']\s*\)/g)].map(
          (m) => m[1],
        );
        expect(onDemand.length).toBeGreaterThan(0);
        for (const name of onDemand) {
          expect(
            UNUSED_IN_LAMBDA.some((left) => name === left || name?.startsWith(`${left}/`)),
            name,
          ).toBe(true);
        }
        // (the SDK's own error messages quote `require("@aws-sdk/signature-v4-crt");]`: not calls)
        expect(source.match(/require\(["']@aws-sdk\/[^"']+["']\)(?!;?\])/g)).toBeNull();
        expect(source).toContain('SQSClient');
      });

      it('loads and exports a handler function, with no node_modules beside it (as in /var/task)', async () => {
        const alone = mkdtempSync(join(tmpdir(), 'dixa-bundle-alone-'));
        try {
          copyFileSync(bundleOf(fn).file, join(alone, 'index.mjs'));
          const module = (await import(pathToFileURL(join(alone, 'index.mjs')).href)) as { handler?: unknown };
          expect(typeof module.handler).toBe('function');
        } finally {
          rmSync(alone, { recursive: true, force: true });
        }
      });
    });
  }
});
