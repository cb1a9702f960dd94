/**
 * The archive's byte path to S3 (lambdas/aws/part-upload.ts, unsigned-payload.ts): parts are byte-exact, in
 * order and of the configured size whatever the chunking of the source; never more than `queueSize` in flight;
 * part buffers come back to the pool and are reused; file bodies skip SigV4's payload hash only over TLS or to
 * loopback, and always carry the CRC32 S3 checks.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PartBuffers, uploadStream } from '../../../lambdas/aws/part-upload.ts';
import { payloadMaySkipSigning, sendFileBodiesUnsigned } from '../../../lambdas/aws/unsigned-payload.ts';

const MIB = 1024 * 1024;
const PART = 5 * MIB;
const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const s3Mock = mockClient(s3);
const target = () => ({ Bucket: 'b', Key: 'k', ContentType: 'audio/mpeg', Metadata: { kind: 'recording' } });

/** Deterministic bytes (every byte depends on its position), in pieces of the given sizes. */
function source(size: number, piece: number): { stream: Readable; bytes: Buffer } {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 13)) & 0xff;
  const pieces: Buffer[] = [];
  for (let at = 0; at < size; at += piece) pieces.push(bytes.subarray(at, at + piece));
  return { stream: Readable.from(pieces), bytes };
}

/** Records each part's bytes at the time it is sent (the buffer is reused afterwards) and the peak in flight. */
function recordParts(delayMs = 5) {
  const parts = new Map<number, Buffer>();
  let inFlight = 0;
  let peak = 0;
  s3Mock.on(UploadPartCommand).callsFake(async (input: { PartNumber: number; Body: Buffer }) => {
    parts.set(input.PartNumber, Buffer.from(input.Body));
    peak = Math.max(peak, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    inFlight--;
    return { ETag: `"etag-${input.PartNumber}"`, ChecksumCRC32: `crc-${input.PartNumber}` };
  });
  return {
    parts,
    peak: () => peak,
    joined: () => Buffer.concat([...parts.keys()].sort((a, b) => a - b).map((n) => parts.get(n) as Buffer)),
  };
}

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3Mock.on(CompleteMultipartUploadCommand).resolves({});
  s3Mock.on(PutObjectCommand).resolves({});
});

describe('uploadStream', () => {
  it.each([
    ['socket-sized pieces', 64 * 1024],
    ['pieces larger than a part', PART + 12_345],
    ['odd pieces', 777_777],
  ])('parts are byte-exact, in order, PART bytes each but the last (%s)', async (_label, piece) => {
    const size = 3 * PART + 4321;
    const { stream, bytes } = source(size, piece);
    const recorded = recordParts();
    await uploadStream(s3, new PartBuffers(PART, 3), 2, target(), stream);
    expect([...recorded.parts.values()].map((p) => p.length).sort((a, b) => b - a)).toEqual([PART, PART, PART, 4321]);
    expect(createHash('sha256').update(recorded.joined()).digest('hex')).toBe(
      createHash('sha256').update(bytes).digest('hex'),
    );
    const complete = s3Mock.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input;
    expect(complete?.MultipartUpload?.Parts).toEqual(
      [1, 2, 3, 4].map((n) => ({
        PartNumber: n,
        ETag: `"etag-${n}"`,
        ChecksumCRC32: `crc-${n}`,
      })),
    );
    expect(complete?.IfNoneMatch).toBe('*');
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input.ChecksumAlgorithm).toBe('CRC32');
    expect(s3Mock.commandCalls(UploadPartCommand).every((c) => c.args[0].input.ChecksumAlgorithm === 'CRC32')).toBe(
      true,
    );
  });

  it('never has more than queueSize parts in flight', async () => {
    const recorded = recordParts(20);
    await uploadStream(s3, new PartBuffers(PART, 3), 2, target(), source(6 * PART, 64 * 1024).stream);
    expect(recorded.parts.size).toBe(6);
    expect(recorded.peak()).toBe(2);
  });

  it('a body of exactly one part is one conditional PUT; an empty body too', async () => {
    const { stream, bytes } = source(PART, 64 * 1024);
    await uploadStream(s3, new PartBuffers(PART, 3), 2, target(), stream);
    const put = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(Buffer.compare(put?.Body as Buffer, bytes)).toBe(0);
    expect(put).toMatchObject({ IfNoneMatch: '*', ChecksumAlgorithm: 'CRC32', Metadata: { kind: 'recording' } });
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);

    await uploadStream(s3, new PartBuffers(PART, 3), 2, target(), Readable.from([]));
    const empty = s3Mock.commandCalls(PutObjectCommand)[1]?.args[0].input.Body as Buffer | undefined;
    expect(empty?.length).toBe(0);
  });

  it('reuses part buffers from file to file: after the first file, no part buffer is allocated', async () => {
    class CountingBuffers extends PartBuffers {
      allocated = 0;
      override take(): Buffer {
        if (this.idle === 0) this.allocated++;
        return super.take();
      }
    }
    const buffers = new CountingBuffers(PART, 3);
    recordParts();
    await uploadStream(s3, buffers, 2, target(), source(4 * PART + 1, 64 * 1024).stream);
    const first = buffers.allocated;
    expect(first).toBeLessThanOrEqual(3);
    for (let i = 0; i < 3; i++) await uploadStream(s3, buffers, 2, target(), source(4 * PART + 1, 64 * 1024).stream);
    expect(buffers.allocated).toBe(first);
    expect(buffers.idle).toBe(3);
  });

  it('a failed upload gives its buffers back too', async () => {
    const buffers = new PartBuffers(PART, 3);
    s3Mock.on(UploadPartCommand).rejects(new Error('SlowDown'));
    await expect(uploadStream(s3, buffers, 2, target(), source(3 * PART, 64 * 1024).stream)).rejects.toThrow(
      'SlowDown',
    );
    expect(buffers.idle).toBeGreaterThan(0);
  });
});

