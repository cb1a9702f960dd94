/**
 * The archiver wired to real protocol emulators on loopback: s3rver (S3, on disk in a temp dir), fauxqs (SQS:
 * the job queue and the DLQ), the fake files.dixa.io. Tests drive the real handler with SQS events built from
 * file jobs, the way the Lambda event source would deliver them.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { startFauxqs } from 'fauxqs';
import type { ArchiverConfig } from '../../lambdas/archiver/config.ts';
import {
  DEFAULT_MAX_DECODED_RATIO,
  DEFAULT_MIN_BYTES_PER_SECOND,
  DEFAULT_THROUGHPUT_WINDOW_MS,
} from '../../lambdas/archiver/fetch-file.ts';
import { createArchiverHandler } from '../../lambdas/archiver/handler.ts';
import type { ProcessDeps } from '../../lambdas/archiver/process-job.ts';
import type { SecretSource } from '../../lambdas/aws/secrets.ts';
import { ArchiveStorage } from '../../lambdas/aws/storage.ts';
import type { FileJob } from '../../lambdas/core/job.ts';
import { objectKey, recordKey } from '../../lambdas/core/keys.ts';
import { normalizeLink, parseFilesBaseUrl } from '../../lambdas/core/links.ts';
import { type ProvenanceRecord, parseRecord } from '../../lambdas/core/record.ts';
import { type FilesServer, startFilesServer } from '../fakes/files-server.ts';

export const BUCKET = 'archive-test';
export const PREFIX = 'dixa';
export const MIB = 1024 * 1024;
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** The part of s3rver's untyped CommonJS API used here. */
type S3rverClass = new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => { run(): Promise<{ port: number }>; close(): Promise<void> };
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/** A secret source whose cached token can go stale: `fresh` reads return `freshToken`. */
export class TestSecrets implements SecretSource {
  freshReads = 0;
  constructor(
    public cachedToken: string,
    public freshToken = cachedToken,
  ) {}
  async get({ fresh = false } = {}) {
    if (fresh) {
      this.freshReads++;
      this.cachedToken = this.freshToken;
    }
    return { apiToken: this.cachedToken, webhookSecret: '00' };
  }
}

export interface Harness {
  files: FilesServer;
  s3: S3Client;
  sqs: SQSClient;
  config: ArchiverConfig;
  secrets: TestSecrets;
  deps: ProcessDeps;
  /** Runs the real handler on one SQS event made of these deliveries. */
  deliver(...deliveries: Delivery[]): Promise<SQSBatchResponse>;
  /**
   * What the Lambda event source does with the job queue until it is empty: receive, invoke the handler, delete
   * what it did not report as failed; a failed job becomes visible again at once and is retried, up to the
   * archiver's own dead-letter limit. Returns how many distinct jobs were delivered.
   */
  drain(): Promise<number>;
  keyOf(job: FileJob): string;
  stored(key: string): Promise<Buffer | undefined>;
  head(key: string): Promise<{ size: number; contentType?: string; metadata: Record<string, string> } | undefined>;
  record(job: FileJob): Promise<ProvenanceRecord | undefined>;
  /** Everything on the dead-letter queue so far (received and left in flight). */
  deadLetters(): Promise<{ body: string; attributes: Record<string, string> }[]>;
  close(): Promise<void>;
}

export interface Delivery {
  job: FileJob | string;
  receiveCount?: number;
  messageId?: string;
  receiptHandle?: string;
}

export interface HarnessOptions {
  partSizeMiB?: number;
  queueSize?: number;
  idleTimeoutMs?: number;
  minBytesPerSecond?: number;
  throughputWindowMs?: number;
  maxReceiveCount?: number;
  token?: string;
}

