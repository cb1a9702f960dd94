/**
 * The local S3: s3rver, persisted under ARCHIVE_DIR/s3 (an object `k` of bucket `b` is the file
 * `s3/b/k._S3rver_object`, its metadata beside it), so the archive survives restarts. The bucket is created
 * when missing; an existing one is kept as it is.
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

/** The part of s3rver's (untyped, CommonJS) API local mode uses. */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (options: {
  address: string;
  port: number;
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
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    directory,
    async stop() {
      // close() waits for keep-alive sockets the SDK clients still hold; end them so shutdown is prompt.
      const closing = server.close();
      server.httpServer?.closeAllConnections();
      await closing;
    },
  };
}
