/**
 * Erasure on a versioned, Object Lock-enabled bucket (in memory behind aws-sdk-client-mock): every version and
 * delete marker goes, across listing pages and DeleteObjects batches; locked objects stop the erasure before
 * anything is deleted; GOVERNANCE needs --bypass-governance and the permission behind it.
 */
import { DeleteObjectsCommand, GetObjectRetentionCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { command as eraseCommand } from '../../../cli/commands/erase.ts';
import { UserError } from '../../../lambdas/commons/errors.ts';
import type { Archive } from '../../../lambdas/compliance/archive.ts';
import {
  type ErasureReceipt,
  executeErasure,
  planErasure,
  planMessageErasure,
  refusal,
} from '../../../lambdas/compliance/erase.ts';
import { coversJob, readLedger } from '../../../lambdas/compliance/ledger.ts';
import { listReceipts } from '../../../lambdas/compliance/receipts.ts';
import { conversationPrefix, recordKey } from '../../../lambdas/core/keys.ts';
import type { ProvenanceRecord } from '../../../lambdas/core/record.ts';
import { BUCKET, PREFIX, VersionedBucket } from './versioned-bucket.ts';

const CSID = '4711';
const OTHER = '4712';
const FUTURE = new Date(Date.now() + 365 * 24 * 3600 * 1000);
const PAST = new Date(Date.now() - 24 * 3600 * 1000);
const options = { reason: 'GDPR request #1', erasedBy: 'arn:aws:iam::123456789012:user/dpo', bypassGovernance: false };

let bucket: VersionedBucket;
let archive: Archive;
let first: ProvenanceRecord;
let second: ProvenanceRecord;

beforeEach(() => {
  bucket = new VersionedBucket();
  archive = { s3: bucket.client, bucket: BUCKET, prefix: PREFIX };
  first = bucket.archive(CSID, 'a/scan.pdf', 'first file', 'Passport John Doe.pdf');
  second = bucket.archive(CSID, 'b/call.mp3', 'second file');
  bucket.archive(OTHER, 'c/keep.txt', 'another conversation');
});
afterEach(() => bucket.restore());

const prefixOf = (csid: string) => conversationPrefix(PREFIX, csid);
const deleteCalls = () => bucket.mock.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input);
const receipts = () => bucket.versions.filter((v) => v.key.startsWith(`${PREFIX}/erasure-receipts/`));
const tombstones = (csid: string) => bucket.under(`${PREFIX}/ledger/${csid}/tombstones/`);

describe('erase on a versioned bucket', () => {
  it('deletes every version and delete marker under the conversation, across listing pages', async () => {
    bucket.put(first.key, Buffer.from('an older upload')); // now 2 versions of the file
    bucket.deleteMarker(second.key); // the file looks deleted, but its versions remain
    bucket.deleteMarker(second.key);
    bucket.put(`${prefixOf(CSID)}stray/object`, Buffer.from('x'));
    const before = bucket.under(prefixOf(CSID)).map((v) => ({ key: v.key, versionId: v.versionId }));
    expect(before).toHaveLength(8);

    const plan = await planErasure(archive, CSID);
    expect(plan.versions).toHaveLength(8); // 3 pages of ListObjectVersions
    const { receipt, receiptKey } = await executeErasure(archive, plan, options);

    expect(bucket.under(prefixOf(CSID))).toEqual([]);
    expect(bucket.under(prefixOf(OTHER))).toHaveLength(2);
    const deleted = deleteCalls().flatMap((input) => input.Delete!.Objects!);
    expect(deleted.map((o) => ({ key: o.Key, versionId: o.VersionId }))).toEqual(expect.arrayContaining(before));
    expect(deleted).toHaveLength(8);

    expect(receipt).toMatchObject({
      conversationId: CSID,
      bucket: BUCKET,
      keyPrefix: prefixOf(CSID),
      erasedBy: options.erasedBy,
      reason: options.reason,
      objectCount: 8,
      complete: true,
      bypassedGovernance: false,
      remainingAfterErasure: 0,
    });
    expect(receipt.objects.filter((o) => o.deleteMarker)).toHaveLength(2);
    // The current version of the first file carries its record's sha256; its older version and records do not.
    expect(receipt.objects.filter((o) => o.sha256 !== null)).toEqual([
      expect.objectContaining({ key: first.key, sha256: first.sha256 }),
    ]);
    expect(receiptKey).toMatch(new RegExp(`^${PREFIX}/erasure-receipts/.+-${CSID}\\.json$`));
    const stored = JSON.parse(receipts()[0]!.body.toString()) as ErasureReceipt;
    expect(stored).toEqual(receipt);
    // A receipt is written once and never replaced (the erase policy cannot delete receipts; this keeps it from overwriting one).
    expect(bucket.mock.commandCalls(PutObjectCommand).at(-1)?.args[0].input.IfNoneMatch).toBe('*');
    expect(JSON.stringify(stored)).not.toContain('John Doe'); // names files came with are not in the receipt
  });

  it('deletes in batches of at most 1000', async () => {
    for (let i = 0; i < 1200; i++) bucket.put(first.key, Buffer.from(`v${i}`));
    bucket.pageSize = 500;
    bucket.objectLock = false;
    const plan = await planErasure(archive, CSID);
    await executeErasure(archive, plan, options);
    expect(deleteCalls().map((input) => input.Delete!.Objects!.length)).toEqual([1000, 204]);
    expect(bucket.under(prefixOf(CSID))).toEqual([]);
  });

  it('does not look for retention when the bucket has no Object Lock', async () => {
    bucket.objectLock = false;
    const plan = await planErasure(archive, CSID);
    expect(plan.holds).toEqual([]);
    expect(bucket.mock.commandCalls(GetObjectRetentionCommand)).toHaveLength(0);
  });

  it('writes a receipt of what was deleted when S3 fails part-way, and says so', async () => {
    bucket.failingKeys.set(recordKey(second.key), 'InternalError');
    const plan = await planErasure(archive, CSID);
    const error = await executeErasure(archive, plan, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /^the erasure stopped: 1 object\(s\) failed with InternalError; 3 objects/,
    );
    const receipt = JSON.parse(receipts()[0]!.body.toString()) as ErasureReceipt;
    expect(receipt).toMatchObject({ complete: false, objectCount: 3, remainingAfterErasure: 1 });
    expect(receipt.failed).toEqual([
      { key: recordKey(second.key), versionId: expect.any(String), code: 'InternalError' },
    ]);
  });
});

