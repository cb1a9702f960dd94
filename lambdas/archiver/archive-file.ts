/**
 * Archives one file job: skip if its record exists, else stream the download through SHA-256 into S3, then
 * write the provenance record beside it. The record is written last and only once the file is complete, so
 * "record present" means "archived" — and that is what makes a redelivered job a no-op.
 */
import { pipeline } from 'node:stream';
import type { SecretSource } from '../aws/secrets.ts';
import type { ArchiveStorage } from '../aws/storage.ts';
import type { FileJob } from '../core/job.ts';
import { linkHash, objectKey, recordKey } from '../core/keys.ts';
import { normalizeLink } from '../core/links.ts';
import { type ArchivedFile, buildRecord } from '../core/record.ts';
import { ByteMeter } from './byte-meter.ts';
import type { ArchiverConfig } from './config.ts';
import { chooseContentType } from './content-type.ts';
import { permanent, retryable } from './failures.ts';
import { openDownload } from './fetch-file.ts';

export interface ArchiveDeps {
  config: Pick<ArchiverConfig, 'files' | 'prefix' | 'bucket' | 'connectTimeoutMs' | 'idleTimeoutMs'>;
  storage: ArchiveStorage;
  secrets: SecretSource;
}

export type ArchiveOutcome =
  | { status: 'duplicate'; key: string }
  | {
      status: 'archived';
      key: string;
      size: number;
      sha256: string;
      /** false when an earlier or concurrent attempt had already stored the file: only the record was written. */
      uploaded: boolean;
    };

export async function archiveFile(job: FileJob, deps: ArchiveDeps, deadline?: number): Promise<ArchiveOutcome> {
  const { config, storage } = deps;
  const link = normalizeLink(job.url, config.files);
  if (!link.ok) throw permanent('invalid-job', `invalid job link: ${link.reason}`);
  const key = objectKey(config.prefix, job.conversationId, link.path);
  const recordAt = recordKey(key);

  if (await storage.exists(recordAt)) return { status: 'duplicate', key };
  if (deadline !== undefined && Date.now() > deadline) {
    throw retryable('deadline', 'not enough time left in this invocation to start a download');
  }

  const fetchedAt = new Date();
  const download = await openDownload({ url: link.url, visibility: job.visibility, deadline }, config, deps.secrets);
  const contentType = chooseContentType(download.contentType, {
    contentType: job.contentType,
    names: [job.name, key.slice(key.lastIndexOf('/') + 1)],
  });
  const metadata: Record<string, string> = {
    'conversation-id': job.conversationId,
    kind: job.kind,
    'source-link-hash': linkHash(link.path),
  };
  const meter = new ByteMeter({
    // Known only at the very end: in time for a single PUT, too late for a multipart upload (see storage.ts).
    onComplete: ({ sha256 }) => {
      if (sha256) metadata.sha256 = sha256;
    },
  });
  pipeline(download.body, meter, () => {}); // errors reach the upload through `meter`

  let created: boolean;
  try {
    ({ created } = await storage.putFile({ key, body: meter, contentType, metadata }));
  } catch (error) {
    // When the download broke, that is the cause; otherwise S3 failed and the download is abandoned.
    const cause = download.body.errored ?? meter.errored ?? error;
    meter.destroy();
    download.body.destroy();
    throw cause;
  }

  let file: ArchivedFile;
  if (created) {
    if (meter.sha256 === undefined) throw retryable('incomplete', 'upload finished before the download did');
    file = {
      key,
      bucket: config.bucket,
      contentType,
      size: meter.bytes,
      sha256: meter.sha256,
      fetchedAt,
      archivedAt: new Date(),
    };
  } else {
    // An earlier attempt (one that stopped before its record) or a concurrent one stored the file first. The
    // record must describe the bytes actually at the key, so hash those rather than trust our own download.
    download.body.destroy();
    const stored = await storage.digest(key);
    file = {
      key,
      bucket: config.bucket,
      contentType: stored.contentType ?? contentType,
      size: stored.size,
      sha256: stored.sha256,
      fetchedAt,
      archivedAt: new Date(),
    };
  }

  await storage.putIfAbsent(recordAt, `${JSON.stringify(buildRecord(job, file), null, 2)}\n`, 'application/json');
  return { status: 'archived', key, size: file.size, sha256: file.sha256, uploaded: created };
}
