/**
 * The S3 edge cases s3rver cannot show, against aws-sdk-client-mock: conditional-write conflicts, the abort of
 * a multipart upload on every kind of failure (S3's, the source stream's, a short body detected at the end),
 * and the parameters every write carries.
 */
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ByteMeter } from '../../../lambdas/archiver/byte-meter.ts';
import { ArchiveStorage } from '../../../lambdas/aws/storage.ts';

const MIB = 1024 * 1024;
const PART = 5 * MIB;
const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const s3Mock = mockClient(s3);
const storage = new ArchiveStorage(s3, 'bucket', { partSizeBytes: PART, queueSize: 2 });

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
}

function bytes(size: number): Readable {
  return Readable.from([Buffer.alloc(size, 7)]);
}

function file(body: Readable, metadata: Record<string, string> = {}) {
  return { key: 'dixa/conversations/1/abc/f.bin', body, contentType: 'audio/mpeg', metadata };
}

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3Mock.on(UploadPartCommand).resolves({ ETag: '"etag"' });
  s3Mock.on(CompleteMultipartUploadCommand).resolves({});
  s3Mock.on(AbortMultipartUploadCommand).resolves({});
  s3Mock.on(PutObjectCommand).resolves({});
});
afterEach(() => s3Mock.reset());

describe('putFile', () => {
  it('a small file is one conditional PUT with its type, metadata and a CRC32 checksum request', async () => {
    expect(await storage.putFile(file(bytes(1000), { kind: 'recording' }))).toEqual({ created: true });
    const [put] = s3Mock.commandCalls(PutObjectCommand);
    expect(put?.args[0].input).toMatchObject({
      Bucket: 'bucket',
      Key: 'dixa/conversations/1/abc/f.bin',
      ContentType: 'audio/mpeg',
      Metadata: { kind: 'recording' },
      ChecksumAlgorithm: 'CRC32',
      IfNoneMatch: '*',
    });
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it('metadata added before the body ends reaches a single PUT (how the sha256 gets there)', async () => {
    const metadata: Record<string, string> = {};
    const meter = new ByteMeter({ onComplete: ({ sha256 }) => (metadata.sha256 = sha256 ?? '') });
    bytes(1000).pipe(meter);
    await storage.putFile(file(meter, metadata));
    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input.Metadata?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a large file is a multipart upload completed with If-None-Match: *', async () => {
    expect(await storage.putFile(file(bytes(2 * PART + 1)))).toEqual({ created: true });
    expect(s3Mock.commandCalls(UploadPartCommand)).toHaveLength(3);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      UploadId: 'upload-1',
      IfNoneMatch: '*',
    });
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  it('412 on CompleteMultipartUpload (another attempt stored the file) → created: false, upload aborted', async () => {
    s3Mock.on(CompleteMultipartUploadCommand).rejects(s3Error('PreconditionFailed', 412));
    expect(await storage.putFile(file(bytes(2 * PART)))).toEqual({ created: false });
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });

  it('412 on a single PUT → created: false', async () => {
    s3Mock.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    expect(await storage.putFile(file(bytes(10)))).toEqual({ created: false });
  });

  it('409 ConditionalRequestConflict counts as "exists" only once the winner is visible', async () => {
    s3Mock.on(PutObjectCommand).rejects(s3Error('ConditionalRequestConflict', 409));
    s3Mock.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    await expect(storage.putFile(file(bytes(10)))).rejects.toMatchObject({ name: 'ConditionalRequestConflict' });
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 10 });
    expect(await storage.putFile(file(bytes(10)))).toEqual({ created: false });
  });

  it('throttled S3 (SlowDown on a part) → rejects, and the multipart upload is aborted before it does', async () => {
    s3Mock.on(UploadPartCommand).rejects(s3Error('SlowDown', 503));
    await expect(storage.putFile(file(bytes(3 * PART)))).rejects.toMatchObject({ name: 'SlowDown' });
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toMatchObject({ UploadId: 'upload-1' });
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('a source stream that fails mid-file → rejects with its error, upload aborted, nothing completed', async () => {
    const source = new Readable({ read() {} });
    source.push(Buffer.alloc(PART + 100));
    setTimeout(() => source.destroy(new Error('ECONNRESET')), 20);
    await expect(storage.putFile(file(source))).rejects.toThrow('ECONNRESET');
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it.each([
    ['multipart', 2 * PART + 10, 1],
    ['single PUT', 100, 0],
  ])('a body shorter than its Content-Length fails before completing (%s)', async (_label, size, aborts) => {
    const meter = new ByteMeter({ expectedBytes: size + 1 });
    bytes(size).pipe(meter);
    await expect(storage.putFile(file(meter))).rejects.toMatchObject({ code: 'size-mismatch' });
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(aborts);
  });
});

describe('putIfAbsent', () => {
  it('writes once with If-None-Match: *; 412 means someone else already did', async () => {
    expect(await storage.putIfAbsent('k.json', '{}', 'application/json')).toEqual({ created: true });
    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Key: 'k.json',
      IfNoneMatch: '*',
      ContentType: 'application/json',
    });
    s3Mock.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    expect(await storage.putIfAbsent('k.json', '{}', 'application/json')).toEqual({ created: false });
  });

  it('other errors propagate', async () => {
    s3Mock.on(PutObjectCommand).rejects(s3Error('SlowDown', 503));
    await expect(storage.putIfAbsent('k.json', '{}', 'application/json')).rejects.toMatchObject({ name: 'SlowDown' });
  });
});

describe('exists', () => {
  it('404 → false; anything else but success propagates (403 must not read as "not archived")', async () => {
    s3Mock.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    expect(await storage.exists('k')).toBe(false);
    s3Mock.on(HeadObjectCommand).rejects(s3Error('Forbidden', 403));
    await expect(storage.exists('k')).rejects.toMatchObject({ name: 'Forbidden' });
    s3Mock.on(HeadObjectCommand).resolves({});
    expect(await storage.exists('k')).toBe(true);
  });
});
