/**
 * Archives one file job: skip if its record exists, else stream the download through SHA-256 into S3, then
 * write the provenance record beside it. The record is written last and only once the file is complete, so
 * "record present" means "archived" — and that is what makes a redelivered job a no-op.
 *
 * An erasure is final (DESIGN.md invariant 9): the conversation's ledger is read before the download, again before
 * the record is written, and once more after it. `erase` writes its tombstone before it lists what to delete, so an
 * erasure and a job can never both miss each other: either the erasure's listing sees what the job stored, or the
 * job's last check sees the tombstone — and then the job removes every version at its keys and ends `erased`.
 *
 * A legal hold reaches files that arrive after it (Object Lock buckets): the ledger listing read before the download
 * also tells whether the conversation is held (its hold events' keys), and then the file and its record are created
 * under S3's legal hold. `hold add` writes its event before it lists what to hold, and `hold release` before it
 * lists what to free, so the same reasoning closes the race: the ledger read after the record either shows the
 * event, and the job brings its two objects in step with it, or the command's listing saw them.
 */
import { pipeline } from 'node:stream';
import type { SecretSource } from '../aws/secrets.ts';
import type { ArchiveStorage } from '../aws/storage.ts';
import type { Archive } from '../compliance/archive.ts';
import { isHeld } from '../compliance/holds.ts';
import { coversJob, type Ledger, readLedger } from '../compliance/ledger.ts';
import { deleteAllUnder } from '../compliance/versions.ts';
import type { FileJob } from '../core/job.ts';
import { failureKey, linkHash, objectKey, recordKey } from '../core/keys.ts';
import { normalizeLink } from '../core/links.ts';
import { type ArchivedFile, buildRecord } from '../core/record.ts';
import { ByteMeter } from './byte-meter.ts';
import { checksumCheck, checksumTap } from './checksum.ts';
import type { ArchiverConfig } from './config.ts';
import { chooseContentType } from './content-type.ts';
import { permanent, retryable } from './failures.ts';
import { openDownload } from './fetch-file.ts';

export interface ArchiveDeps {
  config: Pick<ArchiverConfig, 'files' | 'prefix' | 'bucket' | 'connectTimeoutMs' | 'idleTimeoutMs' | 'objectLock'> &
    Partial<Pick<ArchiverConfig, 'minBytesPerSecond' | 'throughputWindowMs' | 'maxDecodedRatio'>>;
  storage: ArchiveStorage;
  secrets: SecretSource;
}

/** When a job found its conversation erased (for its message's creation time). */
export type ErasedCheck = 'before-download' | 'before-record' | 'after-record';

export type ArchiveOutcome =
  | { status: 'duplicate'; key: string }
  /** The conversation was erased: nothing of this file is left at its keys (`removed` versions were deleted). */
  | { status: 'erased'; key: string; checked: ErasedCheck; removed: number }
  | {
      status: 'archived';
      key: string;
      size: number;
      sha256: string;
      /** false when an earlier or concurrent attempt had already stored the file: only the record was written. */
      uploaded: boolean;
      /** Whether the file and its record are under S3's legal hold (a held conversation, Object Lock bucket). */
      legalHold: boolean;
    };

