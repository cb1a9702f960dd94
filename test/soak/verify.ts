/**
 * What a drained soak run left behind, checked against the plan: every file byte-exact at its key with a record
 * that describes it, nothing else in the bucket, exactly the missing files on the dead-letter queue (each with
 * its reason), no job left on the queue or in the journal, no multipart upload left on s3rver's disk.
 */

import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { readBacklog } from '../../lambdas/aws/queue.ts';
import { mapLimit } from '../../lambdas/commons/map-limit.ts';
import { failureKey } from '../../lambdas/core/keys.ts';
import { parseRecord } from '../../lambdas/core/record.ts';
import { contentSha256 } from '../fakes/files-server.ts';
import type { PlannedFile } from './plan.ts';

/** A planned file as the pipeline should see it. */
export interface ExpectedFile {
  file: PlannedFile;
  /** Normalized link path (percent-encoded): the fake serves it, and generates its content from it. */
  path: string;
  /** Normalized URL: the job's url and the record's sourceUrl. */
  url: string;
  key: string;
}

export interface ArchiveCheck {
  expected: number;
  /** Object and record present, bytes = generator = record (size, sha256) = object metadata. */
  exact: number;
  bytes: number;
  /** `key: what is wrong` */
  corrupted: string[];
  missing: string[];
  /** Objects without their record: a partial or unfinished write. */
  unrecorded: string[];
  /** More than one object for a file, or any key that no file explains. */
  duplicated: string[];
}

export async function checkArchive(
  s3: S3Client,
  bucket: string,
  prefix: string,
  expected: ExpectedFile[],
  concurrency = 4,
): Promise<ArchiveCheck> {
  const listed = new Set(await listKeys(s3, bucket, `${prefix}/`));
  const present = expected.filter((e) => !e.file.missing);
  const check: ArchiveCheck = {
    expected: present.length,
    exact: 0,
    bytes: 0,
    corrupted: [],
    missing: [],
    unrecorded: [],
    duplicated: [],
  };
  const explained = new Set<string>();
  const folders = new Set<string>();
  for (const e of expected) {
    explained.add(e.key).add(`${e.key}.json`);
    // A file that does not exist is dead-lettered, and the archiver notes that in the conversation's ledger.
    const [csid, hash] = e.key.slice(`${prefix}/conversations/`.length).split('/');
    if (e.file.missing) explained.add(failureKey(prefix, csid!, hash!));
    folders.add(e.key.slice(0, e.key.lastIndexOf('/') + 1));
  }

  await mapLimit(expected, concurrency, async (e) => {
    const hasObject = listed.has(e.key);
    const hasRecord = listed.has(`${e.key}.json`);
    if (e.file.missing) {
      if (hasObject || hasRecord) check.duplicated.push(`${e.key}: archived although the file does not exist`);
      return;
    }
    if (!hasObject) {
      check.missing.push(`${e.key}: ${hasRecord ? 'record without its file' : 'not archived'}`);
      return;
    }
    if (!hasRecord) {
      check.unrecorded.push(`${e.key}: file without its provenance record`);
      return;
    }
    const problems = await compare(s3, bucket, e);
    if (problems.length > 0) check.corrupted.push(`${e.key}: ${problems.join('; ')}`);
    else {
      check.exact++;
      check.bytes += e.file.size;
    }
  });

  for (const key of listed) {
    if (explained.has(key)) continue;
    const folder = key.slice(0, key.lastIndexOf('/') + 1);
    check.duplicated.push(folders.has(folder) ? `${key}: a second object for one file` : `${key}: unexpected key`);
  }
  return check;
}

async function compare(s3: S3Client, bucket: string, e: ExpectedFile): Promise<string[]> {
  const problems: string[] = [];
  const [want, object, recordText] = await Promise.all([
    contentSha256(e.path, e.file.size),
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: e.key })).then(async (res) => ({
      ...(await digest(res.Body as Readable)),
      metadataSha256: res.Metadata?.sha256,
    })),
    s3
      .send(new GetObjectCommand({ Bucket: bucket, Key: `${e.key}.json` }))
      .then((res) => res.Body!.transformToString()),
  ]);
  if (object.size !== e.file.size) problems.push(`stored ${object.size} bytes, expected ${e.file.size}`);
  if (object.sha256 !== want) problems.push('stored bytes differ from the source');
  if (object.metadataSha256 !== undefined && object.metadataSha256 !== want)
    problems.push('x-amz-meta-sha256 differs from the source');
  try {
    const record = parseRecord(recordText);
    if (record.sha256 !== want) problems.push('record sha256 differs from the source');
    if (record.size !== e.file.size) problems.push(`record size ${record.size}, expected ${e.file.size}`);
    if (record.key !== e.key) problems.push('record names another key');
    if (record.sourceUrl !== e.url) problems.push('record names another source');
    if (record.conversationId !== String(e.file.csid)) problems.push('record names another conversation');
  } catch (error) {
    problems.push(`record unreadable: ${(error as Error).message}`);
  }
  return problems;
}