let sequence = 0;

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const token = options.token ?? 'test-token';
  const directory = await mkdtemp(join(tmpdir(), 'archiver-s3-'));
  const s3rver = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port: s3Port } = await s3rver.run();
  const sqsServer = await startFauxqs({ port: 0, logger: false });
  const jobQueue = sqsServer.createQueue('jobs');
  const deadLetterQueue = sqsServer.createQueue('jobs-dlq');
  const files = await startFilesServer({ token });

  const s3 = new S3Client({
    endpoint: `http://127.0.0.1:${s3Port}`,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: CREDENTIALS,
  });
  const sqs = new SQSClient({ endpoint: sqsServer.address, region: 'us-east-1', credentials: CREDENTIALS });
  const config: ArchiverConfig = {
    files: parseFilesBaseUrl(files.baseUrl),
    bucket: BUCKET,
    prefix: PREFIX,
    partSizeBytes: (options.partSizeMiB ?? 5) * MIB,
    queueSize: options.queueSize ?? 4,
    connectTimeoutMs: 2_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 400,
    minBytesPerSecond: options.minBytesPerSecond ?? DEFAULT_MIN_BYTES_PER_SECOND,
    throughputWindowMs: options.throughputWindowMs ?? DEFAULT_THROUGHPUT_WINDOW_MS,
    maxDecodedRatio: DEFAULT_MAX_DECODED_RATIO,
    jobQueueUrl: jobQueue.queueUrl,
    deadLetterQueueUrl: deadLetterQueue.queueUrl,
    maxReceiveCount: options.maxReceiveCount ?? 3,
    objectLock: false, // s3rver has no Object Lock
  };
  const secrets = new TestSecrets(token);
  process.env.POWERTOOLS_METRICS_DISABLED = 'true'; // no EMF lines in the test output
  const deps: ProcessDeps = {
    config,
    sqs,
    secrets,
    storage: new ArchiveStorage(s3, BUCKET, { partSizeBytes: config.partSizeBytes, queueSize: config.queueSize }),
    logger: new Logger({ serviceName: 'archiver-test', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'ArchiverTest', serviceName: 'archiver-test' }),
  };
  const handler = createArchiverHandler(() => deps);

  const keyOf = (job: FileJob) => {
    const link = normalizeLink(job.url, config.files);
    if (!link.ok) throw new Error(link.reason);
    return objectKey(PREFIX, job.conversationId, link.path);
  };

  const stored = async (key: string) => {
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  };

  const deliver = (...deliveries: Delivery[]) => handler({ Records: deliveries.map(toRecord) }, lambdaContext());
  const drain = async () => {
    const delivered = new Set<string>();
    const QueueUrl = config.jobQueueUrl;
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          AttributeNames: ['All'],
          VisibilityTimeout: 120,
        }),
      );
      if (Messages.length === 0) return delivered.size;
      const response = await deliver(
        ...Messages.map((m) => ({
          job: m.Body!,
          messageId: m.MessageId,
          receiptHandle: m.ReceiptHandle,
          receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
        })),
      );
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      for (const m of Messages) {
        if (JSON.parse(m.Body!).type !== 'participants') delivered.add(m.MessageId!); // file jobs only
        const handle = { QueueUrl, ReceiptHandle: m.ReceiptHandle! };
        if (failed.has(m.MessageId!))
          await sqs.send(new ChangeMessageVisibilityCommand({ ...handle, VisibilityTimeout: 0 }));
        else await sqs.send(new DeleteMessageCommand(handle));
      }
    }
  };

  return {
    files,
    s3,
    sqs,
    config,
    secrets,
    deps,
    deliver,
    drain,
    keyOf,
    stored,
    async head(key) {
      try {
        const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
        return { size: head.ContentLength ?? -1, contentType: head.ContentType, metadata: head.Metadata ?? {} };
      } catch (error) {
        if ((error as Error).name === 'NotFound') return undefined;
        throw error;
      }
    },
    async record(job) {
      const text = await stored(recordKey(keyOf(job)));
      return text && parseRecord(text.toString('utf8'));
    },
    async deadLetters() {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: deadLetterQueue.queueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          VisibilityTimeout: 600,
        }),
      );
      return (out.Messages ?? []).map((m) => ({
        body: m.Body ?? '',
        attributes: Object.fromEntries(
          Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue ?? '']),
        ),
      }));
    },
    async close() {
      s3.destroy();
      sqs.destroy();
      await files.close();
      await sqsServer.stop();
      await s3rver.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export function fileJob(url: string, overrides: Partial<FileJob> = {}): FileJob {
  return {
    v: 1,
    url,
    visibility: new URL(url).pathname.startsWith('/private/') ? 'private' : 'public',
    kind: 'attachment',
    orgId: 'org-1',
    conversationId: '4242',
    messageId: 'msg-1',
    eventId: 'evt-1',
    source: 'webhook',
    ...overrides,
  };
}

function toRecord(delivery: Delivery): SQSRecord {
  const id = delivery.messageId ?? `msg-${++sequence}`;
  const body = typeof delivery.job === 'string' ? delivery.job : JSON.stringify(delivery.job);
  return {
    messageId: id,
    receiptHandle: delivery.receiptHandle ?? `receipt-${id}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(delivery.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {
      traceId: { dataType: 'String', stringValue: `trace-${id}` },
      source: { dataType: 'String', stringValue: 'webhook' },
    },
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:jobs',
    awsRegion: 'us-east-1',
  };
}

function lambdaContext(): Context {
  const deadline = Date.now() + 120_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'archiver',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:archiver',
    memoryLimitInMB: '1024',
    awsRequestId: `req-${++sequence}`,
    logGroupName: '/aws/lambda/archiver',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
