/**
 * A 300 MiB recording, generated on the fly by the fake (nothing on disk but s3rver's copy), streamed through
 * the archiver in 8 MiB parts: byte-exact in S3, the right SHA-256 in its record, memory bounded (see
 * bench/archiver-memory.ts for the measured peak). Nothing here holds the file in memory.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { contentSha256 } from '../fakes/files-server.ts';
import { BUCKET, fileJob, type Harness, MIB, startHarness } from './archiver-harness.ts';

const SIZE = 300 * MIB;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ partSizeMiB: 8, queueSize: 4, idleTimeoutMs: 5_000 });
});
afterAll(async () => {
  await h?.close();
});

it('archives a 300 MiB private recording byte-exact, in bounded memory', { timeout: 120_000 }, async () => {
  const path = '/private/org-1/recordings/call-300mib.mp3';
  const job = fileJob(h.files.addFile(path, { size: SIZE, contentType: 'audio/mpeg' }), { kind: 'recording' });
  const expected = await contentSha256(path, SIZE);

  const response = await h.deliver({ job });
  expect(response.batchItemFailures).toEqual([]);
  h.files.assertNoLeaks();

  const record = await h.record(job);
  expect(record).toMatchObject({ size: SIZE, sha256: expected, contentType: 'audio/mpeg', kind: 'recording' });

  const object = await h.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: h.keyOf(job) }));
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of object.Body as Readable) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  expect(size).toBe(SIZE);
  expect(hash.digest('hex')).toBe(expected);
});
