/**
 * The compliance commands end to end against s3rver (local mode's S3), through `dixa-archiver …` itself:
 * list, get, verify and erase on conversations with several files, tampering detected, receipts written.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ErasureReceipt } from '../../lambdas/compliance/erase.ts';
import type { Manifest, RequestManifest } from '../../lambdas/compliance/export.ts';
import type { ListedFile } from '../../lambdas/compliance/listing.ts';
import { recordKey, sanitizeName } from '../../lambdas/core/keys.ts';
import {
  BUCKET,
  cli,
  cliAtTerminal,
  type Emulator,
  PREFIX,
  type SeededFile,
  seedConversation,
  startS3,
} from './compliance-fixture.ts';

let emulator: Emulator;
let s3: S3Client;
let flags: string[];
let work: string;
let conversation: SeededFile[];
let other: SeededFile[];
const CSID = '4711';
const OTHER = '4712';
const recording = Buffer.alloc(3 * 1024 * 1024 + 17, 7); // several MiB, streamed

beforeAll(async () => {
  emulator = await startS3();
  ({ s3, flags } = emulator);
});
afterAll(async () => emulator.stop());

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'compliance-out-'));
  await clearBucket(s3);
  conversation = await seedConversation(s3, CSID, [
    { name: 'invoice.pdf', linkName: 'a1.pdf', content: 'first invoice' },
    { name: 'Invoice.pdf', linkName: 'b2.pdf', content: 'second invoice, same name', kind: 'attachment' },
    { name: '../../etc/passwd', linkName: 'c3', content: 'not a traversal' },
    { linkName: 'call-42.mp3', content: recording, kind: 'recording' },
  ]);
  other = await seedConversation(s3, OTHER, [{ name: 'other.txt', linkName: 'o.txt', content: 'keep me' }]);
});
afterEach(async () => rm(work, { recursive: true, force: true }));

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

async function clearBucket(client: S3Client) {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  for (const item of listed.Contents ?? [])
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: item.Key }));
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (listed.Contents ?? []).map((c) => c.Key!).sort();
}

async function tamper(file: SeededFile) {
  const flipped = Buffer.from(file.content);
  flipped[0] = flipped[0]! ^ 0xff; // same size, different bytes
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: file.key, Body: flipped }));
}

describe('list', () => {
  it('lists kind, original name, size, sha256 and archive time of every file of a conversation', async () => {
    const run = await cli('list', '--conversation', CSID, ...flags);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const files = JSON.parse(run.stdout) as ListedFile[];
    expect(files).toHaveLength(4);
    for (const seeded of conversation) {
      expect(files).toContainEqual({
        conversationId: CSID,
        key: seeded.key,
        kind: seeded.record.kind,
        name: seeded.record.originalName ?? 'call-42.mp3',
        contentType: seeded.record.contentType,
        size: seeded.content.length,
        sha256: sha256(seeded.content),
        archivedAt: seeded.record.archivedAt,
        createdAt: null,
      });
    }
  });

  it('prints an aligned table at a terminal', async () => {
    const run = await cliAtTerminal('list', '--conversation', CSID, ...flags);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CONVERSATION +KIND +NAME +SIZE +SHA-256 +MESSAGE DATE +ARCHIVED AT$/);
    expect(lines).toHaveLength(5);
    const recordingLine = lines.find((l) => l.includes('call-42.mp3'))!;
    expect(recordingLine).toContain('recording');
    expect(recordingLine).toContain('3.0 MiB');
    expect(recordingLine).toContain(sha256(recording));
  });

  it('lists several conversations and flags a file whose record is gone', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: recordKey(other[0]!.key) }));
    const files = JSON.parse((await cli('list', '--conversation', CSID, '--conversation', OTHER, ...flags)).stdout);
    expect(files).toHaveLength(5);
    expect(files.find((f: ListedFile) => f.conversationId === OTHER)).toMatchObject({
      sha256: null,
      note: 'record missing',
    });
  });

  it('lists by archive date across all conversations (--archived-from/--archived-to)', async () => {
    await clearBucket(s3);
    await seedConversation(s3, '100', [
      { name: 'april.txt', linkName: 'a', content: 'a', archivedAt: new Date('2024-04-30T23:59:59Z') },
      { name: 'may-1.txt', linkName: 'b', content: 'b', archivedAt: new Date('2024-05-01T00:00:00Z') },
    ]);
    await seedConversation(s3, '200', [
      { name: 'may-31.txt', linkName: 'c', content: 'c', archivedAt: new Date('2024-05-31T23:00:00Z') },
      { name: 'june.txt', linkName: 'd', content: 'd', archivedAt: new Date('2024-06-01T00:00:00Z') },
    ]);
    const run = await cli('list', '--archived-from', '2024-05-01', '--archived-to', '2024-05-31', ...flags);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as ListedFile[]).map((f) => f.name).sort()).toEqual(['may-1.txt', 'may-31.txt']);
  });

  it('lists a period by the date of the message (--from/--to), not by when a backfill archived it', async () => {
    await clearBucket(s3);
    const backfilledToday = new Date();
    await seedConversation(s3, '300', [
      { name: 'april.txt', linkName: 'a', content: 'a', createdAt: '2024-04-30T23:59:59.999Z' },
      { name: 'may-1.txt', linkName: 'b', content: 'b', createdAt: '2024-05-01T00:00:00.000Z' },
      { name: 'may-31.txt', linkName: 'c', content: 'c', createdAt: '2024-05-31T23:59:59.999Z[GMT]' }, // Dixa's form
      { name: 'june.txt', linkName: 'd', content: 'd', createdAt: '2024-06-01T00:00:00.000Z' },
    ]);
    await seedConversation(s3, '400', [
      { name: 'undated-may.txt', linkName: 'e', content: 'e', archivedAt: new Date('2024-05-15T10:00:00Z') },
    ]);
    const run = await cli('list', '--from', '2024-05-01', '--to', '2024-05-31', ...flags);
    expect(run.code).toBe(0);
    const files = JSON.parse(run.stdout) as ListedFile[];
    expect(files.map((f) => f.name).sort()).toEqual(['may-1.txt', 'may-31.txt', 'undated-may.txt']);
    expect(files.find((f) => f.name === 'may-31.txt')).toMatchObject({
      createdAt: '2024-05-31T23:59:59.999Z',
    });
    expect(Date.parse(files.find((f) => f.name === 'may-1.txt')!.archivedAt!)).toBeGreaterThanOrEqual(
      backfilledToday.getTime() - 60_000,
    );
    // A record without a creation time is dated by its archive time, and says so.
    expect(files.find((f) => f.name === 'undated-may.txt')).toMatchObject({ createdAt: null });
    // The archive date of these files is today: by archive date, May is empty.
    const byArchive = await cli('list', '--archived-from', '2024-05-01', '--archived-to', '2024-05-31', ...flags);
    expect(JSON.parse(byArchive.stdout).map((f: ListedFile) => f.name)).toEqual(['undated-may.txt']);
  });

  it('combines a conversation with a period', async () => {
    const run = await cli('list', '--conversation', CSID, '--archived-to', '2000-01-01', ...flags);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toEqual([]);
    expect(run.stderr).toBe(
      `Nothing is archived for conversation ${CSID} in s3://${BUCKET}/${PREFIX}/ archived before 2000-01-02T00:00:00.000Z.\n`,
    );
  });

  it('exits 3 naming a conversation with nothing archived, and still lists the others', async () => {
    const run = await cli('list', '--conversation', CSID, '--conversation', '999999', ...flags);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toHaveLength(4);
    expect(run.stderr).toBe(`Nothing is archived for conversation 999999 in s3://${BUCKET}/${PREFIX}/.\n`);
  });

  it('refuses a conversation id that is not a csid, in one line, before touching S3', async () => {
    const run = await cli('list', '--conversation', '../4711', '--endpoint', 'http://127.0.0.1:9', '--bucket', BUCKET);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('dixa-archiver: conversation id must be a numeric Dixa csid (got "../4711")\n');
  });

  it('says which flags it needs', async () => {
    const run = await cli('list', ...flags);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('--conversation');
  });

  it('explains an unreachable endpoint in one line', async () => {
    const run = await cli('list', '--conversation', CSID, '--endpoint', 'http://127.0.0.1:9', '--bucket', BUCKET);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^dixa-archiver: s3:\/\/archive-test: /);
  });
});

describe('get', () => {
  it('exports every file under its original name, byte-exact, with a manifest of the records', async () => {
    const out = join(work, 'export');
    const run = await cli('get', '--conversation', CSID, '--out', out, ...flags);
    expect(run.code).toBe(0);
    // The two invoices differ only in case: one keeps its name, the other (whichever sorts later by key) gets " (2)".
    const names = (await readdir(out)).map((n) => n.toLowerCase()).sort();
    expect(names).toEqual(
      ['call-42.mp3', 'invoice (2).pdf', 'invoice.pdf', 'manifest.json', sanitizeName('../../etc/passwd')].sort(),
    );
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ conversationId: CSID, bucket: BUCKET, complete: true, problems: [] });
    expect(manifest.files).toHaveLength(4);
    for (const { file, record } of manifest.files) {
      const seeded = conversation.find((c) => c.key === record.key)!;
      expect(record).toEqual(seeded.record);
      expect(sha256(await readFile(join(out, file)))).toBe(seeded.record.sha256);
    }
  });

  it('exports every conversation named (one folder each) with one top-level manifest', async () => {
    const out = join(work, 'several');
    const run = await cli('get', '--conversation', CSID, '--conversation', OTHER, '--out', out, ...flags);
    expect(run.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual([CSID, OTHER, 'manifest.json']);
    expect(await readFile(join(out, OTHER, 'other.txt'), 'utf8')).toBe('keep me');
    expect(await readdir(join(out, CSID))).toHaveLength(5);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as RequestManifest;
    expect(manifest).toMatchObject({ request: { conversations: [CSID, OTHER] }, complete: true });
    expect(manifest.conversations.map((c) => [c.conversationId, c.folder, c.files.length])).toEqual([
      [CSID, CSID, 4],
      [OTHER, OTHER, 1],
    ]);
  });

  it('refuses to mix an export into a folder that has files', async () => {
    await writeFile(join(work, 'something'), 'x');
    const run = await cli('get', '--conversation', CSID, '--out', work, ...flags);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is not empty');
  });

  it('does not save a tampered file, names it, and still exports the others', async () => {
    const victim = conversation[3]!; // the multi-MiB recording
    await tamper(victim);
    const out = join(work, 'export');
    const run = await cli('get', '--conversation', CSID, '--out', out, ...flags);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^dixa-archiver: 1 file\(s\) failed verification and were not saved: call-42\.mp3/m);
    const names = await readdir(out);
    expect(names).not.toContain('call-42.mp3');
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]); // no partial file left behind
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.complete).toBe(false);
    expect(manifest.files).toHaveLength(3);
    expect(manifest.problems).toEqual([expect.objectContaining({ key: victim.key, problem: 'sha256-mismatch' })]);
  });

  it('exits 3 for a conversation with nothing archived and writes nothing: no folder, no manifest', async () => {
    const out = join(work, 'export');
    const run = await cli('get', '--conversation', '999', '--out', out, ...flags);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `Nothing is archived for conversation 999 in s3://${BUCKET}/${PREFIX}/: nothing was exported.\n`,
    );
    expect(await readdir(work)).toEqual([]);
    // The retry (or the next conversation) can use the same folder.
    expect((await cli('get', '--conversation', CSID, '--out', out, ...flags)).code).toBe(0);
  });

  it('refuses --out naming a file, or a path under a file, as a usage error before reading the bucket', async () => {
    const file = join(work, 'a-file.txt');
    await writeFile(file, 'x');
    for (const out of [file, join(file, 'export')]) {
      const run = await cli('get', '--conversation', CSID, '--out', out, '--endpoint', 'http://127.0.0.1:9');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^dixa-archiver: --out .* (is a file|lies inside a file)/);
      expect(run.stderr).not.toContain('s3://');
    }
  });
});

describe('verify', () => {
  it('passes an intact archive', async () => {
    const run = await cli('verify', '--all', ...flags);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, files: 5, problems: [], nothingArchivedFor: [] });
    expect(run.stderr).toContain('OK: 5 file(s)');
  });

  it('reports tampering, missing records, missing files and size mismatches, and exits 1', async () => {
    await tamper(conversation[0]!);
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: recordKey(conversation[1]!.key) }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: conversation[2]!.key }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: other[0]!.key, Body: 'keep me, and more' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: recordKey(conversation[3]!.key), Body: '{"key": 1' }));
    const run = await cli('verify', '--all', ...flags);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    const found = report.problems.map((f: { key: string; problem: string }) => [f.key, f.problem]);
    expect(found).toEqual(
      expect.arrayContaining([
        [conversation[0]!.key, 'sha256-mismatch'],
        [conversation[1]!.key, 'missing-record'],
        [conversation[2]!.key, 'missing-file'],
        [other[0]!.key, 'size-mismatch'],
        [conversation[3]!.key, 'unreadable-record'],
      ]),
    );
    expect(found).toHaveLength(5);
    expect(run.stderr).toContain('FAILED: 5 problem(s)');
  });

  it('checks only the conversations asked for', async () => {
    await tamper(other[0]!);
    expect((await cli('verify', '--conversation', CSID, ...flags)).code).toBe(0);
    expect((await cli('verify', '--conversation', OTHER, ...flags)).code).toBe(1);
  });

  it('exits 3 naming a conversation with nothing archived, and verifies the others', async () => {
    const run = await cli('verify', '--conversation', '999', '--conversation', CSID, ...flags);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, files: 4, nothingArchivedFor: ['999'] });
    expect(run.stderr).toContain(`Nothing is archived for conversation 999 in s3://${BUCKET}/${PREFIX}/.\n`);
    expect(run.stderr).toContain('OK: 4 file(s)');
    expect(run.stderr).not.toContain('dixa-archiver:'); // an answer, not an error
  });

  it('exits 3 when the whole archive is empty (--all)', async () => {
    await clearBucket(s3);
    const run = await cli('verify', '--all', ...flags);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(`Nothing is archived in s3://${BUCKET}/${PREFIX}/.\n`);
  });

  it('a problem wins over nothing archived: exit 1', async () => {
    await tamper(other[0]!);
    expect((await cli('verify', '--conversation', OTHER, '--conversation', '999', ...flags)).code).toBe(1);
  });
});

describe('erase', () => {
  it('deletes every object of the conversation and writes a receipt without personal data', async () => {
    const run = await cli('erase', '--conversation', CSID, '--reason', 'GDPR request #5678', '--yes', ...flags);
    expect(run.code).toBe(0);
    expect(await keysUnder(`${PREFIX}/conversations/${CSID}/`)).toEqual([]);
    expect(await keysUnder(`${PREFIX}/conversations/${OTHER}/`)).toHaveLength(2);

    const { receiptKey, receipt } = JSON.parse(run.stdout) as { receiptKey: string; receipt: ErasureReceipt };
    expect(receiptKey).toMatch(new RegExp(`^${PREFIX}/erasure-receipts/\\d{4}-\\d\\d-\\d\\dT[\\d-]+Z-${CSID}\\.json$`));
    const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: receiptKey }));
    const text = await stored.Body!.transformToString();
    expect(JSON.parse(text)).toEqual(receipt);
    expect(receipt).toMatchObject({
      conversationId: CSID,
      bucket: BUCKET,
      keyPrefix: `${PREFIX}/conversations/${CSID}/`,
      erasedBy: `local user ${userInfo().username}`,
      reason: 'GDPR request #5678',
      objectCount: 8,
      fileCount: 4,
      complete: true,
      failed: [],
      remainingAfterErasure: 0,
    });
    expect(receipt.objects).toHaveLength(8);
    for (const seeded of conversation) {
      expect(receipt.objects).toContainEqual({
        key: seeded.key,
        versionId: null,
        deleteMarker: false,
        sha256: seeded.record.sha256,
      });
      expect(receipt.objects).toContainEqual({
        key: recordKey(seeded.key),
        versionId: null,
        deleteMarker: false,
        sha256: null,
      });
    }
    for (const name of ['invoice.pdf', 'Invoice.pdf', 'passwd', 'org-1', 'msg-']) expect(text).not.toContain(name);
    expect(run.stderr).toContain('About to erase conversation 4711');
  });

  it('refuses without a terminal and without --yes, deleting nothing', async () => {
    const run = await cli('erase', '--conversation', CSID, '--reason', 'GDPR', ...flags);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^dixa-archiver: refusing to erase conversation 4711 without confirmation: run it in a terminal or add --yes$/m,
    );
    expect(await keysUnder(`${PREFIX}/conversations/${CSID}/`)).toHaveLength(8);
    expect(await keysUnder(`${PREFIX}/erasure-receipts/`)).toEqual([]);
  });

  it('needs a reason', async () => {
    const run = await cli('erase', '--conversation', CSID, '--yes', ...flags);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('dixa-archiver: --reason "<text>" is required: it goes into the erasure receipt\n');
  });

  it('answers the request for a conversation with nothing archived: tombstone and a receipt saying nothing was held', async () => {
    const run = await cli('erase', '--conversation', '999', '--reason', 'GDPR', '--yes', ...flags);
    expect(run.code).toBe(3); // nothing was archived: an answer, told apart from an erasure (issue 17's exit codes)
    const { receiptKey, receipt } = JSON.parse(run.stdout) as { receiptKey: string; receipt: ErasureReceipt };
    expect(receipt).toMatchObject({
      conversationId: '999',
      objectCount: 0,
      fileCount: 0,
      nothingArchived: true,
      complete: true,
      objects: [],
    });
    expect(await keysUnder(`${PREFIX}/erasure-receipts/`)).toEqual([receiptKey]);
    expect(await keysUnder(`${PREFIX}/ledger/999/tombstones/`)).toEqual([receipt.tombstoneKey]);
    expect(run.stderr).toContain(
      `Nothing is archived for conversation 999 in s3://${BUCKET}/${PREFIX}/: it is tombstoned, and its receipt says nothing was held.`,
    );
  });
});

describe('help', () => {
  it.each(['list', 'get', 'verify', 'erase', 'redrive'])('%s --help shows usage and an example', async (name) => {
    const run = await cli(name, '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: dixa-archiver ${name}`);
    expect(run.stdout).toContain(`npx dixa-archiver ${name} `);
  });

  it.each(['list', 'get', 'verify', 'erase'])('%s --help documents the one meaning of each exit code', async (name) => {
    const { stdout } = await cli(name, '--help');
    expect(stdout).toMatch(
      /^Exit codes:\n {2}0 {2}.+\n {2}1 {2}.+\n {2}2 {2}the command was typed wrong.*\n {2}3 {2}nothing is archived/m,
    );
  });
});
