/** `get` when the bucket fails mid-download, or holds nothing: no folder, file or manifest is left to trip a rerun. */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { UserError } from '../../../lambdas/commons/errors.ts';
import { exportConversation } from '../../../lambdas/compliance/export.ts';
import { BUCKET, PREFIX, VersionedBucket } from './versioned-bucket.ts';

let bucket: VersionedBucket;
let out: string;

beforeEach(async () => {
  bucket = new VersionedBucket();
  bucket.objectLock = false;
  out = await mkdtemp(join(tmpdir(), 'export-'));
});
afterEach(async () => {
  bucket.restore();
  await rm(out, { recursive: true, force: true });
});

function breakDownloadOf(key: string) {
  const broken = new Readable({
    read() {
      this.push(Buffer.alloc(16, 1));
      this.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    },
  });
  bucket.mock.on(GetObjectCommand, { Key: key }).resolves({ Body: broken as never });
}

const archive = () => ({ s3: bucket.client, bucket: BUCKET, prefix: PREFIX });

it('removes what it wrote into the empty folder it was given when a download breaks, so a rerun can start', async () => {
  bucket.archive('4711', 'a/small.txt', 'fine', 'small.txt');
  const record = bucket.archive('4711', 'b/big.bin', 'x'.repeat(64), 'big.bin');
  breakDownloadOf(record.key);

  const error = await exportConversation(archive(), '4711', out).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  expect((error as Error).message).toBe(
    `downloading big.bin failed (socket hang up); nothing was kept in ${out}: run the same command again`,
  );
  expect(await readdir(out)).toEqual([]);
});

it('removes the folder it created when a download breaks', async () => {
  const record = bucket.archive('4711', 'a/big.bin', 'x'.repeat(64), 'big.bin');
  breakDownloadOf(record.key);
  const created = join(out, 'new', 'export');
  await expect(exportConversation(archive(), '4711', created)).rejects.toThrow(UserError);
  await expect(stat(join(out, 'new'))).rejects.toMatchObject({ code: 'ENOENT' });
});

it('writes nothing at all, no folder and no manifest, for a conversation with nothing archived', async () => {
  const created = join(out, 'export');
  const result = await exportConversation(archive(), '4711', created);
  expect(result).toEqual({ conversationId: '4711', files: [], findings: [] });
  await expect(stat(created)).rejects.toMatchObject({ code: 'ENOENT' });
});