describe('erase under Object Lock', () => {
  it('refuses COMPLIANCE retention, naming the object and its date, and deletes nothing', async () => {
    const locked = bucket.versions.find((v) => v.key === first.key)!;
    locked.retention = { mode: 'COMPLIANCE', until: FUTURE };
    const plan = await planErasure(archive, CSID);
    const refused = refusal(plan, true)!;
    expect(refused.summary).toMatch(/^refusing to erase conversation 4711: 1 object version\(s\) are under COMPLIANCE/);
    expect(refused.summary).toContain('nothing was deleted');
    expect(refused.held).toEqual([
      {
        key: first.key,
        versionId: locked.versionId,
        retention: { mode: 'COMPLIANCE', until: FUTURE },
        legalHold: false,
      },
    ]);
    await expect(executeErasure(archive, plan, { ...options, bypassGovernance: true })).rejects.toThrow(UserError);
    expect(deleteCalls()).toEqual([]);
    expect(bucket.under(prefixOf(CSID))).toHaveLength(4);
    expect(receipts()).toEqual([]);
  });

  it('refuses a legal hold even with --bypass-governance', async () => {
    bucket.versions.find((v) => v.key === second.key)!.legalHold = true;
    const plan = await planErasure(archive, CSID);
    expect(refusal(plan, true)?.held).toEqual([expect.objectContaining({ key: second.key, legalHold: true })]);
    await expect(executeErasure(archive, plan, { ...options, bypassGovernance: true })).rejects.toThrow(/legal hold/);
    expect(deleteCalls()).toEqual([]);
  });

  it('ignores retention that has already expired', async () => {
    bucket.versions.find((v) => v.key === first.key)!.retention = { mode: 'COMPLIANCE', until: PAST };
    const plan = await planErasure(archive, CSID);
    expect(plan.holds).toEqual([]);
    await executeErasure(archive, plan, options);
    expect(bucket.under(prefixOf(CSID))).toEqual([]);
  });

  it('refuses GOVERNANCE retention without --bypass-governance', async () => {
    bucket.versions.find((v) => v.key === first.key)!.retention = { mode: 'GOVERNANCE', until: FUTURE };
    const plan = await planErasure(archive, CSID);
    await expect(executeErasure(archive, plan, options)).rejects.toThrow(
      /GOVERNANCE retention; rerun with --bypass-governance if you are allowed s3:BypassGovernanceRetention; nothing was deleted$/,
    );
    expect(deleteCalls()).toEqual([]);
  });

  it('deletes GOVERNANCE-retained versions with --bypass-governance, first and alone', async () => {
    const held = bucket.versions.find((v) => v.key === first.key)!;
    held.retention = { mode: 'GOVERNANCE', until: FUTURE };
    const plan = await planErasure(archive, CSID);
    const { receipt } = await executeErasure(archive, plan, { ...options, bypassGovernance: true });
    const calls = deleteCalls();
    expect(calls[0]).toMatchObject({
      BypassGovernanceRetention: true,
      Delete: { Objects: [{ Key: held.key, VersionId: held.versionId }] },
    });
    expect(calls.every((c) => c.BypassGovernanceRetention === true)).toBe(true);
    expect(bucket.under(prefixOf(CSID))).toEqual([]);
    expect(receipt).toMatchObject({ bypassedGovernance: true, complete: true, objectCount: 4 });
  });

  it('explains AccessDenied on bypass as a missing s3:BypassGovernanceRetention, having deleted nothing', async () => {
    bucket.canBypassGovernance = false;
    bucket.versions.find((v) => v.key === first.key)!.retention = { mode: 'GOVERNANCE', until: FUTURE };
    const plan = await planErasure(archive, CSID);
    await expect(executeErasure(archive, plan, { ...options, bypassGovernance: true })).rejects.toThrow(
      'AWS denied the deletion: the caller lacks s3:BypassGovernanceRetention; nothing was deleted, the conversation is tombstoned',
    );
    expect(deleteCalls()).toHaveLength(1); // only the held version was attempted
    expect(bucket.under(prefixOf(CSID))).toHaveLength(4);
    // The tombstone went first (nothing is archived again); the receipt says what did not happen.
    expect(tombstones(CSID)).toHaveLength(1);
    expect(receipts()).toHaveLength(1);
    expect(JSON.parse(receipts()[0]!.body.toString())).toMatchObject({ complete: false, objectCount: 0 });
  });
});

