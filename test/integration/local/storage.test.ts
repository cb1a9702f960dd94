/**
 * Local mode's S3 (s3rver) cleans up multipart uploads as S3 does: an aborted upload leaves no parts on disk, and
 * the parts of a process that died are removed at the next start.
 */
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describe, expect, it } from 'vitest';
import { startLocalStorage } from '../../../cli/local/storage.ts';

const MIB = 1024 * 1024;
const BUCKET = 'dixa-archive';

const client = (endpoint: string) =>
  new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

/** 12 MiB, then the source fails: two 5 MiB parts are uploaded before lib-storage gives up. */
function failingBody(): Readable {
  return Readable.from(
    (async function* () {
      for (let i = 0; i < 12; i++) yield Buffer.alloc(MIB, i);
      throw new Error('download broke off');
    })(),
  );
}

const uploads = (dir: string) => readdir(join(dir, BUCKET, '._S3rver_uploads')).catch(() => []);

describe('local S3 multipart uploads', () => {
  it('an upload that fails is aborted: its parts are gone and the source error is what the caller sees', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'local-s3-'));
    const storage = await startLocalStorage(dir, BUCKET);
    const s3 = client(storage.endpoint);
    try {
      const upload = new Upload({
        client: s3,
        partSize: 5 * MIB,
        queueSize: 2,
        leavePartsOnError: false,
        params: { Bucket: BUCKET, Key: 'dixa/conversations/1/ab/file.bin', Body: failingBody() },
      });
      await expect(upload.done()).rejects.toThrow('download broke off');
      expect(await uploads(dir)).toEqual([]);
      await expect(
        s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dixa/conversations/1/ab/file.bin' })),
      ).rejects.toThrow();
    } finally {
      s3.destroy();
      await storage.stop();
    }
  });

  it('completes uploads as before, and says NoSuchUpload for an upload it does not have', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'local-s3-'));
    const storage = await startLocalStorage(dir, BUCKET);
    const s3 = client(storage.endpoint);
    try {
      const body = Buffer.alloc(11 * MIB, 7);
      await new Upload({
        client: s3,
        partSize: 5 * MIB,
        params: { Bucket: BUCKET, Key: 'k/big.bin', Body: body },
      }).done();
      const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k/big.bin' }));
      expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(body)).toBe(true);
      expect(await uploads(dir)).toEqual([]);
      await expect(
        s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'k/big.bin', UploadId: 'f'.repeat(32) })),
      ).rejects.toMatchObject({ name: 'NoSuchUpload' });
      await expect(
        s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'k/big.bin', UploadId: '../../x' })),
      ).rejects.toMatchObject({ name: 'NoSuchUpload' });
    } finally {
      s3.destroy();
      await storage.stop();
    }
  });

  it('removes the uploads of a process that died at the next start, and keeps the objects', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'local-s3-'));
    const first = await startLocalStorage(dir, BUCKET);
    const s3 = client(first.endpoint);
    await new Upload({ client: s3, params: { Bucket: BUCKET, Key: 'k/kept.txt', Body: 'kept' } }).done();
    s3.destroy();
    await first.stop();
    const orphan = join(dir, BUCKET, '._S3rver_uploads', 'a'.repeat(32));
    await mkdir(orphan, { recursive: true });
    await writeFile(join(orphan, '1'), Buffer.alloc(1024));

    const second = await startLocalStorage(dir, BUCKET);
    const s3again = client(second.endpoint);
    try {
      expect(await uploads(dir)).toEqual([]);
      const kept = await s3again.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'k/kept.txt' }));
      expect(await kept.Body!.transformToString()).toBe('kept');
    } finally {
      s3again.destroy();
      await second.stop();
    }
  });
});

describe('local S3 writes', () => {
  it('an object is visible only once its bytes are all on disk: a PUT cut off mid-body leaves nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'local-s3-'));
    const storage = await startLocalStorage(dir, BUCKET);
    try {
      const { port } = new URL(storage.endpoint);
      await new Promise<void>((resolve) => {
        const request = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'PUT',
          path: `/${BUCKET}/dixa/conversations/1/abc/record.json`,
          headers: { 'content-length': String(MIB), 'content-type': 'application/json' },
        });
        request.on('error', () => resolve());
        request.write(Buffer.alloc(MIB / 2, 1), () => setTimeout(() => request.destroy(), 200));
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(
        client(storage.endpoint).send(
          new GetObjectCommand({ Bucket: BUCKET, Key: 'dixa/conversations/1/abc/record.json' }),
        ),
      ).rejects.toMatchObject({ name: 'NoSuchKey' });
      const left = await readdir(join(dir, BUCKET), { recursive: true });
      expect(left.filter((f) => f.includes('record.json'))).toEqual([]);
    } finally {
      await storage.stop();
    }
  });
});
