/**
 * The local S3: s3rver, persisted under ARCHIVE_DIR/s3 (an object `k` of bucket `b` is the file
 * `s3/b/k._S3rver_object`, its metadata beside it), so the archive survives restarts. The bucket is created
 * when missing; an existing one is kept as it is.
 */
import { mkdir } from 'node:fs/promises';
import { createServer, type RequestListener } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

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
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket }] });
  await s3rver.configureBuckets();
  // Our own HTTP server around s3rver's request handler: s3rver's run() never settles when the port is taken.
  const server = createServer(s3rver.callback());
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
