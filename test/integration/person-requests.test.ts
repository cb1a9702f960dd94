/**
 * Requests for a person through the CLI, against local mode's storage (s3rver) and the fake Dixa API: a person who
 * requested one conversation (Dixa lists it), was CC'd in a second (an export row) and became requester of a third
 * (an EndUserReplaced webhook) — the index entries written by the archiver's own code from the shapes Dixa sends;
 * found by upper-case e-mail and by phone; a person Dixa no longer knows (the archive index only); and the bad-input
 * rules: one line, exit 1 or 2, nothing changed.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordParticipants } from '../../lambdas/archiver/people.ts';
import { ArchiveStorage } from '../../lambdas/aws/storage.ts';
import type { RequestReceipt } from '../../lambdas/compliance/erasure-request.ts';
import type { RequestManifest } from '../../lambdas/compliance/export.ts';
import {
  type ParticipantsMessage,
  participantsFromExport,
  participantsFromWebhook,
} from '../../lambdas/core/participants.ts';
import { personKey } from '../../lambdas/core/people.ts';
import { freePort } from '../e2e/helpers.ts';
import { type FakeDixaApi, startFakeDixaApi } from '../fakes/dixa-api.ts';
import { PERSON_API_TOKEN } from '../fakes/test-secrets.ts';
import { unzip } from '../fixtures/unzip.ts';
import {
  BUCKET,
  cli,
  cliAtTerminal,
  type Emulator,
  PREFIX,
  seedConversation,
  startS3,
  useDixaApi,
} from './compliance-fixture.ts';

const TOKEN = PERSON_API_TOKEN;
const JANE = 'jane@example.com';
const JANE_PHONE = '+4512345678';
const GHOST = 'ghost@example.com';

let s3: Emulator;
let dixa: FakeDixaApi;
let work: string;
let restoreEnv: () => void;

async function index(message: ParticipantsMessage | undefined) {
  if (!message) throw new Error('no participants in the test row');
  const storage = new ArchiveStorage(s3.s3, BUCKET, { partSizeBytes: 5 * 1024 * 1024, queueSize: 1 });
  await recordParticipants(message, { config: { prefix: PREFIX } as never, storage, secrets: undefined as never });
}

beforeAll(async () => {
  s3 = await startS3();
  // Real time: the CLI paces its own Dixa calls with the system clock (the pacing and 429s are tested on a fake
  // clock). Each command here is a new client with a new pacer, so back-to-back commands may together exceed Dixa's
  // 10 a second: the fake allows more, so no retry line lands in the output these tests compare.
  dixa = await startFakeDixaApi({
    token: TOKEN,
    endUsersPageSize: 1,
    messagesLimit: { requests: 1000, windowMs: 1000 },
  });
  restoreEnv = useDixaApi(TOKEN, dixa.url);
  work = await mkdtemp(join(tmpdir(), 'person-'));
  for (const csid of ['8001', '8002', '8003', '8004', '8005']) {
    await seedConversation(s3.s3, csid, [
      { name: `file-${csid}.pdf`, linkName: `f${csid}.pdf`, content: `bytes of ${csid}` },
    ]);
  }
  // Dixa knows Jane (by e-mail and phone): she requested 8001 and 8005 (two pages of her conversations).
  dixa.addEndUser({ id: 'u-jane', email: JANE, phoneNumber: JANE_PHONE, conversations: [8001, 8005] });
  // The archive saw her CC'd in 8002 (an export row) and made requester of 8003 (EndUserReplaced).
  await index(
    participantsFromExport({
      csid: 8002,
      created_at: Date.parse('2024-01-02T00:00:00Z'),
      author_email: 'agent@acme.example',
      from: 'agent@acme.example',
      to: ['someone@example.net'],
      cc: ['Jane Doe <JANE@example.com>'],
      bcc: [],
    }),
  );
  await index(
    participantsFromWebhook({
      event_timestamp: '2024-01-03T00:00:00Z',
      data: { conversation: { csid: 8003, requester: { id: 'u-jane-2', name: 'Jane', email: JANE, phone: null } } },
    }),
  );
  // 8004 is someone Dixa no longer knows.
  await index(
    participantsFromWebhook({ data: { conversation: { csid: 8004, requester: { id: 'u-x', email: GHOST } } } }),
  );
});

afterAll(async () => {
  restoreEnv();
  await dixa.close();
  await s3.stop();
  await rm(work, { recursive: true, force: true });
});

interface Listed {
  sources: string[];
  conversations: { conversationId: string; foundIn: string[]; roles: string[]; files: { name: string }[] }[];
}
const listed = (run: { stdout: string }) => JSON.parse(run.stdout) as Listed;
const found = (run: { stdout: string }) =>
  listed(run).conversations.map((c) => [c.conversationId, c.foundIn.join('+'), c.roles.join(',')]);
const JANES = [
  ['8001', 'dixa', 'requester'],
  ['8002', 'archive-index', 'cc'],
  ['8003', 'archive-index', 'requester'],
  ['8005', 'dixa', 'requester'],
];

describe('list for a person', () => {
  it('by upper-case e-mail: requested (Dixa, across pages), CC’d and made requester (the archive index)', async () => {
    const before = dixa.requests.length;
    const run = await cli('list', '--email', ' JANE@Example.COM ', '--json', ...s3.flags);
    expect(run.code).toBe(0);
    expect(found(run)).toEqual(JANES);
    expect(listed(run).conversations.map((c) => c.files.map((f) => f.name))).toEqual([
      ['file-8001.pdf'],
      ['file-8002.pdf'],
      ['file-8003.pdf'],
      ['file-8005.pdf'],
    ]);
    expect(run.stderr).toBe(
      "Searched Dixa (1 end user) and the archive's people index (also under 1 more identity Dixa knows for this " +
        'person) for the e-mail address: 4 conversations found.\n',
    );
    const asked = dixa.requests.slice(before);
    expect(asked.map((r) => r.path)).toEqual([
      '/v1/endusers',
      '/v1/endusers/u-jane/conversations',
      '/v1/endusers/u-jane/conversations',
    ]);
    expect(asked[0]!.query).toEqual({ email: JANE });
  });

  it('by phone, in any spelling: Dixa names her e-mail too, so the CC by e-mail is found as well', async () => {
    const run = await cli('list', '--phone', '0045 12-34 56 78', '--json', ...s3.flags);
    expect(found(run)).toEqual(JANES);
  });

  it('says where each conversation was found in the table a person reads', async () => {
    const run = await cliAtTerminal('list', '--phone', '+45 12 34 56 78', ...s3.flags);
    expect(run.code).toBe(0);
    const rows = run.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^CONVERSATION .* FOUND IN$/);
    expect(rows.slice(1).map((row) => row.replace(/^(\d+) .* {2}(\S.*)$/, '$1 $2'))).toEqual([
      '8001 Dixa',
      `8002 archive index (cc, as ${JANE})`,
      `8003 archive index (requester, as ${JANE})`,
      '8005 Dixa',
    ]);
  });

  it('a person Dixa no longer knows: the archive index answers, with or without asking Dixa', async () => {
    expect(found(await cli('list', '--email', GHOST, '--json', ...s3.flags))).toEqual([
      ['8004', 'archive-index', 'requester'],
    ]);
    const before = dixa.requests.length;
    const indexOnly = await cli('list', '--email', GHOST, '--archive-index-only', '--json', ...s3.flags);
    expect(found(indexOnly)).toEqual([['8004', 'archive-index', 'requester']]);
    expect(listed(indexOnly).sources).toEqual(['archive-index']);
    expect(dixa.requests.length).toBe(before); // Dixa was not asked
  });

  it('an unknown person: an empty answer that names the sources searched, exit 0', async () => {
    const run = await cli('list', '--email', 'nobody@example.com', '--json', ...s3.flags);
    expect(run.code).toBe(0);
    expect(listed(run)).toMatchObject({ sources: ['dixa', 'archive-index'], conversations: [] });
    expect(run.stderr).toMatch(
      /^Searched Dixa \(0 end users\) and the archive's people index .*: 0 conversations found\.\n$/,
    );
  });

  it('a conversation Dixa lists with nothing archived gets a line of its own; --from/--to narrow the files', async () => {
    dixa.addEndUser({ id: 'u-new', externalId: 'crm-9', conversations: [8006, 8001] });
    const run = await cli('list', '--external-id', 'crm-9', '--json', ...s3.flags);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Conversation 8006 (found in Dixa): nothing is archived for it.');
    const period = await cli(
      'list',
      '--external-id',
      'crm-9',
      '--from',
      '2020-01-01',
      '--to',
      '2020-12-31',
      ...s3.flags,
    );
    expect(period.code).toBe(0);
    expect(period.stderr).toMatch(/Conversation 8001 \(found in Dixa\): nothing is archived for it for messages from/);
  });
});

describe('an access request', () => {
  it('get --out: one folder per conversation and a manifest of what was searched, when, where found, every fingerprint', async () => {
    const out = join(work, 'jane');
    const run = await cli('get', '--email', 'Jane@Example.com', '--out', out, ...s3.flags);
    expect(run.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['8001', '8002', '8003', '8005', 'manifest.json']);
    expect(await readFile(join(out, '8002', 'file-8002.pdf'), 'utf8')).toBe('bytes of 8002');
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as RequestManifest;
    expect(manifest.request).toMatchObject({
      person: { type: 'email', value: JANE },
      sources: ['dixa', 'archive-index'],
      dixaEndUsers: 1,
      relatedIdentities: [{ type: 'phone', value: JANE_PHONE }],
    });
    expect(Date.parse(String(manifest.request.searchedAt))).toBeGreaterThan(Date.now() - 60_000);
    expect(
      (manifest.request.conversations as { conversationId: string; foundIn: string[]; roles: string[] }[]).map((c) => [
        c.conversationId,
        c.foundIn.join('+'),
        c.roles.join(','),
      ]),
    ).toEqual(JANES);
    expect(manifest.complete).toBe(true);
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(manifest.conversations.map((c) => [c.folder, c.files.map((f) => [f.file, f.record.sha256])])).toEqual(
      ['8001', '8002', '8003', '8005'].map((csid) => [csid, [[`file-${csid}.pdf`, sha(`bytes of ${csid}`)]]]),
    );
  });

  it('get --zip: the same folders and manifest in one zip', async () => {
    const file = join(work, 'jane.zip');
    const run = await cli('get', '--phone', '+45 12 34 56 78', '--zip', file, '--json', ...s3.flags);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ complete: true, zip: file });
    const entries = await unzip(await readFile(file));
    expect([...entries.keys()]).toEqual([
      '8001/file-8001.pdf',
      '8002/file-8002.pdf',
      '8003/file-8003.pdf',
      '8005/file-8005.pdf',
      'manifest.json',
    ]);
    expect(entries.get('8003/file-8003.pdf')!.toString()).toBe('bytes of 8003');
    const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as RequestManifest;
    expect(manifest.request).toMatchObject({ person: { type: 'phone', value: JANE_PHONE } });
    expect(manifest.conversations.flatMap((c) => c.files.map((f) => f.file))).toHaveLength(4);
  });

  it('get --conversation --zip: the conversations asked for; nothing archived leaves no file (exit 3)', async () => {
    const file = join(work, 'by-csid.zip');
    const run = await cli('get', '--conversation', '8004', '--conversation', '8001', '--zip', file, ...s3.flags);
    expect(run.code).toBe(0);
    expect([...(await unzip(await readFile(file))).keys()]).toEqual([
      '8004/file-8004.pdf',
      '8001/file-8001.pdf',
      'manifest.json',
    ]);
    const none = join(work, 'none.zip');
    const empty = await cli('get', '--conversation', '9999', '--zip', none, ...s3.flags);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toMatch(/^Nothing is archived for conversation 9999 in .*: nothing was exported\.\n$/);
    await expect(stat(none)).rejects.toThrow(/ENOENT/);
  });

  it('an unknown person: a manifest that names the sources searched and no conversation, exit 0', async () => {
    const out = join(work, 'nobody');
    const run = await cli('get', '--email', 'nobody@example.com', '--out', out, ...s3.flags);
    expect(run.code).toBe(0);
    expect(await readdir(out)).toEqual(['manifest.json']);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as RequestManifest;
    expect(manifest.request).toMatchObject({ sources: ['dixa', 'archive-index'], conversations: [] });
    expect(manifest.conversations).toEqual([]);
  });

  it('refuses an existing zip or a full folder before Dixa is asked; Dixa failing leaves no file', async () => {
    const before = dixa.requests.length;
    const existing = join(work, 'exists.zip');
    await writeFile(existing, 'mine');
    const zip = await cli('get', '--email', JANE, '--zip', existing, ...s3.flags);
    expect([zip.code, zip.stderr]).toEqual([
      2,
      `dixa-archiver: --zip ${existing} exists: give the name of a new file\n`,
    ]);
    expect(await readFile(existing, 'utf8')).toBe('mine');
    const full = join(work, 'jane'); // written by the first test
    const folder = await cli('get', '--email', JANE, '--out', full, ...s3.flags);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/--out .* is not empty/);
    const both = await cli('get', '--email', JANE, '--out', join(work, 'x'), '--zip', join(work, 'x.zip'), ...s3.flags);
    expect([both.code, both.stderr]).toEqual([2, 'dixa-archiver: give --out or --zip, not both\n']);
    expect(dixa.requests.length).toBe(before);

    process.env.DIXA_API_TOKEN = 'wrong-token';
    try {
      const fresh = join(work, 'refused.zip');
      const refused = await cli('get', '--email', JANE, '--zip', fresh, ...s3.flags);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^dixa-archiver: Dixa's end-user API could not be asked/);
      await expect(stat(fresh)).rejects.toThrow(/ENOENT/);
    } finally {
      process.env.DIXA_API_TOKEN = TOKEN;
    }
  });
});

const keys = async (prefix: string) =>
  ((await s3.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);
const eraseAsked = (...args: string[]) => cli('erase', ...args, '--reason', 'GDPR request 77', '--yes', ...s3.flags);

interface Erased {
  requestReceiptKey: string;
  requestReceipt: RequestReceipt;
  receipts: { receiptKey: string; receipt: { conversationId: string; tombstoneKey: string; fileCount: number } }[];
}

let janes: Erased | undefined;

describe('an erasure request', () => {
  it('refuses the whole request while one conversation is held, naming it and its matter: nothing is erased', async () => {
    const add = await cli(
      'hold',
      'add',
      '--conversation',
      '8003',
      '--matter',
      'Case 12',
      '--reason',
      'audit',
      ...s3.flags,
    );
    expect(add.code).toBe(0);
    const run = await eraseAsked('--email', JANE);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      `dixa-archiver: refusing to erase this person's conversations: conversation 8003 ("Case 12") is under legal ` +
        'hold; release the hold first (dixa-archiver hold release); nothing was deleted',
    );
    for (const csid of ['8001', '8002', '8003', '8005']) {
      expect(await keys(`${PREFIX}/conversations/${csid}/`)).toHaveLength(2);
      expect(await keys(`${PREFIX}/ledger/${csid}/tombstones/`)).toEqual([]);
    }
    expect(await keys(`${PREFIX}/erasure-receipts/`)).toEqual([]);
    const release = await cli('hold', 'release', '--matter', 'Case 12', '--reason', 'closed', ...s3.flags);
    expect(release.code).toBe(0);
  });

  it('asks for the person, not a number: without --yes and no terminal, nothing is erased', async () => {
    const run = await cli('erase', '--email', JANE, '--reason', 'GDPR request 77', ...s3.flags);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      /^dixa-archiver: refusing to erase the 4 conversation\(s\) of this person without confirmation/,
    );
    expect(await keys(`${PREFIX}/ledger/8001/tombstones/`)).toEqual([]);
  });

  it('erases every conversation (tombstone and receipt each) and links them in one request receipt', async () => {
    const run = await eraseAsked('--email', 'Jane@Example.COM', '--json');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as Erased;
    janes = out;
    const receipt = out.requestReceipt;
    expect(receipt).toMatchObject({
      person: { type: 'email', personKey: personKey('email', JANE) },
      relatedPersons: [{ type: 'phone', personKey: personKey('phone', JANE_PHONE) }],
      sources: ['dixa', 'archive-index'],
      dixaEndUsers: 1,
      reason: 'GDPR request 77',
      nothingFound: false,
      unfinished: [],
      complete: true,
    });
    expect(receipt.conversations.map((c) => [c.conversationId, c.foundIn.join('+'), c.fileCount])).toEqual([
      ['8001', 'dixa', 1],
      ['8002', 'archive-index', 1],
      ['8003', 'archive-index', 1],
      ['8005', 'dixa', 1],
    ]);
    expect(receipt.conversations.map((c) => c.receiptKey)).toEqual(out.receipts.map((r) => r.receiptKey));
    const stored = await keys(`${PREFIX}/erasure-receipts/`);
    expect(stored).toEqual(expect.arrayContaining([out.requestReceiptKey, ...out.receipts.map((r) => r.receiptKey)]));
    expect(out.requestReceiptKey).toMatch(
      /^dixa\/erasure-receipts\/requests\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-f-]{36}\.json$/,
    );
    // The receipt names the person by person key only.
    const body = JSON.stringify(receipt).toLowerCase();
    for (const plain of [JANE, JANE_PHONE, '4512345678', 'jane']) expect(body).not.toContain(plain);
    for (const csid of ['8001', '8002', '8003', '8005']) {
      expect(await keys(`${PREFIX}/conversations/${csid}/`)).toEqual([]);
      expect(await keys(`${PREFIX}/ledger/${csid}/tombstones/`)).toHaveLength(1);
    }
    expect(await keys(`${PREFIX}/people/${personKey('email', JANE)}/`)).toEqual([]);
    expect(await keys(`${PREFIX}/conversations/8004/`)).toHaveLength(2); // someone else's
  });

  it('an unknown person: a request receipt that says nothing was found and which sources were searched, exit 0', async () => {
    const run = await eraseAsked('--email', 'nobody@example.com', '--json');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as Erased;
    expect(out.requestReceipt).toMatchObject({
      nothingFound: true,
      conversations: [],
      sources: ['dixa', 'archive-index'],
      complete: true,
    });
    expect(await keys(out.requestReceiptKey)).toEqual([out.requestReceiptKey]);
    expect(run.stderr).toContain('nothing of this person was found, and the request receipt says so');
  });

  it('refuses when Dixa cannot be asked; --archive-index-only erases what the index knows', async () => {
    process.env.DIXA_API_BASE_URL = `http://127.0.0.1:${await freePort()}`;
    try {
      const refused = await eraseAsked('--email', GHOST);
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n').at(-1)).toMatch(
        /^dixa-archiver: Dixa's end-user API could not be asked .*; nothing was changed\. .*--archive-index-only/,
      );
      expect(await keys(`${PREFIX}/ledger/8004/tombstones/`)).toEqual([]);
      const run = await eraseAsked('--email', GHOST, '--archive-index-only', '--json');
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout) as Erased;
      expect(out.requestReceipt).toMatchObject({ sources: ['archive-index'], dixaEndUsers: 0 });
      expect(out.requestReceipt.conversations.map((c) => [c.conversationId, c.foundIn])).toEqual([
        ['8004', ['archive-index']],
      ]);
      expect(await keys(`${PREFIX}/conversations/8004/`)).toEqual([]);
    } finally {
      process.env.DIXA_API_BASE_URL = dixa.url;
    }
  }, 20_000);
});

describe('receipts', () => {
  interface Listing {
    key: string;
    kind: string;
    conversationId: string | null;
    conversations?: string[];
    erasedAt: string;
  }
  const receipts = async (...args: string[]) => {
    const run = await cli('receipts', ...args, '--json', ...s3.flags);
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as Listing[];
  };

  it("lists every receipt, newest first: the conversations' own and the request receipts", async () => {
    const all = await receipts();
    expect(all.filter((r) => r.kind === 'request')).toHaveLength(3); // Jane, nobody, the ghost
    expect(
      all
        .filter((r) => r.kind === 'conversation')
        .map((r) => r.conversationId)
        .sort(),
    ).toEqual(['8001', '8002', '8003', '8004', '8005']);
    expect(all.map((r) => r.erasedAt)).toEqual(
      all
        .map((r) => r.erasedAt)
        .sort()
        .reverse(),
    );
  });

  it("--conversation: that conversation's receipt and the request receipt that links it", async () => {
    const found = await receipts('--conversation', '8002');
    expect(found.map((r) => [r.kind, r.key])).toEqual(
      expect.arrayContaining([
        ['conversation', janes!.receipts.find((r) => r.receipt.conversationId === '8002')!.receiptKey],
        ['request', janes!.requestReceiptKey],
      ]),
    );
    expect(found).toHaveLength(2);
    expect(found.find((r) => r.kind === 'request')!.conversations).toEqual(['8001', '8002', '8003', '8005']);
  });

  it('--from/--to: the erasures of a period; none in it is an answer too', async () => {
    const today = new Date().toISOString().slice(0, 10);
    expect(await receipts('--from', today, '--to', today)).toHaveLength(8);
    expect(await receipts('--to', '2020-01-01')).toEqual([]);
    const none = await cliAtTerminal('receipts', '--to', '2020-01-01', ...s3.flags);
    expect([none.code, none.stdout]).toEqual([0, '']);
    expect(none.stderr).toBe(`No erasure receipts in s3://${BUCKET}/${PREFIX}/ in that period.\n`);
  });

  it('show: a request receipt in plain words (the person by fingerprint only), or exactly as stored', async () => {
    const stored = await cli('receipts', 'show', janes!.requestReceiptKey, '--json', ...s3.flags);
    expect(JSON.parse(stored.stdout)).toEqual(janes!.requestReceipt);
    const plain = await cliAtTerminal('receipts', 'show', janes!.requestReceiptKey, ...s3.flags);
    expect(plain.code).toBe(0);
    const lines = plain.stdout.split('\n');
    expect(lines).toContain(`Person              the e-mail address whose person key is ${personKey('email', JANE)}`);
    expect(lines).toContain('Conversations       4 erased:');
    expect(lines.find((l) => l.startsWith('  8002'))).toBe(
      `  8002  found in archive index, 1 file(s)  receipt ${janes!.requestReceipt.conversations[1]!.receiptKey}`,
    );
    expect(lines).toContain('Complete            yes');
    expect(plain.stdout.toLowerCase()).not.toContain('jane');
  });

  it("show: a conversation's receipt, with each removed file's SHA-256 and its tombstone", async () => {
    const { receiptKey, receipt } = janes!.receipts[0]!;
    const plain = await cliAtTerminal('receipts', 'show', receiptKey, ...s3.flags);
    expect(plain.code).toBe(0);
    const sha = createHash('sha256').update('bytes of 8001').digest('hex');
    expect(plain.stdout).toContain(`Conversation        8001\n`);
    expect(plain.stdout).toMatch(new RegExp(`\n  ${sha}  dixa/conversations/8001/`));
    expect(plain.stdout).toContain(`Tombstone           ${receipt.tombstoneKey} (its files are never archived again)`);
  });

  it.each([
    [['show'], 2, /^dixa-archiver: give the receipt key/],
    [['show', 'elsewhere/x.json'], 2, /is not a receipt key/],
    [['show', 'dixa/erasure-receipts/2020-01-01T00-00-00-000Z-1.json'], 1, /^dixa-archiver: no receipt at /],
    [['--from', 'yesterday'], 2, /--from must be a date/],
    [['--conversation', 'x1'], 2, /conversation/],
  ])('receipts %j → exit %i, one line', async (args, code, message) => {
    const run = await cli('receipts', ...(args as string[]), ...s3.flags);
    expect(run.code).toBe(code);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message as RegExp);
  });
});

describe('bad input: one line, exit 1 or 2, nothing changed', () => {
  it.each([
    [['--email', 'not-an-address'], 2, /^dixa-archiver: --email: an e-mail address needs/],
    [['--phone', '12345678'], 2, /needs its country code/],
    [['--email', JANE, '--phone', JANE_PHONE], 2, /give one person selector, not --email and --phone/],
    [['--email', JANE, '--conversation', '8001'], 2, /give either --conversation or --email, not both/],
    [['--conversation', '8001', '--archive-index-only'], 2, /--archive-index-only goes with --email/],
    [['--email', JANE, '--email', GHOST], 2, /--email was given more than once/],
  ])('list, get and erase %j → exit %i', async (args, code, message) => {
    const before = dixa.requests.length;
    const receipts = await keys(`${PREFIX}/erasure-receipts/`);
    for (const command of [
      ['list'],
      ['get', '--out', join(work, 'never')],
      ['erase', '--reason', 'GDPR request 78', '--yes'],
    ]) {
      const run = await cli(...command, ...(args as string[]), ...s3.flags);
      expect(run.code).toBe(code);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message as RegExp);
    }
    expect(dixa.requests.length).toBe(before);
    expect(await keys(`${PREFIX}/erasure-receipts/`)).toEqual(receipts);
    await expect(stat(join(work, 'never'))).rejects.toThrow(/ENOENT/);
  });

  it('erase for a person needs a reason before anything is asked', async () => {
    const before = dixa.requests.length;
    const run = await cli('erase', '--email', JANE, '--yes', ...s3.flags);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^dixa-archiver: --reason/);
    expect(dixa.requests.length).toBe(before);
  });

  it('Dixa refusing the token: one line naming the way out', async () => {
    process.env.DIXA_API_TOKEN = 'wrong-token';
    try {
      const run = await cli('list', '--email', JANE, ...s3.flags);
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(
        /^dixa-archiver: Dixa's end-user API could not be asked \(Dixa rejected the API token: .* 401 Unauthorized.*\); nothing was changed\. .*--archive-index-only/,
      );
      expect(run.stderr).not.toContain('wrong-token');
    } finally {
      process.env.DIXA_API_TOKEN = TOKEN;
    }
  });

  it('Dixa unreachable: one line after a few quick tries', async () => {
    process.env.DIXA_API_BASE_URL = `http://127.0.0.1:${await freePort()}`;
    try {
      const run = await cli('list', '--email', JANE, ...s3.flags);
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(
        /^dixa-archiver: Dixa's end-user API could not be asked \(gave up after 4 attempts, last: 127\.0\.0\.1:\d+: .*ECONNREFUSED/,
      );
      expect(lines.slice(0, -1).every((line) => line.startsWith('Dixa: '))).toBe(true); // the retries, as they happen
    } finally {
      process.env.DIXA_API_BASE_URL = dixa.url;
    }
  }, 20_000);

  it('no token: one line naming both ways out', async () => {
    delete process.env.DIXA_API_TOKEN;
    try {
      const run = await cli('list', '--email', JANE, ...s3.flags);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        'dixa-archiver: no Dixa API token: set DIXA_API_TOKEN or pass --token-file <path>, or add ' +
          "--archive-index-only to search the archive's own index only\n",
      );
    } finally {
      process.env.DIXA_API_TOKEN = TOKEN;
    }
  });
});
