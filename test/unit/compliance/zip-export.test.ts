/**
 * The streamed zip export: files under `<csid>/<name>`, the manifest last, every byte hashed on the way; a file that
 * does not match is named in the manifest; a broken S3 read leaves no valid zip; memory does not grow with file size.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../lambdas/commons/errors.ts';
import { writeZipExport, ZIP_MANIFEST_NAME, type ZipManifest } from '../../../lambdas/compliance/zip-export.ts';
import { conversationPrefix, recordKey } from '../../../lambdas/core/keys.ts';
import { unzip } from '../../fixtures/unzip.ts';
import { BUCKET, PREFIX, VersionedBucket } from './versioned-bucket.ts';

let bucket: VersionedBucket;
const archive = () => ({ s3: bucket.client, bucket: BUCKET, prefix: PREFIX });
const NOW = new Date('2026-12-01T10:00:00Z');

beforeEach(() => {
  bucket = new VersionedBucket();
  bucket.objectLock = false;
});
afterEach(() => bucket.restore());

async function zipToBuffer(ids: string[], request?: Record<string, unknown>) {
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const manifest = await writeZipExport(archive(), ids, sink, { ...(request ? { request } : {}), now: () => NOW });
  return { manifest, zip: Buffer.concat(chunks) };
}

describe('writeZipExport', () => {
  it("puts each conversation's files under its csid with the names they came with, and the manifest last", async () => {
    const a = bucket.archive('4711', 'x1/invoice.pdf', 'first invoice', 'invoice.pdf');
    const b = bucket.archive('4711', 'x2/other.pdf', 'second, same name', 'Invoice.pdf');
    const c = bucket.archive('4711', 'x3/p', 'not a traversal', '../../etc/passwd');
    const d = bucket.archive('4712', 'y1/call.mp3', 'ring ring');

    const { manifest, zip } = await zipToBuffer(['4711', '4712'], { email: 'ann@example.com' });
    const entries = await unzip(zip);

    const paths = [...entries.keys()];
    expect(paths.at(-1)).toBe(ZIP_MANIFEST_NAME);
    // Key order decides which of the two invoices gets " (2)"; the names are unique on any file system either way.
    expect(paths.map((p) => p.toLowerCase()).sort()).toEqual([
      '4711/_._etc_passwd',
      '4711/invoice (2).pdf',
      '4711/invoice.pdf',
      '4712/call.mp3',
      ZIP_MANIFEST_NAME,
    ]);
    const inside = JSON.parse(entries.get(ZIP_MANIFEST_NAME)!.toString()) as ZipManifest;
    expect(inside).toEqual(JSON.parse(JSON.stringify(manifest)));
    expect(inside).toMatchObject({
      manifestVersion: 1,
      exportedAt: NOW.toISOString(),
      bucket: BUCKET,
      prefix: PREFIX,
      request: { email: 'ann@example.com' },
      complete: true,
    });
    expect(inside.conversations.map((c) => [c.conversationId, c.folder, c.problems])).toEqual([
      ['4711', '4711', []],
      ['4712', '4712', []],
    ]);
    const records = new Map(inside.conversations.flatMap((c) => c.files.map((f) => [f.file, f.record])));
    expect([...records.keys()].sort()).toEqual(paths.slice(0, -1).sort());
    expect(new Set(records.values())).toEqual(new Set([a, b, c, d]));
    for (const [path, record] of records) {
      expect(createHash('sha256').update(entries.get(path)!).digest('hex')).toBe(record.sha256);
    }
    expect(entries.get('4712/call.mp3')!.toString()).toBe('ring ring');
  });

  it('names a file whose bytes do not match its record, and leaves out one without a usable record', async () => {
    const good = bucket.archive('4711', 'x1/good.txt', 'good', 'good.txt');
    const bad = bucket.archive('4711', 'x2/bad.txt', 'original', 'bad.txt');
    bucket.put(bad.key, Buffer.from('tampered')); // same size, other bytes
    const lone = bucket.archive('4711', 'x3/lone.txt', 'no record', 'lone.txt');
    bucket.put(recordKey(lone.key), Buffer.from('{ not json'));

    const { manifest, zip } = await zipToBuffer(['4711']);
    const entries = await unzip(zip);

    expect([...entries.keys()].sort()).toEqual(['4711/bad.txt', '4711/good.txt', ZIP_MANIFEST_NAME]);
    expect(manifest.complete).toBe(false);
    const [conversation] = manifest.conversations;
    expect(conversation!.files.map((f) => [f.file, f.record]).sort()).toEqual([
      ['4711/bad.txt', bad],
      ['4711/good.txt', good],
    ]);
    expect(conversation!.problems.map((p) => [p.name, p.problem]).sort()).toEqual([
      ['bad.txt', 'sha256-mismatch'],
      ['lone.txt', 'unreadable-record'],
    ]);
    expect(conversation!.problems.find((p) => p.name === 'bad.txt')!.detail).toMatch(
      /the zip holds it as 4711\/bad\.txt$/,
    );
  });

  it('answers a conversation with nothing archived with an empty, complete entry', async () => {
    const { manifest, zip } = await zipToBuffer(['999']);
    const entries = await unzip(zip);
    expect([...entries.keys()]).toEqual([ZIP_MANIFEST_NAME]);
    expect(manifest.request).toEqual({ conversations: ['999'] });
    expect(manifest.conversations).toEqual([{ conversationId: '999', folder: '999', files: [], problems: [] }]);
  });

  it('stops with the file named and leaves no valid zip when S3 breaks mid-file', async () => {
    bucket.archive('4711', 'x1/a.txt', 'first', 'a.txt');
    const big = bucket.archive('4711', 'x2/big.bin', 'x'.repeat(64), 'big.bin');
    const broken = new Readable({
      read() {
        this.push(Buffer.alloc(16, 1));
        this.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      },
    });
    bucket.mock.on(GetObjectCommand, { Key: big.key }).resolves({ Body: broken as never });
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    sink.on('error', () => {});

    const error = await writeZipExport(archive(), ['4711'], sink).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe('the zip export stopped at big.bin: socket hang up');
    expect(sink.destroyed).toBe(true);
    await expect(unzip(Buffer.concat(chunks))).rejects.toThrow();
  });

  it('streams a large recording through without holding it in memory', async () => {
    const MiB = 1024 * 1024;
    const size = 192 * MiB;
    const chunk = Buffer.alloc(MiB, 0x5a);
    const sha256 = createHash('sha256');
    for (let i = 0; i < size / MiB; i++) sha256.update(chunk);
    const key = `${conversationPrefix(PREFIX, '4711')}0123456789abcdef/call.mp3`;
    const record = {
      ...bucket.archive('1', 'unused', 'x'),
      key,
      conversationId: '4711',
      kind: 'recording',
      originalName: 'call.mp3',
      contentType: 'audio/mpeg',
      size,
      sha256: sha256.digest('hex'),
    };
    bucket.mock.on(ListObjectsV2Command, { Prefix: conversationPrefix(PREFIX, '4711') }).resolves({
      Contents: [
        { Key: key, Size: size },
        { Key: recordKey(key), Size: 600 },
      ],
    });
    bucket.mock.on(GetObjectCommand, { Key: recordKey(key) }).callsFake(() => ({
      Body: Object.assign(Readable.from([]), { transformToString: async () => JSON.stringify(record) }),
    }));
    let produced = 0;
    bucket.mock.on(GetObjectCommand, { Key: key }).callsFake(() => ({
      Body: new Readable({
        read() {
          this.push(produced < size ? chunk : null);
          produced += MiB;
        },
      }),
    }));

    const baseline = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let written = 0;
    const sink = new Writable({
      write(data: Buffer, _encoding, done) {
        written += data.length;
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
        setImmediate(done); // a consumer slower than the producer: backpressure must hold the source back
      },
    });
    const manifest = await writeZipExport(archive(), ['4711'], sink);

    expect(manifest.complete).toBe(true);
    expect(manifest.conversations[0]!.files.map((f) => f.file)).toEqual(['4711/call.mp3']);
    expect(written).toBeGreaterThan(size); // stored, not deflated: audio is already compressed
    expect(written).toBeLessThan(size + 64 * 1024);
    expect(peak).toBeLessThan(48 * MiB);
  });
});
