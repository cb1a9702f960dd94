/** Streams an archived object through SHA-256 — into a file when asked — so memory never holds a whole file. */
import { createHash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Archive } from './archive.ts';

export interface Digest {
  sha256: string;
  bytes: number;
}

export interface HashOptions {
  /** Receives every byte as it is hashed (e.g. a file being written). */
  sink?: Writable;
  onBytes?: (bytes: number) => void;
}

export async function hashObject(archive: Archive, key: string, options: HashOptions = {}): Promise<Digest> {
  const response = await archive.s3.send(new GetObjectCommand({ Bucket: archive.bucket, Key: key }));
  const body = response.Body as Readable | undefined;
  if (!body) throw new Error(`S3 returned no body for ${key}`);
  const hash = createHash('sha256');
  let bytes = 0;
  async function* tap(source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      hash.update(chunk);
      bytes += chunk.length;
      options.onBytes?.(chunk.length);
      yield chunk;
    }
  }
  if (options.sink) {
    await pipeline(body, tap, options.sink);
  } else {
    for await (const _ of tap(body)) {
      // hashing is the point
    }
  }
  return { sha256: hash.digest('hex'), bytes };
}