describe('unsigned payloads', () => {
  function capturingClient(endpoint: string) {
    const requests: { headers: Record<string, string> }[] = [];
    const client = new S3Client({
      region: 'eu-west-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      requestHandler: {
        handle: async (request: { headers: Record<string, string> }) => {
          requests.push(request);
          return { response: { statusCode: 200, headers: { etag: '"e"' }, body: Readable.from([]) } };
        },
      } as never,
    });
    return { client: sendFileBodiesUnsigned(client), requests };
  }

  async function send(client: S3Client) {
    const body = Buffer.from('file bytes');
    await client.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: body, ChecksumAlgorithm: 'CRC32' }));
    await client.send(
      new UploadPartCommand({
        Bucket: 'b',
        Key: 'k',
        UploadId: 'u',
        PartNumber: 1,
        Body: body,
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    await client.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }));
  }

  it.each([
    ['https://s3.eu-west-1.amazonaws.com', 'UNSIGNED-PAYLOAD'],
    ['http://127.0.0.1:4569', 'UNSIGNED-PAYLOAD'],
    ['http://s3.internal.example:80', createHash('sha256').update('file bytes').digest('hex')],
  ])(
    '%s: file bodies are sent with x-amz-content-sha256 %s, still signed and CRC32-checked',
    async (endpoint, expected) => {
      const { client, requests } = capturingClient(endpoint);
      await send(client);
      const [put, part, head] = requests;
      for (const request of [put, part]) {
        expect(request?.headers['x-amz-content-sha256']).toBe(expected);
        expect(request?.headers['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
        expect(request?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 .*SignedHeaders=.*x-amz-content-sha256/);
      }
      // A request without a body keeps the SDK's own (empty-body) hash.
      expect(head?.headers['x-amz-content-sha256']).not.toBe('UNSIGNED-PAYLOAD');
    },
  );

  it('only TLS or loopback lets a payload skip signing', () => {
    expect(payloadMaySkipSigning({ protocol: 'https:', hostname: 's3.amazonaws.com' })).toBe(true);
    expect(payloadMaySkipSigning({ protocol: 'http:', hostname: '127.0.0.1' })).toBe(true);
    expect(payloadMaySkipSigning({ protocol: 'http:', hostname: 'localhost' })).toBe(true);
    expect(payloadMaySkipSigning({ protocol: 'http:', hostname: '10.0.0.5' })).toBe(false);
    expect(payloadMaySkipSigning({ protocol: 'http:', hostname: '127.example.com' })).toBe(false);
  });
});
