/**
 * The two Lambdas bundled for real, as `cdk synth` does: local esbuild (no Docker), one minified ESM file each with
 * the AWS SDK inside (the versions tested here, not the runtime's) but for the credential providers Lambda never
 * reaches, a source map, and the `require` shim; the bundle loads on its own and exports `handler`; and both
 * bundles, exactly as synthesized, run on Node.js 24 (the Lambda runtime) in processes of their own.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FILES, startDemoFilesServer } from '../../../cli/local/demo-files.ts';
import { startLocalStorage } from '../../../cli/local/storage.ts';
import { LOCAL_CREDENTIALS } from '../../../cli/shared/aws-endpoint.ts';
import { buildApp } from '../../../infra/build.ts';
import { UNUSED_IN_LAMBDA } from '../../../infra/bundling.ts';
import type { DixaArchiverStack } from '../../../infra/stack.ts';
import { TEST_WEBHOOK_SECRET, webhookEvent } from '../../fixtures/apigw/webhook-event.ts';
import { cdkJsonContext, logicalIdAt } from './synth.ts';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');
const INVOKE = join(REPO, 'test/fixtures/lambda/invoke-bundle.mjs');
const execFileAsync = promisify(execFile);

/** What test/fixtures/lambda/invoke-bundle.mjs prints: the Node.js version and the handler's result. */
interface Invocation {
  node: string;
  result: { statusCode?: number; body?: string; batchItemFailures?: unknown[] };
}

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
  /**
   * The bundles exactly as synthesized, run the way Lambda runs them: a fresh Node.js 24 process imports the asset
   * file and calls `handler` once. Ingest takes the signed sample webhook and queues its two files on a real SQS
   * protocol (fauxqs); the archiver takes those two jobs and stores both files, byte for byte, in s3rver.
   */
  describe('the synthesized bundles on Node.js 24', () => {
    const work = mkdtempSync(join(tmpdir(), 'dixa-bundles-'));
    let env: NodeJS.ProcessEnv;
    let jobQueueUrl: string;
    let stopAll: () => Promise<void>;

    beforeAll(async () => {
      const files = await startDemoFilesServer();
      const storage = await startLocalStorage(join(work, 's3'), 'bundle-archive');
      const sqs = await startFauxqs({ port: 0, logger: false });
      jobQueueUrl = sqs.createQueue('jobs').queueUrl;
      env = {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_EC2_METADATA_DISABLED: 'true',
        S3_ENDPOINT: storage.endpoint,
        SQS_ENDPOINT: sqs.address,
        JOB_QUEUE_URL: jobQueueUrl,
        DEAD_LETTER_QUEUE_URL: sqs.createQueue('jobs-dlq').queueUrl,
        ARCHIVE_BUCKET: 'bundle-archive',
        DIXA_FILES_BASE_URL: files.baseUrl,
        DIXA_API_TOKEN: files.apiToken,
        DIXA_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
        POWERTOOLS_METRICS_DISABLED: 'true',
      };
      stopAll = async () => {
        await Promise.all([files.stop(), storage.stop(), sqs.stop()]);
        rmSync(work, { recursive: true, force: true });
      };
    });
    afterAll(() => stopAll());

    async function invoke(fn: 'Ingest' | 'Archiver', event: unknown): Promise<Invocation> {
      const eventFile = join(work, `${fn}-event.json`);
      writeFileSync(eventFile, JSON.stringify(event));
      const { stdout } = await execFileAsync(process.execPath, [INVOKE, bundleOf(fn).file, eventFile], { env });
      return JSON.parse(stdout.trimEnd().split('\n').at(-1)!);
    }

    it('ingest queues the sample webhook, the archiver stores both files and who took part, each in a Node.js 24 process', async () => {
      const body = readFileSync(join(REPO, 'test/fixtures/sample-webhook.json'));
      const ingest = await invoke('Ingest', webhookEvent({ body }));
      expect(ingest.node).toMatch(/^v24\./);
      expect(ingest.result).toMatchObject({ statusCode: 202 });
      expect(JSON.parse(ingest.result.body!)).toMatchObject({ status: 'queued', jobs: 2, rejected: [] });

      const sqs = new SQSClient({ endpoint: env.SQS_ENDPOINT, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: jobQueueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
      );
      sqs.destroy();
      // One job per file and one participants message (the people index).
      const types = Messages.map((m) => (JSON.parse(m.Body!) as { type?: string }).type ?? 'file');
      expect(types.sort()).toEqual(['file', 'file', 'participants']);

      const records = Messages.map((m) => ({
        messageId: m.MessageId,
        receiptHandle: m.ReceiptHandle,
        body: m.Body,
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:jobs',
        awsRegion: 'us-east-1',
      }));
      const archiver = await invoke('Archiver', { Records: records });
      expect(archiver.node).toMatch(/^v24\./);
      expect(archiver.result).toEqual({ batchItemFailures: [] });

      const stored = readdirSync(join(work, 's3'), { recursive: true, encoding: 'utf8' })
        .filter(
          (name) =>
            name.includes('conversations') &&
            name.endsWith('._S3rver_object') &&
            !name.endsWith('.json._S3rver_object'),
        )
        .map((name) =>
          createHash('sha256')
            .update(readFileSync(join(work, 's3', name)))
            .digest('hex'),
        );
      const expected = Object.values(DEMO_FILES).map((f) => createHash('sha256').update(f.body).digest('hex'));
      expect(stored.sort()).toEqual(expected.sort());
      const objects = readdirSync(join(work, 's3'), { recursive: true, encoding: 'utf8' });
      expect(objects.some((name) => name.includes('people') && name.endsWith('._S3rver_object'))).toBe(true);
    }, 60_000);
  });
});
