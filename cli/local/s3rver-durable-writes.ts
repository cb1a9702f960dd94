/**
 * s3rver answers a PutObject before its file is fully written (it resolves when the request body has been read,
 * not when the write stream has finished), and writes in place. A local mode killed right after a 200 could then
 * keep a truncated provenance record, which the archiver takes as "already archived" — a file silently lost.
 *
 * Local mode therefore replaces s3rver's FilesystemStore#putObject with one that writes the object to a temporary
 * file, then its md5 and metadata, and renames the object into place last: s3rver decides that an object exists by
 * its object file, so an object is visible only once complete, and a 200 means the bytes reached the file system
 * (which survives a killed process; not a power cut — no fsync).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}

interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
}

/** The temporary files' suffix: never ends in `._S3rver_object`, so s3rver never lists one as an object. */
export const PARTIAL_SUFFIX = '.partial';

let installed = false;

export function installDurableWrites(): void {
  if (installed) return;
  installed = true;
  const store = createRequire(import.meta.url)('s3rver/lib/stores/filesystem') as { prototype: FilesystemStore };
  store.prototype.putObject = async function putObject(this: FilesystemStore, object: S3rverObject) {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    const partialPath = `${objectPath}.${randomBytes(6).toString('hex')}${PARTIAL_SUFFIX}`;
    await mkdir(dirname(objectPath), { recursive: true });
    const md5 = createHash('md5');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    try {
      await pipeline(content, measure, createWriteStream(partialPath));
      const digest = md5.digest('hex');
      await this.putMetadata(object.bucket, object.key, object.metadata, digest);
      await rename(partialPath, objectPath);
      return { size, md5: digest };
    } catch (error) {
      await rm(partialPath, { force: true });
      throw error;
    }
  };
}

/** Removes the temporary files of writes a killed process never finished. */
export async function removePartialWrites(bucketDirectory: string): Promise<void> {
  const entries = await readdir(bucketDirectory, { recursive: true }).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((entry) => entry.endsWith(PARTIAL_SUFFIX))
      .map((entry) => rm(join(bucketDirectory, entry), { force: true })),
  );
}
