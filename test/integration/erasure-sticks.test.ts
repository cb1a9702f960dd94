/**
 * "Erased" means erased for good (DESIGN.md invariant 9), against s3rver, fauxqs and the fake files.dixa.io with
 * the real archiver handler and the real erase module: a redelivered webhook, a job whose download is in flight
 * during the erasure, a job that writes its record while the erasure runs, and a job without a creation time all
 * leave nothing behind and end without a dead letter (counted SkippedErased); a message created after the erasure
 * is new data and is archived.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import type { Archive } from '../../lambdas/compliance/archive.ts';
import { executeErasure, planErasure, planMessageErasure } from '../../lambdas/compliance/erase.ts';
import { conversationPrefix, recordKey } from '../../lambdas/core/keys.ts';
import { BUCKET, fileJob, type Harness, PREFIX, startHarness } from './archiver-harness.ts';

let h: Harness;
let archive: Archive;
let n = 0;
let metric: MockInstance;

beforeAll(async () => {
  h = await startHarness({ idleTimeoutMs: 10_000 });
  archive = { s3: h.s3, bucket: BUCKET, prefix: PREFIX };
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  metric = vi.spyOn(h.deps.metrics, 'addMetric');
});
afterEach(() => {
  vi.restoreAllMocks();
  h.files.assertNoLeaks();
});

/** A conversation of its own for each test, with one file on the fake files host. */
function newFile(size = 20_000, faults: Parameters<Harness['files']['addFile']>[1]['faults'] = []) {
  const conversationId = String(7000 + ++n);
  const path = `/private/org-1/${conversationId}/scan-${n}.pdf`;
  const url = h.files.addFile(path, { size, faults });
  return { conversationId, path, job: fileJob(url, { conversationId, createdAt: '2024-05-01T10:00:00.000Z' }) };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await h.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

const filesOf = (conversationId: string) => keysUnder(conversationPrefix(PREFIX, conversationId));

async function erase(conversationId: string, now = new Date()) {
  const plan = await planErasure(archive, conversationId);
  return executeErasure(archive, plan, { reason: 'GDPR #1', erasedBy: 'test', bypassGovernance: false, now });
}

const skippedErased = () => metric.mock.calls.filter(([name]) => name === 'SkippedErased').length;

/** When the skipped job found the tombstone, as logged. */
const checkedAt = (log: MockInstance) =>
  log.mock.calls
    .filter(([message]) => message === 'conversation erased, file not archived')
    .map(([, fields]) => fields);

function latch() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('an erasure sticks', () => {
  it('a webhook delivered again after the erasure archives nothing', async () => {
    const { conversationId, path, job } = newFile();
    expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
    expect(await filesOf(conversationId)).toHaveLength(2);

    const { receipt } = await erase(conversationId);
    expect(receipt).toMatchObject({ fileCount: 1, complete: true });
    expect(await filesOf(conversationId)).toEqual([]);

    expect((await h.deliver({ job, receiveCount: 1 })).batchItemFailures).toEqual([]);
    expect(await filesOf(conversationId)).toEqual([]);
    expect(h.files.requestCount(path)).toBe(1); // checked before the download: nothing fetched again
    expect(skippedErased()).toBe(1);
    expect(await h.deadLetters()).toEqual([]);
  });

  it('a job whose download is in flight during the erasure removes what it stored, without a dead letter', async () => {
    const download = latch();
    const inFlight = latch();
    const { conversationId, job } = newFile(300_000, [
      { kind: 'hold', afterBytes: 64 * 1024, until: download.opened, onHold: inFlight.open },
    ]);
    const log = vi.spyOn(h.deps.logger, 'info');
    const delivery = h.deliver({ job });
    await inFlight.opened; // the archiver passed its first check and is downloading

    const { receipt } = await erase(conversationId);
    expect(receipt).toMatchObject({ nothingArchived: true, complete: true }); // nothing stored yet
    download.open();

    expect((await delivery).batchItemFailures).toEqual([]);
    expect(await filesOf(conversationId)).toEqual([]);
    expect(skippedErased()).toBe(1);
    // Found before its record was written: the stored file was removed and no record was ever written.
    expect(checkedAt(log)).toEqual([expect.objectContaining({ checked: 'before-record', versionsRemoved: 1 })]);
    expect(await h.deadLetters()).toEqual([]);
  });

  it('a job that writes its record while the erasure runs finds the tombstone after its write and removes both', async () => {
    const { conversationId, job } = newFile();
    const recordWrite = latch();
    const writing = latch();
    const putIfAbsent = h.deps.storage.putIfAbsent.bind(h.deps.storage);
    vi.spyOn(h.deps.storage, 'putIfAbsent').mockImplementation(async (key, body, contentType) => {
      if (key === recordKey(h.keyOf(job))) {
        writing.open();
        await recordWrite.opened;
      }
      return putIfAbsent(key, body, contentType);
    });
    const log = vi.spyOn(h.deps.logger, 'info');
    const delivery = h.deliver({ job });
    await writing.opened; // the file is stored, the record is about to be written: both checks passed

    const { receipt } = await erase(conversationId);
    expect(receipt.objectCount).toBe(1); // the erasure found the file, not yet the record
    recordWrite.open();

    expect((await delivery).batchItemFailures).toEqual([]);
    expect(await filesOf(conversationId)).toEqual([]); // the record the job wrote after the tombstone is gone too
    expect(skippedErased()).toBe(1);
    expect(checkedAt(log)).toEqual([expect.objectContaining({ checked: 'after-record', versionsRemoved: 1 })]);
    expect(await h.deadLetters()).toEqual([]);
  });

  it('archives a file of a message created after the erasure: that is new data', async () => {
    const { conversationId, job } = newFile();
    await erase(conversationId, new Date('2024-05-02T00:00:00.000Z'));
    const later = { ...job, createdAt: '2024-05-02T09:30:00.000Z' };
    expect((await h.deliver({ job: later })).batchItemFailures).toEqual([]);
    expect(await filesOf(conversationId)).toHaveLength(2);
    expect(await h.record(later)).toMatchObject({ createdAt: '2024-05-02T09:30:00.000Z' });
    expect(skippedErased()).toBe(0);
  });

  it('counts a job without a creation time (or with an unreadable one) as before the erasure', async () => {
    const { conversationId, job } = newFile();
    await erase(conversationId, new Date('2024-05-02T00:00:00.000Z'));
    const { createdAt: _, ...undated } = job;
    expect((await h.deliver({ job: undated }, { job: { ...job, createdAt: 'yesterday' } })).batchItemFailures).toEqual(
      [],
    );
    expect(await filesOf(conversationId)).toEqual([]);
    expect(skippedErased()).toBe(2);
  });

  it('reads the Dixa time format, and a later erasure covers messages created before it', async () => {
    const { conversationId, job } = newFile();
    await erase(conversationId, new Date('2024-05-02T00:00:00.000Z'));
    const dixaTime = { ...job, createdAt: '2024-05-03T08:00:00.000Z[GMT]' };
    expect((await h.deliver({ job: dixaTime })).batchItemFailures).toEqual([]);
    expect(await filesOf(conversationId)).toHaveLength(2); // after the first erasure: archived

    await erase(conversationId, new Date('2024-05-04T00:00:00.000Z'));
    expect((await h.deliver({ job: dixaTime })).batchItemFailures).toEqual([]);
    expect(await filesOf(conversationId)).toEqual([]);
    expect(skippedErased()).toBe(1);
    expect(await keysUnder(`${PREFIX}/ledger/${conversationId}/tombstones/`)).toHaveLength(2);
  });
});

describe("a message's erasure sticks (a message Dixa redacted)", () => {
  async function eraseMessage(conversationId: string, messageId: string) {
    const plan = await planMessageErasure(archive, conversationId, messageId);
    return executeErasure(archive, plan, { reason: 'anonymized in Dixa', erasedBy: 'test', bypassGovernance: false });
  }

  it('a job of the erased message, delivered again, archives nothing; other messages of the conversation stay', async () => {
    const { conversationId, path, job } = newFile();
    const other = fileJob(h.files.addFile(`/private/org-1/${conversationId}/other-${n}.pdf`, { size: 1_000 }), {
      conversationId,
      messageId: 'msg-2',
    });
    expect((await h.deliver({ job }, { job: other })).batchItemFailures).toEqual([]);
    expect(await filesOf(conversationId)).toHaveLength(4);

    const { receipt } = await eraseMessage(conversationId, job.messageId!);
    expect(receipt).toMatchObject({ messageId: job.messageId, fileCount: 1, complete: true });
    expect(await filesOf(conversationId)).toEqual([h.keyOf(other), recordKey(h.keyOf(other))]);

    // Redelivered, and again without its creation time: the message's tombstone covers it either way.
    const { createdAt: _, ...undated } = job;
    expect((await h.deliver({ job }, { job: undated }, { job: other })).batchItemFailures).toEqual([]);
    expect(await filesOf(conversationId)).toEqual([h.keyOf(other), recordKey(h.keyOf(other))]);
    expect(h.files.requestCount(path)).toBe(1);
    expect(skippedErased()).toBe(2);
    expect(await h.deadLetters()).toEqual([]);
  });

  it('a job of the message whose download is in flight during the erasure removes what it stored', async () => {
    const download = latch();
    const inFlight = latch();
    const { conversationId, job } = newFile(300_000, [
      { kind: 'hold', afterBytes: 64 * 1024, until: download.opened, onHold: inFlight.open },
    ]);
    const log = vi.spyOn(h.deps.logger, 'info');
    const delivery = h.deliver({ job });
    await inFlight.opened;

    expect((await eraseMessage(conversationId, job.messageId!)).receipt).toMatchObject({ nothingArchived: true });
    download.open();

    expect((await delivery).batchItemFailures).toEqual([]);
    expect(await filesOf(conversationId)).toEqual([]);
    expect(checkedAt(log)).toEqual([expect.objectContaining({ checked: 'before-record', versionsRemoved: 1 })]);
    expect(await h.deadLetters()).toEqual([]);
  });
});
