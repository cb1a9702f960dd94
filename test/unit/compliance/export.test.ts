/** `get` when the bucket fails mid-download: nothing half-written is left, and the export says it is incomplete. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
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

it('removes the partial file and reports the export incomplete when a download breaks', async () => {
  const record = bucket.archive('4711', 'a/big.bin', 'x'.repeat(64), 'big.bin');
  const broken = new Readable({
    read() {
      this.push(Buffer.alloc(16, 1));
      this.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    },
  });
  bucket.mock.on(GetObjectCommand, { Key: record.key }).resolves({ Body: broken as never });

  const error = await exportConversation({ s3: bucket.client, bucket: BUCKET, prefix: PREFIX }, '4711', out).catch(
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as Error).message).toBe(
    `downloading big.bin failed (socket hang up); the export in ${out} is incomplete: it has no manifest.json`,
  );
  expect(await readdir(out)).toEqual([]);
});