describe('tombstone and people index', () => {
  const personKey = 'b'.repeat(64);
  const ledger = (csid: string) => `${PREFIX}/ledger/${csid}/`;

  it('writes the tombstone before it deletes anything, and never deletes it', async () => {
    const plan = await planErasure(archive, CSID);
    const { receipt } = await executeErasure(archive, plan, { ...options, now: new Date('2024-05-01T08:00:00.000Z') });
    const calls = bucket.mock.calls().map((call) => call.args[0]);
    const tombstoneAt = calls.findIndex((c) => c instanceof PutObjectCommand && c.input.Key === receipt.tombstoneKey);
    const firstDelete = calls.findIndex((c) => c instanceof DeleteObjectsCommand);
    expect(tombstoneAt).toBeGreaterThanOrEqual(0);
    expect(tombstoneAt).toBeLessThan(firstDelete);
    expect(receipt.tombstoneKey).toBe(`${ledger(CSID)}tombstones/2024-05-01T08-00-00-000Z.json`);
    const tombstone = JSON.parse(tombstones(CSID)[0]!.body.toString());
    expect(tombstone).toEqual({
      tombstoneVersion: 1,
      conversationId: CSID,
      erasedAt: '2024-05-01T08:00:00.000Z',
      receiptKey: expect.stringMatching(/^dixa\/erasure-receipts\/2024-05-01T08-00-00-000Z-4711\.json$/),
      erasedBy: options.erasedBy,
      reason: options.reason,
    });
    // The second erasure leaves the first tombstone in place and adds its own.
    await executeErasure(archive, await planErasure(archive, CSID), options);
    expect(tombstones(CSID)).toHaveLength(2);
  });

  it("removes the conversation's index entries in both directions, every version, and its failure markers", async () => {
    bucket.put(`${ledger(CSID)}people/${personKey}/requester`, Buffer.alloc(0));
    bucket.put(`${ledger(CSID)}people/${personKey}/requester`, Buffer.alloc(0)); // an older version too
    bucket.put(`${PREFIX}/people/${personKey}/${CSID}/requester`, Buffer.alloc(0));
    bucket.put(`${PREFIX}/people/${personKey}/${OTHER}/cc`, Buffer.alloc(0)); // another conversation of the person
    bucket.put(`${ledger(CSID)}failures/0123456789abcdef.json`, Buffer.from('{}'));
    // A hold placed and released: the conversation may be erased, and the events stay as the proof of the hold.
    bucket.put(`${ledger(CSID)}holds/2024-01-01T00-00-00-000Z-add-0123456789abcdef.json`, Buffer.from('{}'));
    bucket.put(`${ledger(CSID)}holds/2024-02-01T00-00-00-000Z-release-0123456789abcdef.json`, Buffer.from('{}'));

    const plan = await planErasure(archive, CSID);
    expect(plan.ledgerVersions).toHaveLength(4);
    const { receipt } = await executeErasure(archive, plan, options);

    expect(bucket.under(`${ledger(CSID)}people/`)).toEqual([]);
    expect(bucket.under(`${ledger(CSID)}failures/`)).toEqual([]);
    expect(bucket.under(`${PREFIX}/people/${personKey}/${CSID}/`)).toEqual([]);
    expect(bucket.under(`${PREFIX}/people/${personKey}/${OTHER}/`)).toHaveLength(1);
    expect(bucket.under(`${ledger(CSID)}holds/`)).toHaveLength(2); // hold events are the proof of a hold
    expect(receipt).toMatchObject({ objectCount: 4, indexEntriesRemoved: 4, complete: true });
    expect(JSON.stringify(receipt)).not.toContain(personKey); // counted, never named
  });

  it('answers for a conversation with nothing archived: tombstone and a receipt saying so', async () => {
    const plan = await planErasure(archive, '999');
    const { receipt } = await executeErasure(archive, plan, options);
    expect(receipt).toMatchObject({ nothingArchived: true, objectCount: 0, complete: true, conversationId: '999' });
    expect(tombstones('999')).toHaveLength(1);
    expect(receipts()).toHaveLength(1);
  });
});