export async function archiveFile(job: FileJob, deps: ArchiveDeps, deadline?: number): Promise<ArchiveOutcome> {
  const { config, storage } = deps;
  const link = normalizeLink(job.url, config.files);
  if (!link.ok) throw permanent('invalid-job', `invalid job link: ${link.reason}`);
  const key = objectKey(config.prefix, job.conversationId, link.path);
  const recordAt = recordKey(key);
  const erased = async (checked: ErasedCheck): Promise<ArchiveOutcome> => ({
    status: 'erased',
    key,
    checked,
    removed: await removeStored(deps, key),
  });

  const state = await fileState(job, recordAt, deps);
  if (state.erased) return erased('before-download');
  // S3's legal hold for a held conversation, whenever its files arrive; `false` with no Object Lock to set it.
  const holdOnCreate = config.objectLock && state.held;
  if (state.archived) {
    // An attempt that stored the record but failed to set the hold afterwards is finished here (idempotent).
    if (holdOnCreate) await setLegalHolds(deps, [key, recordAt], true);
    return { status: 'duplicate', key };
  }
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
  const tap = checksumTap(job.checksum); // Dixa's own checksum, when it published one: fails the stream on a mismatch
  pipeline([download.body, ...(tap ? [tap] : []), meter], () => {}); // errors reach the upload through `meter`

  let created: boolean;
  try {
    ({ created } = await storage.putFile({ key, body: meter, contentType, metadata, legalHold: holdOnCreate }));
  } catch (error) {
    // When the download broke, that is the cause; otherwise S3 failed and the download is abandoned.
    const cause = download.body.errored ?? tap?.errored ?? meter.errored ?? error;
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
      ...(download.encoding
        ? { contentEncoding: { encoding: download.encoding, encodedSize: download.wireBytes() } }
        : {}),
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

  if (coversJob(await ledgerOf(job, deps), job)) return erased('before-record');
  const dixaChecksum = checksumCheck(job.checksum, tap, file.sha256);
  if (dixaChecksum) file.dixaChecksum = dixaChecksum;
  const record = await storage.putIfAbsent(
    recordAt,
    `${JSON.stringify(buildRecord(job, file), null, 2)}\n`,
    'application/json',
    { legalHold: holdOnCreate },
  );
  const after = await ledgerOf(job, deps);
  if (coversJob(after, job)) return erased('after-record');
  const legalHold = config.objectLock
    ? await holdInStep(job, deps, after, [
        { key, held: created ? holdOnCreate : undefined },
        { key: recordAt, held: record.created ? holdOnCreate : undefined },
      ])
    : false;
  // A file that had failed for good (and was redriven, or came again by another road) is no longer a failure. The
  // ledger just read lists its marker, if any: no request of its own for the usual case, a file that never failed.
  const marker = failureKey(config.prefix, job.conversationId, linkHash(link.path));
  if (after.objects.some((object) => object.key === marker)) await storage.remove(marker);
  return { status: 'archived', key, size: file.size, sha256: file.sha256, uploaded: created, legalHold };
}

/**
 * What the archiver must know before it downloads: is the file archived (its record exists), does an erasure of the
 * conversation cover this job, and is the conversation held. One place, read in parallel, so the round trips can be
 * batched: the ledger's one listing answers both of the last two.
 */
export async function fileState(
  job: FileJob,
  recordAt: string,
  deps: ArchiveDeps,
): Promise<{ archived: boolean; erased: boolean; held: boolean }> {
  const [archived, ledger] = await Promise.all([deps.storage.exists(recordAt), ledgerOf(job, deps)]);
  return { archived, erased: coversJob(ledger, job), held: isHeld(ledger) };
}

const ledgerOf = (job: FileJob, deps: ArchiveDeps): Promise<Ledger> => readLedger(archiveOf(deps), job.conversationId);

/**
 * Brings S3's legal hold on what this job stored (`held`: as created, or undefined when another attempt created it)
 * in step with the ledger read after the record. Setting a hold is always safe; clearing one is checked once more,
 * since a `hold add` may have written its event and held these objects just before they were cleared. Returns
 * whether they are held.
 */
async function holdInStep(
  job: FileJob,
  deps: ArchiveDeps,
  after: Ledger,
  stored: { key: string; held: boolean | undefined }[],
): Promise<boolean> {
  const held = isHeld(after);
  const differ = stored.filter((object) => object.held !== held).map((object) => object.key);
  if (differ.length === 0) return held;
  await setLegalHolds(deps, differ, held);
  if (held || !isHeld(await ledgerOf(job, deps))) return held;
  await setLegalHolds(deps, differ, true);
  return true;
}

async function setLegalHolds(deps: ArchiveDeps, keys: string[], on: boolean): Promise<void> {
  try {
    await Promise.all(keys.map((key) => deps.storage.setLegalHold(key, on)));
  } catch (error: unknown) {
    throw retryable('legal-hold', `could not ${on ? 'set' : 'clear'} the legal hold: ${(error as Error).message}`);
  }
}

/**
 * Deletes every version in the file's folder (`<csid>/<linkHash>/`: the file and its record, nothing else — the key
 * is a function of the file's identity). All of it is this file of an erased conversation, whichever attempt stored it.
 */
async function removeStored(deps: ArchiveDeps, key: string): Promise<number> {
  const archive = archiveOf(deps);
  const folder = key.slice(0, key.lastIndexOf('/') + 1);
  try {
    return await deleteAllUnder(archive.s3, archive.bucket, [folder]);
  } catch (error: unknown) {
    throw retryable(
      'erased-cleanup',
      `could not remove the stored file of an erased conversation: ${(error as Error).message}`,
    );
  }
}

export const archiveOf = (deps: ArchiveDeps): Archive => ({
  s3: deps.storage.s3,
  bucket: deps.storage.bucket,
  prefix: deps.config.prefix,
});
