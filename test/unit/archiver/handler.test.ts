/**
 * The handler's decisions with S3 and SQS mocked (aws-sdk-client-mock) and downloads from the fake files host:
 * what goes to the DLQ, what is retried and how late (429), what is counted, what is never logged.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createArchiverHandler } from '../../../lambdas/archiver/handler.ts';
import type { ProcessDeps } from '../../../lambdas/archiver/process-job.ts';
import { ArchiveStorage } from '../../../lambdas/aws/storage.ts';
import { objectKey, recordKey } from '../../../lambdas/core/keys.ts';
import { normalizeLink, parseFilesBaseUrl } from '../../../lambdas/core/links.ts';
import { type FakeFile, type FilesServer, startFilesServer } from '../../fakes/files-server.ts';

const TOKEN = 'unit-secret-token-4711';
const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const sqs = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const s3Mock = mockClient(s3);
const sqsMock = mockClient(sqs);
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

let files: FilesServer;
let deps: ProcessDeps;
let n = 0;

beforeAll(async () => {
  files = await startFilesServer({ token: TOKEN });
});
afterAll(async () => {
  await files.close();
});

beforeEach(() => {
  s3Mock.reset();
  sqsMock.reset();
  s3Mock.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
  s3Mock.on(PutObjectCommand).resolves({});
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] }); // no conversation's ledger holds a tombstone
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  sqsMock.on(ChangeMessageVisibilityCommand).resolves({});
  deps = {
    config: {
      files: parseFilesBaseUrl(files.baseUrl),
      bucket: 'bucket',
      prefix: 'dixa',
      partSizeBytes: 5 * 1024 * 1024,
      queueSize: 2,
      connectTimeoutMs: 1000,
      idleTimeoutMs: 500,
      minBytesPerSecond: 1024,
      throughputWindowMs: 30_000,
      maxDecodedRatio: 100,
      jobQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/jobs',
      deadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/jobs-dlq',
      maxReceiveCount: 4,
      objectLock: false,
    },
    storage: new ArchiveStorage(s3, 'bucket', { partSizeBytes: 5 * 1024 * 1024, queueSize: 2 }),
    secrets: { get: async () => ({ apiToken: TOKEN, webhookSecret: 'aa' }) },
    sqs,
    logger: new Logger({ serviceName: 'unit', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'Unit', serviceName: 'unit' }),
  };
});
afterEach(() => {
  files.assertNoLeaks();
  vi.restoreAllMocks();
});

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

function addFile(file: FakeFile, visibility: 'private' | 'public' = 'private') {
  const path = `/${visibility}/org/${++n}/file-${n}.txt`;
  const url = files.addFile(path, file);
  const job = { v: 1, url, visibility, kind: 'attachment', conversationId: '77', source: 'webhook' };
  return { path, job };
}

function record(job: object | string, receiveCount = 1, id = 'm1'): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `handle-${id}`,
    body: typeof job === 'string' ? job : JSON.stringify(job),
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: { traceId: { dataType: 'String', stringValue: 'evt-9' } },
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:1:jobs',
    awsRegion: 'eu-west-1',
  };
}

const run = (...records: SQSRecord[]) => createArchiverHandler(() => deps)({ Records: records });

describe('429', () => {
  it.each([
    ['Retry-After in seconds', '120', 120, 120],
    ['Retry-After as an HTTP date', new Date(Date.now() + 90_000).toUTCString(), 85, 91],
    ['no Retry-After: backoff with jitter', undefined, 15, 30],
  ])('%s → visibility extended, item failed', async (_label, retryAfter, min, max) => {
    const { job } = addFile({
      size: 10,
      always: { kind: 'status', status: 429, ...(retryAfter ? { retryAfter } : {}) },
    });
    const response = await run(record(job));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    const [call] = sqsMock.commandCalls(ChangeMessageVisibilityCommand);
    expect(call?.args[0].input).toMatchObject({ QueueUrl: deps.config.jobQueueUrl, ReceiptHandle: 'handle-m1' });
    const seconds = call?.args[0].input.VisibilityTimeout ?? -1;
    expect(seconds).toBeGreaterThanOrEqual(min);
    expect(seconds).toBeLessThanOrEqual(max);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('the backoff grows with the receive count', async () => {
    const { job } = addFile({ size: 10, always: { kind: 'status', status: 429 } });
    await run(record(job, 3));
    expect(
      sqsMock.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout,
    ).toBeGreaterThanOrEqual(60);
  });

  it('if the visibility cannot be changed, the item still fails (returns after the default timeout)', async () => {
    sqsMock.on(ChangeMessageVisibilityCommand).rejects(new Error('ReceiptHandleIsInvalid'));
    const { job } = addFile({ size: 10, always: { kind: 'status', status: 429, retryAfter: '5' } });
    expect((await run(record(job))).batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  });

  it('429 on the last allowed receive → DLQ as exhausted, no visibility change', async () => {
    const { job } = addFile({ size: 10, always: { kind: 'status', status: 429 } });
    expect((await run(record(job, 4))).batchItemFailures).toEqual([]);
    expect(sqsMock.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    const attributes = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageAttributes;
    expect(attributes?.failureClass?.StringValue).toBe('exhausted');
    expect(attributes?.failureReason?.StringValue).toMatch(/429 Too Many Requests/);
  });
});

describe('S3 failures', () => {
  it('throttled S3 (SlowDown) → item failure, retried via the queue, not dead-lettered', async () => {
    s3Mock.on(PutObjectCommand).rejects(s3Error('SlowDown', 503));
    const { job } = addFile({ size: 100 });
    expect((await run(record(job))).batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('HeadObject denied (403) is not "not archived": item failure, nothing downloaded', async () => {
    s3Mock.on(HeadObjectCommand).rejects(s3Error('Forbidden', 403));
    const { job, path } = addFile({ size: 100 });
    expect((await run(record(job))).batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(files.requestCount(path)).toBe(0);
  });

  it('the file already stored by another attempt (412): the record describes the stored bytes', async () => {
    const stored = Buffer.from('what an earlier attempt stored');
    s3Mock.on(PutObjectCommand).rejectsOnce(s3Error('PreconditionFailed', 412)).resolves({});
    s3Mock.on(GetObjectCommand).resolves({ Body: Readable.from([stored]) as never, ContentType: 'text/plain' });
    const { job } = addFile({ size: 100 });
    expect((await run(record(job))).batchItemFailures).toEqual([]);
    const puts = s3Mock.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(2);
    const written = JSON.parse(String(puts[1]?.args[0].input.Body));
    expect(written).toMatchObject({ size: stored.length, sha256: createHash('sha256').update(stored).digest('hex') });
    expect(puts[1]?.args[0].input).toMatchObject({ IfNoneMatch: '*', Key: expect.stringMatching(/\.json$/) });
  });

  it('the record already written by another attempt (412) is success', async () => {
    s3Mock.on(PutObjectCommand).resolvesOnce({}).rejects(s3Error('PreconditionFailed', 412));
    const { job } = addFile({ size: 100 });
    expect((await run(record(job))).batchItemFailures).toEqual([]);
  });
});

describe('the dead-letter queue', () => {
  it('a permanent failure is moved with its reason and original attributes', async () => {
    const { job } = addFile({ size: 10, always: { kind: 'status', status: 410 } });
    expect((await run(record(job, 2))).batchItemFailures).toEqual([]);
    const input = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(deps.config.deadLetterQueueUrl);
    expect(input?.MessageBody).toBe(JSON.stringify(job));
    expect(input?.MessageAttributes).toMatchObject({
      failureClass: { DataType: 'String', StringValue: 'permanent' },
      failureReason: { DataType: 'String', StringValue: expect.stringMatching(/answered 410 Gone$/) },
      receiveCount: { DataType: 'String', StringValue: '2' },
      traceId: { DataType: 'String', StringValue: 'evt-9' },
      failedAt: { DataType: 'String', StringValue: expect.any(String) },
    });
  });

  it('if the DLQ cannot be reached, the job stays on the job queue (item failure)', async () => {
    sqsMock.on(SendMessageCommand).rejects(new Error('AccessDenied'));
    const { job } = addFile({ size: 10, always: { kind: 'status', status: 404 } });
    const invalid = record('{"v":2}', 1, 'bad');
    const failed = (await run(record(job), invalid)).batchItemFailures.map((f) => f.itemIdentifier);
    expect(failed.sort()).toEqual(['bad', 'm1']);
  });

  it('one bad job does not fail its neighbours', async () => {
    const good = addFile({ size: 10 });
    const response = await run(record('not json', 1, 'bad'), record(good.job, 1, 'good'));
    expect(response.batchItemFailures).toEqual([]);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(2); // the file and its record
  });
});

describe('erased conversations (a versioned bucket)', () => {
  const tombstone = { Key: 'dixa/ledger/77/tombstones/2024-05-01T00-00-00-000Z.json', Size: 200 };
  const keysOf = (url: string) => {
    const link = normalizeLink(url, deps.config.files);
    if (!link.ok) throw new Error(link.reason);
    const key = objectKey('dixa', '77', link.path);
    return { key, record: recordKey(key), folder: key.slice(0, key.lastIndexOf('/') + 1) };
  };

  it('downloads nothing, deletes every version at its keys by version id, and ends without a dead letter', async () => {
    const { job, path } = addFile({ size: 10 });
    const { key, record: recordAt, folder } = keysOf(job.url);
    s3Mock.on(ListObjectsV2Command, { Prefix: 'dixa/ledger/77/' }).resolves({ Contents: [tombstone] });
    s3Mock.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: key, VersionId: 'v1', IsLatest: true },
        { Key: recordAt, VersionId: 'v2', IsLatest: true },
      ],
      DeleteMarkers: [{ Key: key, VersionId: 'dm1', IsLatest: false }],
      IsTruncated: false,
    });
    s3Mock.on(DeleteObjectsCommand).resolves({});
    const added = vi.spyOn(deps.metrics, 'addMetric');

    expect((await run(record(job))).batchItemFailures).toEqual([]);
    expect(files.requestCount(path)).toBe(0);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(ListObjectVersionsCommand)[0]!.args[0].input.Prefix).toBe(folder);
    const deleted = s3Mock.commandCalls(DeleteObjectsCommand)[0]!.args[0].input.Delete!.Objects;
    expect(deleted).toHaveLength(3);
    expect(deleted).toEqual(
      expect.arrayContaining([
        { Key: key, VersionId: 'dm1' },
        { Key: key, VersionId: 'v1' },
        { Key: recordAt, VersionId: 'v2' },
      ]),
    );
    expect(added).toHaveBeenCalledWith('SkippedErased', 'Count', 1);
  });

  it('is retried when the cleanup fails, never left silently', async () => {
    const { job } = addFile({ size: 10 });
    const { key } = keysOf(job.url);
    s3Mock.on(ListObjectsV2Command, { Prefix: 'dixa/ledger/77/' }).resolves({ Contents: [tombstone] });
    s3Mock.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: key, VersionId: 'v1' }], IsTruncated: false });
    s3Mock.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: key, VersionId: 'v1', Code: 'AccessDenied' }] });
    const response = await run(record(job));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('archives a file of a message created after the erasure', async () => {
    const { job, path } = addFile({ size: 10 });
    s3Mock.on(ListObjectsV2Command, { Prefix: 'dixa/ledger/77/' }).resolves({ Contents: [tombstone] });
    expect((await run(record({ ...job, createdAt: '2024-05-01T00:00:01.000Z' }))).batchItemFailures).toEqual([]);
    expect(files.requestCount(path)).toBe(1);
    expect(s3Mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });
});

describe('metrics', () => {
  it('archived, skipped, retried and permanent failures are counted', async () => {
    const added = vi.spyOn(deps.metrics, 'addMetric');
    const single = { addDimension: vi.fn(), addMetric: vi.fn() };
    vi.spyOn(deps.metrics, 'singleMetric').mockReturnValue(single as never);
    const archived = addFile({ size: 1234 });
    const failing = addFile({ size: 10, always: { kind: 'status', status: 500 } });
    const gone = addFile({ size: 10, always: { kind: 'status', status: 404 } });
    await run(record(archived.job, 1, 'a'), record(failing.job, 1, 'b'), record(gone.job, 1, 'c'));
    const names = added.mock.calls.map(([name, , value]) => [name, value]);
    expect(names).toEqual(
      expect.arrayContaining([
        ['FilesArchived', 1],
        ['BytesArchived', 1234],
        ['ArchiveDuration', expect.any(Number)],
        ['Retries', 1],
      ]),
    );
    expect(single.addDimension).toHaveBeenCalledWith('reason', 'not-found');
    expect(single.addMetric).toHaveBeenCalledWith('PermanentFailures', 'Count', 1);

    added.mockClear();
    s3Mock.on(HeadObjectCommand).resolves({});
    await run(record(archived.job, 2));
    expect(added.mock.calls.map(([name]) => name)).toEqual(['SkippedDuplicate']);
    expect(files.requestCount(archived.path)).toBe(1);
  });
});

describe('deadline', () => {
  it('no download starts when the invocation is nearly out of time', async () => {
    const { job, path } = addFile({ size: 10 });
    const context = { getRemainingTimeInMillis: () => 5_000 } as never;
    const response = await createArchiverHandler(() => deps)({ Records: [record(job)] }, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(files.requestCount(path)).toBe(0);
  });
});

describe('logs', () => {
  it('never contain the token or an Authorization header, whatever happens', async () => {
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    deps.logger = new Logger({ serviceName: 'unit', logLevel: 'DEBUG' });
    let fresh = 0;
    deps.secrets = { get: async (o) => ({ apiToken: o?.fresh ? `${TOKEN}-${++fresh}` : TOKEN, webhookSecret: 'aa' }) };
    const jobs = [
      addFile({ size: 100 }).job,
      addFile({ size: 100, always: { kind: 'status', status: 403 } }).job,
      addFile({ size: 100, always: { kind: 'status', status: 503 } }).job,
      addFile({ size: 100, faults: [{ kind: 'reset', afterBytes: 10 }] }).job,
    ];
    await run(...jobs.map((job, i) => record(job, 1, `m${i}`)));
    vi.restoreAllMocks();
    const output = lines.join('');
    expect(output).toContain('job moved to the dead-letter queue'); // the capture did see the logs
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(Buffer.from(`bearer:${TOKEN}`).toString('base64'));
    expect(output.toLowerCase()).not.toContain('authorization');
    expect(output).not.toContain('X-Amz-Signature');
  });
});
