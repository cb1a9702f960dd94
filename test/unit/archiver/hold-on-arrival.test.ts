/**
 * Held on arrival: the archiver itself (archiveFile, real downloads from the fake files host) storing into an
 * in-memory versioned Object Lock bucket. A file of a held conversation is created under S3's legal hold, its record
 * too; a hold placed, or released, while a download is in flight is caught by the check after the record; a hold
 * placed just as the job clears one is caught by the check after that; without Object Lock nothing is asked of S3.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ArchiveDeps, archiveFile } from '../../../lambdas/archiver/archive-file.ts';
import { ArchiveStorage } from '../../../lambdas/aws/storage.ts';
import { planErasure, refusal } from '../../../lambdas/compliance/erase.ts';
import { placeHolds, releaseHolds } from '../../../lambdas/compliance/holds.ts';
import type { FileJob } from '../../../lambdas/core/job.ts';
import { objectKey, recordKey } from '../../../lambdas/core/keys.ts';
import { normalizeLink, parseFilesBaseUrl } from '../../../lambdas/core/links.ts';
import { type Fault, type FilesServer, startFilesServer } from '../../fakes/files-server.ts';
import { HOLD_ARRIVAL_API_TOKEN } from '../../fakes/test-secrets.ts';
import { BUCKET, PREFIX, VersionedBucket } from '../compliance/versioned-bucket.ts';

const TOKEN = HOLD_ARRIVAL_API_TOKEN;
const PART = 1024;
let files: FilesServer;
let bucket: VersionedBucket;
let n = 0;

beforeAll(async () => {
  files = await startFilesServer({ token: TOKEN });
});
afterAll(async () => {
  await files.close();
});
beforeEach(() => {
  bucket = new VersionedBucket();
});
afterEach(() => {
  bucket.restore();
  files.assertNoLeaks();
});

const archive = () => ({ s3: bucket.client, bucket: BUCKET, prefix: PREFIX });
const deps = (objectLock = true): ArchiveDeps => ({
  config: {
    files: parseFilesBaseUrl(files.baseUrl),
    bucket: BUCKET,
    prefix: PREFIX,
    connectTimeoutMs: 1_000,
    idleTimeoutMs: 1_000,
    objectLock,
  },
  // Small parts, so a file of a few KiB is a multipart upload.
  storage: new ArchiveStorage(bucket.client, BUCKET, { partSizeBytes: PART, queueSize: 2 }),
  secrets: { get: async () => ({ apiToken: TOKEN, webhookSecret: 'aa' }) },
});

function newFile(conversationId: string, size = 300, faults: Fault[] = []) {
  const path = `/private/org/${++n}/file-${n}.pdf`;
  const url = files.addFile(path, { size, faults });
  const job: FileJob = { v: 1, url, visibility: 'private', kind: 'attachment', conversationId, source: 'webhook' };
  const link = normalizeLink(url, parseFilesBaseUrl(files.baseUrl));
  if (!link.ok) throw new Error(link.reason);
  const key = objectKey(PREFIX, conversationId, link.path);
  return { job, key, record: recordKey(key) };
}

const request = (matter: string) => ({ matter, reason: 'litigation', by: 'tester' });
const legalHoldOf = (key: string) => bucket.latest(key)?.legalHold;
const legalHoldCalls = () => bucket.mock.commandCalls(PutObjectLegalHoldCommand).map((c) => c.args[0].input);

function latch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** A download held mid-way: `act` runs while it is in flight (after the archiver's first ledger check). */
function inFlight(conversationId: string, act: () => Promise<unknown>) {
  const resume = latch();
  const paused = latch();
  const file = newFile(conversationId, 4_000, [
    { kind: 'hold', afterBytes: 100, until: resume.opened, onHold: paused.open },
  ]);
  return {
    ...file,
    run: async () => {
      const outcome = archiveFile(file.job, deps());
      await paused.opened;
      await act();
      resume.open();
      return outcome;
    },
  };
}