describe("one message's files (a message Dixa redacted)", () => {
  const MESSAGE = '1b9adc49-62f7-4056-a9c0-c18c1f25afdb';
  const at = new Date('2024-06-01T09:00:00.000Z');
  let redacted: ProvenanceRecord[];

  beforeEach(() => {
    redacted = [
      bucket.archive(CSID, 'm/photo.jpg', 'photo', undefined, { messageId: MESSAGE }),
      bucket.archive(CSID, 'm/id.pdf', 'id card', undefined, { messageId: MESSAGE }),
    ];
    bucket.put(redacted[0]!.key, Buffer.from('an older upload of the photo'));
  });

  it('erases every version of the files whose records name the message, and nothing else of the conversation', async () => {
    const plan = await planMessageErasure(archive, CSID, MESSAGE, at);
    expect(plan.versions).toHaveLength(5); // two files, an older version, two records
    const { receipt, receiptKey } = await executeErasure(archive, plan, { ...options, now: at });

    for (const record of redacted) expect(bucket.under(record.key)).toEqual([]);
    expect(
      bucket
        .under(prefixOf(CSID))
        .map((v) => v.key)
        .sort(),
    ).toEqual([first.key, recordKey(first.key), second.key, recordKey(second.key)].sort());
    expect(receiptKey).toBe(`${PREFIX}/erasure-receipts/2024-06-01T09-00-00-000Z-${CSID}-message-${MESSAGE}.json`);
    expect(receipt).toMatchObject({
      conversationId: CSID,
      messageId: MESSAGE,
      objectCount: 5,
      fileCount: 2,
      nothingArchived: false,
      complete: true,
      remainingAfterErasure: 0,
    });
    expect(receipt.objects.filter((o) => o.sha256).map((o) => o.sha256)).toEqual(
      expect.arrayContaining(redacted.map((r) => r.sha256)),
    );
    // `receipts` lists it under its conversation.
    expect((await listReceipts(archive)).map((r) => [r.key, r.conversationId])).toEqual([[receiptKey, CSID]]);
  });

  it('writes a tombstone for the message, not the conversation, before deleting: jobs of that message stay out', async () => {
    const plan = await planMessageErasure(archive, CSID, MESSAGE, at);
    const { receipt } = await executeErasure(archive, plan, { ...options, now: at });
    const calls = bucket.mock.calls().map((call) => call.args[0]);
    const tombstoneAt = calls.findIndex((c) => c instanceof PutObjectCommand && c.input.Key === receipt.tombstoneKey);
    expect(tombstoneAt).toBeGreaterThanOrEqual(0);
    expect(tombstoneAt).toBeLessThan(calls.findIndex((c) => c instanceof DeleteObjectsCommand));
    expect(receipt.tombstoneKey).toBe(
      `${PREFIX}/ledger/${CSID}/tombstones/messages/${MESSAGE}/2024-06-01T09-00-00-000Z.json`,
    );
    expect(JSON.parse(tombstones(CSID)[0]!.body.toString())).toMatchObject({
      conversationId: CSID,
      messageId: MESSAGE,
    });

    const ledger = await readLedger(archive, CSID);
    expect(ledger.tombstones).toEqual([]); // the conversation itself is not erased
    const job = { conversationId: CSID, createdAt: '2024-01-01T00:00:00.000Z' };
    expect(coversJob(ledger, { ...job, messageId: MESSAGE })).toBe(true);
    expect(coversJob(ledger, { ...job, messageId: 'another-message' })).toBe(false);
    expect(coversJob(ledger, job)).toBe(false); // no message id: only a conversation's tombstone could cover it
  });

  it('is refused while the conversation is held, deleting nothing', async () => {
    bucket.put(`${PREFIX}/ledger/${CSID}/holds/2024-01-01T00-00-00-000Z-add-0123456789abcdef.json`, Buffer.from('{}'));
    await expect(planMessageErasure(archive, CSID, MESSAGE)).rejects.toThrow(/under legal hold/);
    expect(deleteCalls()).toEqual([]);
  });

  it('is refused when one of its versions carries an S3 legal hold, deleting nothing', async () => {
    bucket.under(redacted[1]!.key)[0]!.legalHold = true;
    const plan = await planMessageErasure(archive, CSID, MESSAGE);
    expect(refusal(plan, true)?.summary).toMatch(
      /1 object version\(s\) are under COMPLIANCE retention or a legal hold/,
    );
    await expect(executeErasure(archive, plan, options)).rejects.toThrow(UserError);
    expect(deleteCalls()).toEqual([]);
  });

  it('answers for a message with nothing archived: its tombstone and a receipt saying so', async () => {
    const plan = await planMessageErasure(archive, CSID, 'nothing-archived', at);
    const { receipt } = await executeErasure(archive, plan, { ...options, now: at });
    expect(receipt).toMatchObject({
      nothingArchived: true,
      objectCount: 0,
      complete: true,
      messageId: 'nothing-archived',
    });
    expect(bucket.under(prefixOf(CSID))).toHaveLength(9);
    expect(tombstones(CSID).map((v) => v.key)).toEqual([receipt.tombstoneKey]);
  });
});