async function digest(body: Readable): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of body) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * Every key under `prefix`. ListObjects v1 with markers: s3rver's v2 continuation tokens use DES, which OpenSSL 3
 * refuses, so a v2 listing of more than 1000 keys fails there with InternalError.
 */
async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: marker }));
    const batch = (page.Contents ?? []).map((o) => o.Key!);
    keys.push(...batch);
    if (!page.IsTruncated || batch.length === 0) return keys;
    marker = batch.at(-1);
  }
}

export interface DeadLetterCheck {
  /** Files that do not exist: each must be dead-lettered. */
  expected: number;
  messages: number;
  /** Distinct files on the DLQ. */
  files: number;
  /** Missing files with no DLQ message. */
  absent: string[];
  /** Files on the DLQ that exist (transient faults must end archived). */
  unexpected: string[];
  /** Messages without failureReason, or not classed permanent. */
  withoutReason: number;
  reasons: Record<string, number>;
}

export async function checkDeadLetters(
  sqs: SQSClient,
  queueUrl: string,
  expected: ExpectedFile[],
): Promise<DeadLetterCheck> {
  const byUrl = new Map(expected.map((e) => [e.url, e]));
  const seen = new Map<string, number>();
  const check: DeadLetterCheck = {
    expected: expected.filter((e) => e.file.missing).length,
    messages: 0,
    files: 0,
    absent: [],
    unexpected: [],
    withoutReason: 0,
    reasons: {},
  };
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 3600, // each message once; the run ends before they return
        MessageAttributeNames: ['All'],
      }),
    );
    empty = Messages.length === 0 ? empty + 1 : 0;
    for (const message of Messages) {
      check.messages++;
      const reason = message.MessageAttributes?.failureReason?.StringValue;
      const failureClass = message.MessageAttributes?.failureClass?.StringValue;
      if (!reason || failureClass !== 'permanent') check.withoutReason++;
      const label = `${failureClass ?? '?'}: ${(reason ?? '(no reason)').replace(/127\.0\.0\.1:\d+/g, 'files host')}`;
      check.reasons[label] = (check.reasons[label] ?? 0) + 1;
      let url = '';
      try {
        url = String((JSON.parse(message.Body ?? '') as { url?: unknown }).url);
      } catch {
        // an unreadable body counts as unexpected below
      }
      seen.set(url, (seen.get(url) ?? 0) + 1);
    }
  }
  check.files = seen.size;
  for (const url of seen.keys()) {
    const e = byUrl.get(url);
    if (!e?.file.missing) check.unexpected.push(e ? e.key : `unknown job ${url.slice(0, 120)}`);
  }
  for (const e of expected) if (e.file.missing && !seen.has(e.url)) check.absent.push(e.key);
  return check;
}

/** Jobs on the queue not yet archived: visible, in flight and delayed. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  return (await readBacklog(sqs, queueUrl)).messages;
}

/** Journal entries (ARCHIVE_DIR/journal/*.json) by queue name. */
export async function journalByQueue(journalDir: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const names = await readdir(journalDir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const text = await readFile(join(journalDir, name), 'utf8').catch(() => '');
    let queue = 'unreadable';
    try {
      queue = String((JSON.parse(text) as { queue?: unknown }).queue);
    } catch {
      // counted as unreadable
    }
    counts[queue] = (counts[queue] ?? 0) + 1;
  }
  return counts;
}

export interface MultipartLeftover {
  uploadId: string;
  key: string;
  startedAt: number;
}

/**
 * Multipart uploads s3rver still holds (it has no ListMultipartUploads): one directory per upload under
 * `<storage>/<bucket>/._S3rver_uploads/`, removed only when the upload completes.
 */
export async function multipartLeftovers(storageDir: string, bucket: string): Promise<MultipartLeftover[]> {
  const dir = join(storageDir, bucket, '._S3rver_uploads');
  const ids = await readdir(dir).catch(() => [] as string[]);
  return Promise.all(
    ids.map(async (uploadId) => {
      const keyFile = join(dir, uploadId, 'key');
      const [key, info] = await Promise.all([
        readFile(keyFile, 'utf8').catch(() => '?'),
        stat(keyFile).catch(() => stat(join(dir, uploadId))),
      ]);
      return { uploadId, key, startedAt: info.mtimeMs };
    }),
  );
}
