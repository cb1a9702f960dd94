/**
 * An access request's files as one zip, written to a stream as it is read from S3: every conversation's files under
 * `<csid>/<name they came with>`, then `manifest.json` with every file's provenance record. One file is read at a
 * time and never held whole (a 2 GiB recording passes through in chunks); each is hashed on the way and compared
 * with its record. Bytes already sent cannot be taken back, so a file that turns out not to match stays in the zip
 * and the manifest names it as a problem (`complete: false`). If S3 fails mid-way the output stream is destroyed:
 * the zip then has no central directory and no unzip tool accepts it as whole.
 */
import { createHash } from 'node:crypto';
import { type Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import yazl from 'yazl';
import { UserError } from '../commons/errors.ts';
import { sanitizeName } from '../core/keys.ts';
import { type Archive, type ArchiveEntry, displayName, readConversation } from './archive.ts';
import { type RequestManifest, type RequestManifestConversation, uniqueName } from './export.ts';
import { digestFinding, entryFinding, type Finding } from './findings.ts';
import { describeS3Error } from './s3-errors.ts';

export const ZIP_MANIFEST_NAME = 'manifest.json';

/** The zip's manifest has the shape of a folder export's top-level manifest (export.ts): one format for both. */
export type ZipManifestConversation = RequestManifestConversation;
export type ZipManifest = RequestManifest;

export interface ZipExportOptions {
  request?: Record<string, unknown>;
  onBytes?: (bytes: number) => void;
  now?: () => Date;
}

/** Media and archives are stored as they are (deflating them costs CPU and saves nothing); the rest is deflated. */
const ALREADY_COMPRESSED = /^(image|audio|video)\/|pdf|zip|compressed|x-7z|x-rar|gzip|bzip/i;

export async function writeZipExport(
  archive: Archive,
  conversationIds: readonly string[],
  out: Writable,
  options: ZipExportOptions = {},
): Promise<ZipManifest> {
  const now = options.now ?? (() => new Date());
  const zip = new yazl.ZipFile();
  const failed = new Promise<never>((_, reject) => zip.once('error', reject));
  const written = pipeline(zip.outputStream as Readable, out);
  for (const pending of [failed, written]) pending.catch(() => {}); // awaited below; never unhandled meanwhile
  const manifest: ZipManifest = {
    manifestVersion: 1,
    bucket: archive.bucket,
    prefix: archive.prefix,
    exportedAt: now().toISOString(),
    request: options.request ?? { conversations: conversationIds },
    complete: true,
    conversations: [],
  };
  try {
    for (const conversationId of conversationIds) {
      const part = await Promise.race([
        addConversation(archive, zip, conversationId, options.onBytes ?? (() => {})),
        failed,
        written.then(() => Promise.reject(new Error('the output stream closed early'))),
      ]);
      manifest.conversations.push(part);
      manifest.complete &&= part.problems.length === 0;
    }
  } catch (error: unknown) {
    const reason =
      error instanceof UserError ? error : new UserError(`the zip export stopped: ${describeS3Error(error)}`);
    (zip.outputStream as Readable).destroy(reason);
    out.destroy(reason);
    throw reason;
  }
  zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), ZIP_MANIFEST_NAME, { mtime: now() });
  zip.end();
  await Promise.race([written, failed]);
  return manifest;
}

async function addConversation(
  archive: Archive,
  zip: yazl.ZipFile,
  conversationId: string,
  onBytes: (bytes: number) => void,
): Promise<ZipManifestConversation> {
  const entries = await readConversation(archive, conversationId);
  const part: ZipManifestConversation = { conversationId, folder: conversationId, files: [], problems: [] };
  const taken = new Set<string>();
  for (const entry of entries) {
    const early = entryFinding(entry);
    if (early) {
      part.problems.push(early);
      continue;
    }
    const path = `${part.folder}/${uniqueName(sanitizeName(displayName(entry)), taken)}`;
    const { included, finding } = await addFile(archive, zip, entry, path, onBytes);
    if (included) part.files.push({ file: path, record: entry.record! });
    if (finding) {
      part.problems.push(included ? { ...finding, detail: `${finding.detail}; the zip holds it as ${path}` } : finding);
    }
  }
  return part;
}

/** Adds one file and resolves once all of its bytes went into the zip, with a finding when they do not match. */
async function addFile(
  archive: Archive,
  zip: yazl.ZipFile,
  entry: ArchiveEntry,
  path: string,
  onBytes: (bytes: number) => void,
): Promise<{ included: boolean; finding?: Finding | undefined }> {
  const record = entry.record!;
  let body: Readable | undefined;
  try {
    const response = await archive.s3.send(new GetObjectCommand({ Bucket: archive.bucket, Key: entry.key }));
    body = response.Body as Readable | undefined;
  } catch (error: unknown) {
    if ((error as Error).name === 'NoSuchKey') {
      const gone = entryFinding({ ...entry, file: undefined })!;
      return { included: false, finding: { ...gone, detail: `the file ${entry.key} disappeared` } };
    }
    throw new UserError(`the zip export stopped at ${displayName(entry)}: ${describeS3Error(error)}`);
  }
  if (!body) throw new UserError(`the zip export stopped at ${displayName(entry)}: S3 returned no body`);
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  const read = pipeline(body, tap);
  zip.addReadStreamLazy(
    path,
    { mtime: new Date(record.archivedAt), compress: !ALREADY_COMPRESSED.test(record.contentType) },
    (callback) => callback(null, tap),
  );
  // The tap ends once yazl has read it all (yazl pulls entries one after another, so one file is in flight).
  try {
    await Promise.all([read, new Promise((resolve, reject) => tap.once('end', resolve).once('error', reject))]);
  } catch (error: unknown) {
    throw new UserError(`the zip export stopped at ${displayName(entry)}: ${describeS3Error(error)}`);
  }
  return { included: true, finding: digestFinding(entry, { sha256: hash.digest('hex'), bytes }) };
}