describe('dixa-archiver erase (command)', () => {
  const run = (...extra: string[]) =>
    eraseCommand.run([
      '--conversation',
      CSID,
      '--reason',
      'GDPR request #1',
      '--yes',
      '--json',
      '--endpoint',
      'http://127.0.0.1:9', // never reached: the client is mocked
      '--bucket',
      BUCKET,
      '--prefix',
      PREFIX,
      ...extra,
    ]);

  it('lists each retained object with its date, then fails in one line', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      bucket.versions.find((v) => v.key === second.key)!.retention = { mode: 'COMPLIANCE', until: FUTURE };
      const error = await run().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).not.toContain('\n');
      const printed = stderr.mock.calls.map((c) => String(c[0])).join('');
      expect(printed).toContain(`held: ${second.key} (version `);
      expect(printed).toContain(`COMPLIANCE retention until ${FUTURE.toISOString()}`);
      expect(bucket.mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
      expect(bucket.mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    } finally {
      stderr.mockRestore();
    }
  });

  it('erases every conversation named, each with its tombstone and receipt', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await run('--conversation', OTHER, '--conversation', CSID)).toBe(0);
      const printed = JSON.parse(stdout.mock.calls.map((c) => String(c[0])).join('')) as {
        receipts: { receipt: ErasureReceipt }[];
      };
      expect(printed.receipts.map((r) => r.receipt.conversationId)).toEqual([CSID, OTHER]);
      expect(bucket.under(prefixOf(CSID))).toEqual([]);
      expect(bucket.under(prefixOf(OTHER))).toEqual([]);
      expect(tombstones(CSID)).toHaveLength(1);
      expect(tombstones(OTHER)).toHaveLength(1);
      expect(receipts()).toHaveLength(2);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });

  it('erases nothing when any conversation named cannot be erased', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      bucket.versions.find((v) => v.key === second.key)!.legalHold = true;
      await expect(run('--conversation', OTHER)).rejects.toThrow(/refusing to erase conversation 4711/);
      expect(bucket.mock.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
      expect(bucket.mock.commandCalls(PutObjectCommand)).toHaveLength(0); // no tombstone either
    } finally {
      stderr.mockRestore();
    }
  });

  it('erases with --bypass-governance and prints the receipt', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      bucket.versions.find((v) => v.key === second.key)!.retention = { mode: 'GOVERNANCE', until: FUTURE };
      expect(await run('--bypass-governance')).toBe(0);
      const printed = JSON.parse(stdout.mock.calls.map((c) => String(c[0])).join('')) as { receipt: ErasureReceipt };
      expect(printed.receipt).toMatchObject({ objectCount: 4, bypassedGovernance: true, erasedBy: expect.any(String) });
      expect(bucket.under(prefixOf(CSID))).toEqual([]);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  });
});
