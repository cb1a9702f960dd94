/**
 * Ingest Lambda bundle size: esbuild (minified, ESM, platform node, target node22) with the AWS SDK bundled and with
 * `@aws-sdk/*` external, plus the packages that contribute most (from the metafile). Each bundle is then loaded and
 * invoked once with a signed webhook, so a number is only printed for a bundle that actually works.
 *
 *   npx tsx bench/ingest-bundle.ts [--json]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { REQUIRE_SHIM } from '../infra/bundling.ts';
import { signatureHeader } from '../lambdas/core/signature.ts';

const ENTRY = 'lambdas/ingest/handler.ts';
const TOP = 8;
/** What CDK's NodejsFunction adds for ESM output, so bundled CommonJS can still `require` Node built-ins. */
export const BANNER = REQUIRE_SHIM;

interface Variant {
  name: string;
  file: string;
  external: string[];
  /** esbuild's default for platform node is main,module: CommonJS builds, which cannot be tree-shaken. */
  mainFields?: string[];
}

const VARIANTS: Variant[] = [
  { name: 'AWS SDK bundled (esbuild defaults)', file: 'bundled', external: [] },
  {
    name: 'AWS SDK bundled, ESM builds preferred (mainFields module,main)',
    file: 'bundled-esm',
    external: [],
    mainFields: ['module', 'main'],
  },
  { name: '@aws-sdk/* external (the runtime SDK)', file: 'external', external: ['@aws-sdk/*'] },
];

interface Measurement {
  variant: string;
  bytes: number;
  gzipBytes: number;
  top: { module: string; bytes: number }[];
  smokeStatus: number | undefined;
}

/** `node_modules/@scope/name/...` → `@scope/name`; project files → `(this project)`. */
function packageOf(path: string): string {
  const at = path.lastIndexOf('node_modules/');
  if (at === -1) return '(this project)';
  const [first, second] = path.slice(at + 'node_modules/'.length).split('/');
  return first?.startsWith('@') ? `${first}/${second}` : (first ?? path);
}

export function contributors(metafile: Metafile): { module: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      totals.set(packageOf(path), (totals.get(packageOf(path)) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([module, bytes]) => ({ module, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Loads the bundle and sends it one signed, file-less webhook: it must answer 200 without touching the network. */
export async function smokeTest(file: string): Promise<number | undefined> {
  const secret = 'ab'.repeat(32);
  Object.assign(process.env, {
    JOB_QUEUE_URL: 'http://127.0.0.1:9/000000000000/unused',
    DIXA_WEBHOOK_SECRET: secret,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  const body = JSON.stringify({ event_id: 'bench', event_fqn: 'CONVERSATION_CLOSED', data: {} });
  const { handler } = (await import(pathToFileURL(file).href)) as {
    handler: (event: unknown) => Promise<{ statusCode?: number }>;
  };
  const result = await handler({
    headers: { 'x-dixa-signature': signatureHeader(secret, body) },
    requestContext: { http: { method: 'POST' } },
    body,
    isBase64Encoded: false,
  });
  return result.statusCode;
}

async function measure(variant: Variant, dir: string): Promise<Measurement> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    external: variant.external,
    ...(variant.mainFields ? { mainFields: variant.mainFields } : {}),
    banner: { js: BANNER },
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild produced no output');
  const file = join(process.cwd(), dir, `${variant.file}.mjs`);
  writeFileSync(file, output.contents);
  writeFileSync(`${file}.meta.json`, JSON.stringify(result.metafile));
  return {
    variant: variant.name,
    bytes: output.contents.byteLength,
    gzipBytes: gzipSync(output.contents).byteLength,
    top: contributors(result.metafile).slice(0, TOP),
    smokeStatus: await smokeTest(file),
  };
}

const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

async function main(): Promise<void> {
  // Inside node_modules so the external variant resolves @aws-sdk/* like the Lambda runtime would.
  mkdirSync('node_modules/.cache', { recursive: true });
  const dir = mkdtempSync('node_modules/.cache/ingest-bundle-');
  try {
    const results: Measurement[] = [];
    for (const variant of VARIANTS) results.push(await measure(variant, dir));
    if (process.argv.includes('--json')) {
      process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      return;
    }
    const lines = [`Ingest bundle (${ENTRY}; esbuild minified, ESM, node22)`, ''];
    for (const r of results) {
      lines.push(`${r.variant}: ${kb(r.bytes)}, ${kb(r.gzipBytes)} gzipped (smoke test: HTTP ${r.smokeStatus})`);
      for (const t of r.top) lines.push(`  ${kb(t.bytes).padStart(9)}  ${t.module}`);
      lines.push('');
    }
    process.stdout.write(lines.join('\n'));
    if (results.some((r) => r.smokeStatus !== 200)) process.exitCode = 1;
  } finally {
    if (!process.env.KEEP_BUNDLE) rmSync(dir, { recursive: true, force: true });
  }
}

// bench/lambda-bundles.ts imports the helpers above; run directly, this prints the three ingest variants.
if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