describe('files of a held conversation, on an Object Lock bucket', () => {
  it('are created under legal hold with their records (a single PUT), and nothing else is', async () => {
    const { placed } = await placeHolds(archive(), ['77'], request('Case 1'));
    expect(placed).toEqual([{ conversationId: '77', files: 0, versions: 0, matters: ['Case 1'] }]);

    const held = newFile('77');
    const other = newFile('78');
    expect(await archiveFile(held.job, deps())).toMatchObject({ status: 'archived', legalHold: true });
    expect(await archiveFile(other.job, deps())).toMatchObject({ status: 'archived', legalHold: false });

    expect([legalHoldOf(held.key), legalHoldOf(held.record)]).toEqual([true, true]);
    expect([legalHoldOf(other.key), legalHoldOf(other.record)]).toEqual([undefined, undefined]);
    const puts = bucket.mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(
      puts
        .filter((p) => p.Key?.startsWith(`${PREFIX}/conversations/`))
        .map((p) => [p.Key, p.ObjectLockLegalHoldStatus]),
    ).toEqual([
      [held.key, 'ON'],
      [held.record, 'ON'],
      [other.key, undefined],
      [other.record, undefined],
    ]);
    expect(legalHoldCalls()).toEqual([]); // held from the first byte: nothing to set afterwards
  });

  it('a multipart upload is created under legal hold', async () => {
    await placeHolds(archive(), ['77'], request('Case 1'));
    const large = newFile('77', 3 * PART + 10);
    expect(await archiveFile(large.job, deps())).toMatchObject({ status: 'archived', uploaded: true });
    expect(bucket.mock.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input.ObjectLockLegalHoldStatus).toBe(
      'ON',
    );
    expect(bucket.mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(1);
    expect([legalHoldOf(large.key), legalHoldOf(large.record)]).toEqual([true, true]);
    expect(bucket.latest(large.key)?.body.length).toBe(3 * PART + 10);
  });

  it('after the hold is released by every matter, releaseHolds frees them and erase may proceed', async () => {
    await placeHolds(archive(), ['77'], request('Case 1'));
    await placeHolds(archive(), ['77'], request('Case 2'));
    const file = newFile('77');
    await archiveFile(file.job, deps());
    await releaseHolds(archive(), ['77'], request('Case 1'));
    expect([legalHoldOf(file.key), legalHoldOf(file.record)]).toEqual([true, true]); // Case 2 still holds
    await releaseHolds(archive(), ['77'], request('Case 2'));
    expect([legalHoldOf(file.key), legalHoldOf(file.record)]).toEqual([false, false]);
    expect(refusal(await planErasure(archive(), '77'), false)).toBeUndefined();
  });
});

describe('races with hold and release', () => {
  it('a hold placed while the download is in flight: the check after the record holds the file and the record', async () => {
    const job = inFlight('77', () => placeHolds(archive(), ['77'], request('Case 1')));
    expect(await job.run()).toMatchObject({ status: 'archived', legalHold: true });
    expect([legalHoldOf(job.key), legalHoldOf(job.record)]).toEqual([true, true]);
    expect(legalHoldCalls().map((c) => [c.Key, c.LegalHold?.Status])).toEqual([
      [job.key, 'ON'],
      [job.record, 'ON'],
    ]);
  });

  it('a release while the download is in flight: the check after the record clears what was held at creation', async () => {
    await placeHolds(archive(), ['77'], request('Case 1'));
    const job = inFlight('77', () => releaseHolds(archive(), ['77'], request('Case 1')));
    expect(await job.run()).toMatchObject({ status: 'archived', legalHold: false });
    expect([legalHoldOf(job.key), legalHoldOf(job.record)]).toEqual([false, false]);
    expect(refusal(await planErasure(archive(), '77'), false)).toBeUndefined();
  });

  it('a hold placed just as the job clears one (after its check) is kept: the job looks again and holds', async () => {
    await placeHolds(archive(), ['77'], request('Case 1'));
    let again: Promise<unknown> | undefined;
    bucket.beforeLegalHold = async (input) => {
      // The job's first OFF: another matter's hold lands first (event, then its own ON on every version).
      if (input.LegalHold?.Status === 'OFF' && !again) {
        again = placeHolds(archive(), ['77'], request('Case 2'));
        await again;
      }
    };
    const job = inFlight('77', () => releaseHolds(archive(), ['77'], request('Case 1')));
    expect(await job.run()).toMatchObject({ status: 'archived', legalHold: true });
    expect(again).toBeDefined();
    expect([legalHoldOf(job.key), legalHoldOf(job.record)]).toEqual([true, true]);
  });

  it('a job that stored its record but could not set the hold fails (retried), and its retry sets it', async () => {
    const job = inFlight('77', () => placeHolds(archive(), ['77'], request('Case 1')));
    let refused = false;
    bucket.beforeLegalHold = () => {
      if (!refused) {
        refused = true;
        throw Object.assign(new Error('SlowDown'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
      }
    };
    await expect(job.run()).rejects.toMatchObject({ kind: 'retry', code: 'legal-hold' });
    expect(await archiveFile(job.job, deps())).toEqual({ status: 'duplicate', key: job.key });
    expect([legalHoldOf(job.key), legalHoldOf(job.record)]).toEqual([true, true]);
  });
});

describe('without Object Lock', () => {
  it('a held conversation’s files are stored without any legal-hold request (the registry alone holds)', async () => {
    bucket.objectLock = false; // S3 would refuse a legal hold, at creation or after
    bucket.mock
      .on(GetBucketLifecycleConfigurationCommand)
      .rejects(Object.assign(new Error('none'), { name: 'NoSuchLifecycleConfiguration' }));
    await placeHolds(archive(), ['77'], request('Case 1'));
    const small = newFile('77');
    const large = newFile('77', 3 * PART);
    for (const { job } of [small, large]) {
      expect(await archiveFile(job, deps(false))).toMatchObject({ status: 'archived', legalHold: false });
    }
    expect(legalHoldCalls()).toEqual([]);
    expect(bucket.versions.every((v) => v.legalHold === undefined)).toBe(true);
  });
});
