/**
 * The local S3 the benchmark writes to: s3rver (the same emulator the integration tests use), storing objects in
 * a scratch directory on the fastest disk available (tmpfs /dev/shm when it has room), deleted afterwards.
 *
 * By default s3rver runs in a child process: the process being measured then does only what it does in Lambda
 * (S3 is another machine there). `startInProcessS3` runs it inside the measured process instead, to show what
 * sharing one event loop with the storage server costs.
 */
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { forkChild, serveUntilStopped } from './child.ts';

/** The credentials s3rver accepts. */
export const S3RVER_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

export interface ScratchDirectory {
  path: string;
  /** e.g. "tmpfs (/dev/shm)" or "disk (/tmp)" */
  medium: string;
  remove(): void;
}

/** A fresh directory on /dev/shm if it has `neededBytes` free, else in the OS temp dir. */
export function scratchDirectory(neededBytes: number): ScratchDirectory {
  const candidates: [string, string][] = [
    ['/dev/shm', 'tmpfs (/dev/shm)'],
    [tmpdir(), `disk (${tmpdir()})`],
  ];
  for (const [base, medium] of candidates) {
    let free: number;
    try {
      const stats = statfsSync(base);
      free = stats.bavail * stats.bsize;
    } catch {
      continue;
    }
    if (free < neededBytes && base !== tmpdir()) continue;
    const path = mkdtempSync(join(base, 'dixa-bench-s3-'));
    return { path, medium, remove: () => rmSync(path, { recursive: true, force: true }) };
  }
  throw new Error('no scratch directory available');
}

export interface LocalS3 {
  endpoint: string;
  /** The child process serving it (undefined when in-process). */
  pid?: number;
  stop(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

/** s3rver on 127.0.0.1, port 0, in this process. */
export async function startInProcessS3(directory: string, buckets: string[]): Promise<LocalS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as new (options: object) => S3rverInstance;
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => server.close() };
}

/** s3rver in a child process; it removes nothing itself: the directory belongs to the caller. */
export async function startLocalS3(directory: string, buckets: string[]): Promise<LocalS3> {
  // s3rver's ListObjectsV2 continuation tokens use DES, which OpenSSL 3 keeps in its legacy provider (past 1,000 keys).
  const child = await forkChild<{ endpoint: string }>(new URL(import.meta.url), ['--serve', directory, ...buckets], {
    NODE_OPTIONS: '--openssl-legacy-provider',
  });
  return { endpoint: child.info.endpoint, pid: child.process.pid, stop: child.stop };
}

/** Deletes every object in `bucket` (after each measurement, so the scratch disk never holds more than one run). */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1000 }));
    const keys = (listed.Contents ?? []).flatMap((object) => (object.Key ? [{ Key: object.Key }] : []));
    if (keys.length === 0) return deleted;
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    deleted += keys.length;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--serve') {
  const [directory, ...buckets] = process.argv.slice(3);
  if (!directory) throw new Error('usage: local-s3.ts --serve <directory> <bucket>...');
  const s3 = await startInProcessS3(directory, buckets);
  serveUntilStopped({ endpoint: s3.endpoint }, () => s3.stop());
}
