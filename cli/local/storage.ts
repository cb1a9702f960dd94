/**
 * The local S3: s3rver, persisted under ARCHIVE_DIR/s3 (an object `k` of bucket `b` is the file
 * `s3/b/k._S3rver_object`, its metadata beside it), so the archive survives restarts. The bucket is created
 * when missing; an existing one is kept as it is.
 *
 * s3rver keeps a multipart upload's parts in `s3/b/._S3rver_uploads/<uploadId>/` until it completes, and does not
 * implement AbortMultipartUpload (it answers 405 and keeps them). Local mode answers that call itself, so an
 * archive attempt that fails mid-upload leaves nothing behind, as on S3; and at start it removes the uploads of a
 * process that died (nothing can complete them: the bucket lifecycle rule's job on S3). Objects are written
 * whole before they are acknowledged (s3rver-durable-writes.ts).
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { installDurableWrites, removePartialWrites } from './s3rver-durable-writes.ts';

/** The part of s3rver's (untyped, CommonJS; a Koa app) API local mode uses. */
interface S3rverInstance {
  configureBuckets(): Promise<unknown>;
  callback(): RequestListener;
}
type S3rverClass = new (options: {
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

export interface LocalStorage {
  endpoint: string;
  directory: string;
  stop(): Promise<void>;
}

export async function startLocalStorage(directory: string, bucket: string, port = 0): Promise<LocalStorage> {
  await mkdir(directory, { recursive: true });
  installDurableWrites();
  await removePartialWrites(join(directory, bucket));
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket }] });
  await s3rver.configureBuckets();
  await rm(uploadsDir(directory, bucket), { recursive: true, force: true });
  // Our own HTTP server around s3rver's request handler: s3rver's run() never settles when the port is taken.
  const server = createServer(withAbortMultipartUpload(directory, s3rver.callback()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    directory,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // close() would wait for the keep-alive sockets the SDK clients hold; end them so shutdown is prompt.
        server.closeAllConnections();
      }),
  };
}

const uploadsDir = (directory: string, bucket: string) => join(directory, bucket, '._S3rver_uploads');

/** `DELETE /<bucket>/<key>?uploadId=<id>` (AbortMultipartUpload) removes the upload's parts; the rest goes to s3rver. */
export function withAbortMultipartUpload(directory: string, s3rver: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const uploadId = url.searchParams.get('uploadId');
    if (req.method !== 'DELETE' || uploadId === null) return s3rver(req, res);
    const bucket = decodeURIComponent(url.pathname.split('/')[1] ?? '');
    // s3rver's upload ids are 32 hex digits; anything else names no upload (and no path outside the bucket).
    if (!/^[0-9a-f]{32}$/.test(uploadId) || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      return noSuchUpload(res);
    }
    const dir = join(uploadsDir(directory, bucket), uploadId);
    void stat(dir)
      .then(async () => {
        await rm(dir, { recursive: true, force: true });
        res.writeHead(204).end();
      })
      .catch(() => noSuchUpload(res));
  };
}

function noSuchUpload(res: ServerResponse): void {
  res
    .writeHead(404, { 'content-type': 'application/xml' })
    .end(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code>' +
        '<Message>The specified multipart upload does not exist.</Message></Error>',
    );
}
