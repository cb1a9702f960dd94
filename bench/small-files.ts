/**
 * Small files, as most attachments are: N files of 20–200 KB through the archiver's real Lambda handler
 * (`createArchiverHandler`: Powertools Batch, logs and EMF metrics to a discarded stdout, `archiveFile`), in SQS
 * events of the stack's batch size, `concurrency` invocations at a time (the stack's maximum concurrency, here
 * in one process), against the bench's loopback source and local S3. Beside it, the floor for the same files on
 * the same rig: one GET (the archiver's own HTTP client) and one PUT per file, same concurrency, nothing else.
 * Every S3 request is counted by operation, so the round trips per file are on record.
 *
 *   node small-files.mjs --worker   (env: BENCH_MODE=archiver|floor, BENCH_FILES, BENCH_BATCH_SIZE,
 *                                    BENCH_CONCURRENCY, S3_ENDPOINT, DIXA_FILES_BASE_URL, BENCH_BUCKET, BENCH_TOKEN)
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { archiverConfigFromEnv } from '../lambdas/archiver/config.ts';
import { openDownload } from '../lambdas/archiver/fetch-file.ts';
import { createArchiverHandler } from '../lambdas/archiver/handler.ts';
import { s3ClientFromEnv, sqsClientFromEnv } from '../lambdas/aws/clients.ts';
import { ArchiveStorage } from '../lambdas/aws/storage.ts';
import { sendFileBodiesUnsigned } from '../lambdas/aws/unsigned-payload.ts';
import { logger, metrics } from '../lambdas/commons/powertools.ts';
import { sourcePath } from './lib/source-server.ts';

export type SmallFilesMode = 'archiver' | 'floor';

export interface SmallFilesMeasurement {
  mode: SmallFilesMode;
  files: number;
  bytes: number;
  batchSize: number;
  concurrency: number;
  seconds: number;
  cpuSeconds: number;
  /** S3 requests of the measured files by operation (e.g. HeadObject, PutObject), warm-up excluded. */
  s3Requests: Record<string, number>;
  peakRssMiB: number;
}

/** The i-th file's size: 20–200 KB, spread evenly and shuffled by a fixed stride (deterministic). */
export function smallFileSize(i: number, files: number): number {
  const rank = (i * 7919) % files;
  return 20_000 + Math.round((180_000 * rank) / Math.max(1, files - 1));
}

async function worker(): Promise<void> {
  const env = process.env;
  const mode = env.BENCH_MODE as SmallFilesMode;
  const files = Number(env.BENCH_FILES);
  const batchSize = Number(env.BENCH_BATCH_SIZE);
  const concurrency = Number(env.BENCH_CONCURRENCY);
  const bucket = env.BENCH_BUCKET ?? '';
  const token = env.BENCH_TOKEN ?? '';
  Object.assign(env, {
    ARCHIVE_BUCKET: bucket,
    ARCHIVE_PREFIX: 'bench',
    JOB_QUEUE_URL: 'http://127.0.0.1:9/000000000000/unused',
    DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:9/000000000000/unused-dlq',
  });
  const config = archiverConfigFromEnv();
  const s3 = s3ClientFromEnv();
  const requests: Record<string, number> = {};
  let counting = false;
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (counting) {
        const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
        requests[operation] = (requests[operation] ?? 0) + 1;
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCounter' },
  );
  const secrets = { get: async () => ({ apiToken: token, webhookSecret: '' }) };
  const run = `${process.pid}${Date.now()}`.slice(-10);
  const job = (i: number) => ({
    v: 1,
    url: `${config.files.origin}${sourcePath('private', smallFileSize(i, files), `attachment-${i}.bin`)}`,
    visibility: 'private',
    kind: 'attachment',
    conversationId: `${run}${String(i % 100).padStart(2, '0')}`,
    name: `attachment ${i}.bin`,
    source: 'webhook',
  });

  let archiveOne: (first: number, count: number) => Promise<void>;
  if (mode === 'archiver') {
    // One set of clients per process, as a Lambda container keeps them (handler.ts's depsFromEnv).
    const deps = {
      config,
      sqs: sqsClientFromEnv(),
      storage: new ArchiveStorage(s3, bucket, { partSizeBytes: config.partSizeBytes, queueSize: config.queueSize }),
      secrets,
      logger,
      metrics,
    };
    const handler = createArchiverHandler(() => deps);
    archiveOne = async (first, count) => {
      const records = Array.from({ length: count }, (_, k) => sqsRecord(first + k, JSON.stringify(job(first + k))));
      const response = await handler({ Records: records } satisfies SQSEvent, lambdaContext(first));
      if (response.batchItemFailures.length > 0) throw new Error(`batch at ${first}: ${JSON.stringify(response)}`);
    };
  } else {
    sendFileBodiesUnsigned(s3);
    archiveOne = async (first, count) => {
      for (let i = first; i < first + count; i++) {
        const { url } = job(i);
        const download = await openDownload({ url, visibility: 'private' }, config, secrets);
        const chunks: Buffer[] = [];
        for await (const chunk of download.body) chunks.push(chunk as Buffer);
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `bench/floor/${run}/${i}.bin`,
            Body: Buffer.concat(chunks),
            ContentType: download.contentType,
          }),
        );
      }
    };
  }

  // Warm-up on files that are not counted (modules, clients, connections), as a warm Lambda container has them.
  await archiveOne(files, 1);
  let bytes = 0;
  for (let i = 0; i < files; i++) bytes += smallFileSize(i, files);
  counting = true;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < files) {
        const first = next;
        next = Math.min(files, next + batchSize);
        await archiveOne(first, next - first);
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const result: SmallFilesMeasurement = {
    mode,
    files,
    bytes,
    batchSize,
    concurrency,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    s3Requests: requests,
    peakRssMiB: (process.resourceUsage().maxRSS * 1024) / (1024 * 1024),
  };
  process.send?.(result, () => process.exit(0));
}

function sqsRecord(i: number, body: string): SQSRecord {
  return {
    messageId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    receiptHandle: `bench-${i}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:dixa-file-jobs',
    awsRegion: 'us-east-1',
  };
}

function lambdaContext(i: number): Context {
  const deadline = Date.now() + 600_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'DixaArchiver-Archiver',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:DixaArchiver-Archiver',
    memoryLimitInMB: '512',
    awsRequestId: `bench-${i}`,
    logGroupName: '/aws/lambda/DixaArchiver-Archiver',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

if (process.argv.includes('--worker')) await worker();
