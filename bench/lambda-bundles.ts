/**
 * The deployed size of each Lambda: its handler bundled the way infra/constructs/node-function.ts has CDK bundle
 * it (esbuild, minified, ESM, target node24, ESM builds preferred, AWS SDK inside), with the packages that
 * contribute most (bench/ingest-bundle.ts's metafile analysis); and, for comparison, the same with `@aws-sdk/*`
 * left to the runtime. Each bundle is then loaded and invoked once, so a size is only reported for a bundle that
 * works. Runs in a process of its own (forked by bench/run.ts): the
 * smoke tests set environment variables and load both bundles.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ESBUILD_OPTIONS } from '../infra/bundling.ts';
import { contributors, smokeTest as ingestSmokeTest } from './ingest-bundle.ts';

export interface BundleMeasurement {
  lambda: 'ingest' | 'archiver';
  /** `deployed`: as the stack bundles it, AWS SDK inside; `sdk-external`: `@aws-sdk/*` left to the runtime. */
  variant: 'deployed' | 'sdk-external';
  entry: string;
  bytes: number;
  gzipBytes: number;
  top: { module: string; bytes: number }[];
  smoke: string;
}

const TOP = 8;

export const LAMBDA_ENTRIES = {
  ingest: 'lambdas/ingest/handler.ts',
  archiver: 'lambdas/archiver/handler.ts',
} as const;

const LAMBDAS: { lambda: BundleMeasurement['lambda']; entry: string; smoke: (file: string) => Promise<string> }[] = [
  {
    lambda: 'ingest',
    entry: LAMBDA_ENTRIES.ingest,
    smoke: async (file) => {
      const status = await ingestSmokeTest(file);
      if (status !== 200) throw new Error(`ingest bundle answered ${status} to a signed webhook`);
      return 'answered a signed webhook with 200';
    },
  },
  {
    lambda: 'archiver',
    entry: LAMBDA_ENTRIES.archiver,
    smoke: async (file) => {
      Object.assign(process.env, {
        ARCHIVE_BUCKET: 'bench-bundle',
        JOB_QUEUE_URL: 'http://127.0.0.1:9/000000000000/unused',
        DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:9/000000000000/unused-dlq',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
      });
      const { handler } = (await import(pathToFileURL(file).href)) as {
        handler: (event: unknown) => Promise<{ batchItemFailures?: unknown[] }>;
      };
      const response = await handler({ Records: [] });
      if (!Array.isArray(response?.batchItemFailures) || response.batchItemFailures.length !== 0) {
        throw new Error(`archiver bundle answered ${JSON.stringify(response)} to an empty batch`);
      }
      return 'answered an empty SQS batch';
    },
  },
];

/** esbuild with the settings infra/constructs/node-function.ts gives CDK (infra/bundling.ts). */
export function bundleLambda(entry: string, variant: BundleMeasurement['variant'] = 'deployed', sourceMap = false) {
  return build({
    ...ESBUILD_OPTIONS,
    mainFields: [...ESBUILD_OPTIONS.mainFields],
    external: variant === 'sdk-external' ? ['@aws-sdk/*'] : [...ESBUILD_OPTIONS.external],
    // As deployed, a linked source map sits beside the bundle (sourceMap: true, sourcesContent: false).
    ...(sourceMap ? { sourcemap: 'linked' as const, sourcesContent: false, outfile: 'index.mjs' } : {}),
    entryPoints: [entry],
    metafile: true,
    write: false,
    logLevel: 'error',
  });
}

export async function measureBundles(): Promise<BundleMeasurement[]> {
  mkdirSync('node_modules/.cache', { recursive: true });
  const dir = mkdtempSync('node_modules/.cache/dixa-bench-bundles-');
  try {
    const results: BundleMeasurement[] = [];
    for (const [{ lambda, entry, smoke }, variant] of LAMBDAS.flatMap((l) =>
      (['deployed', 'sdk-external'] as const).map((v) => [l, v] as const),
    )) {
      const result = await bundleLambda(entry, variant);
      const [output] = result.outputFiles;
      if (!output) throw new Error(`esbuild produced no output for ${entry}`);
      // Inside node_modules, so the external variant resolves @aws-sdk/* as the Lambda runtime would.
      const file = join(process.cwd(), dir, `${lambda}-${variant}.mjs`);
      writeFileSync(file, output.contents);
      results.push({
        lambda,
        variant,
        entry,
        bytes: output.contents.byteLength,
        gzipBytes: gzipSync(output.contents).byteLength,
        top: contributors(result.metafile).slice(0, TOP),
        smoke: await smoke(file),
      });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--worker')) {
  const results = await measureBundles();
  process.send?.(results, () => process.exit(0));
}
