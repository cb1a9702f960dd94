/**
 * The anonymization follower end to end: `dixa-archiver sweep --follow-anonymization report|erase|off` against the
 * fake Dixa API (conversation export, conversation resource, paged activity log; one clock with the CLI, so pacing is
 * measured as Dixa would), s3rver, fauxqs and the real archiver handler. Dixa anonymizes one archived conversation,
 * anonymizes a second one that is under legal hold, and redacts one message with files in a third.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOLD_EVENT_VERSION, matterKey, writeHoldEvent } from '../../lambdas/compliance/holds.ts';
import { conversationPrefix, ledgerPrefix, receiptPrefix } from '../../lambdas/core/keys.ts';
import {
  createFakeClock,
  DAY_MS,
  type ExpectedFile,
  type ExportRow,
  type FakeClock,
  type FakeDixaApi,
  startFakeDixaApi,
} from '../fakes/dixa-api.ts';
import { FOLLOWER_API_TOKEN } from '../fakes/test-secrets.ts';
import { BUCKET, type Harness, PREFIX, startHarness } from './archiver-harness.ts';
import { runSweepCommand } from './sweep-cli.ts';

const TOKEN = FOLLOWER_API_TOKEN;
const NOW = Date.UTC(2025, 0, 15, 12);
const FIRST_DAY = Date.UTC(2025, 0, 13);
const ANONYMIZED_AT = NOW - 2 * 3_600_000;
const REDACTED_AT = NOW - 3_600_000;

let harness: Harness;
let dixa: FakeDixaApi;
let clock: FakeClock;
let files: ExpectedFile[];
/** Dixa anonymizes A; anonymizes H, which a legal hold holds; redacts message M (with files) of conversation R. */
let A: string;
let H: string;
let R: string;
let M: ExportRow;

const sweep = (...args: string[]) => runSweepCommand({ harness, dixa, clock, token: TOKEN }, args);

const keysUnder = async (prefix: string) =>
  ((await harness.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map(
    (o) => o.Key!,
  );
const read = async (key: string) =>
  JSON.parse(
    await (await harness.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString(),
  );
const filesOf = async (csid: string) =>
  (await keysUnder(conversationPrefix(PREFIX, csid))).filter((k) => !k.endsWith('.json'));
const urlOf = (link: string) => new URL(link, harness.files.baseUrl).href;

beforeEach(async () => {
  harness = await startHarness({ token: TOKEN, idleTimeoutMs: 10_000 });
  clock = createFakeClock(NOW);
  dixa = await startFakeDixaApi({ token: TOKEN, clock, filesBaseUrl: harness.files.baseUrl, messagesPerDay: 8 });
  const data = dixa.exportData(FIRST_DAY, FIRST_DAY + 3 * DAY_MS);
  files = data.files;
  for (const file of files) harness.files.addFile(new URL(file.url).pathname, { size: 1_500 });

  // Three different conversations with files; M is a message with files in a conversation with other files too.
  const valid = new Set(files.map((f) => f.url));
  M = data.rows.find(
    (row) =>
      (row.attached_files?.length ?? 0) > 0 &&
      row.attached_files!.every((link) => valid.has(urlOf(link))) &&
      countOf(String(row.csid)) > row.attached_files!.length,
  )!;
  R = String(M.csid);
  const others = [...new Set(files.map((f) => f.conversationId))].filter((csid) => csid !== R);
  expect(others.length).toBeGreaterThanOrEqual(2);
  A = others[0]!;
  H = others[1]!;

  // Everything is archived first (the sweep finds it all missing and queues it), then Dixa anonymizes and redacts.
  expect((await sweep('--follow-anonymization', 'off')).report.totals.queued).toBe(files.length);
  await harness.drain();
  dixa.anonymizeConversation(A, ANONYMIZED_AT);
  dixa.anonymizeConversation(H, ANONYMIZED_AT);
  dixa.redactMessage(R, M.id, REDACTED_AT, M.attached_files!.length);
  await writeHoldEvent(
    { s3: harness.s3, bucket: BUCKET, prefix: PREFIX },
    {
      holdEventVersion: HOLD_EVENT_VERSION,
      conversationId: H,
      action: 'add',
      matter: 'Case 2025-17',
      matterKey: matterKey('Case 2025-17'),
      reason: 'litigation',
      at: new Date(NOW - DAY_MS).toISOString(),
      by: 'test',
      archivedFiles: 1,
    },
  );
}, 60_000);
afterEach(async () => {
  await dixa.close();
  await harness.close();
});

const countOf = (csid: string) => files.filter((f) => f.conversationId === csid).length;
const anonymizedAt = new Date(ANONYMIZED_AT).toISOString();
const redactedAt = new Date(REDACTED_AT).toISOString();

describe('sweep --follow-anonymization', () => {
  it('report: lists the anonymized conversations (the held one as held) and the redacted message; erases nothing', async () => {
    const { code, report } = await sweep();
    expect(code).toBe(0);
    expect(report.followAnonymization).toBe('report');
    expect(report.anonymization.status).toBe('checked');
    expect(
      report.anonymization.conversations.sort(
        (x, y) => Number(x.conversationId !== A) - Number(y.conversationId !== A),
      ),
    ).toEqual([
      { conversationId: A, anonymizedAt, files: countOf(A), action: 'listed' },
      { conversationId: H, anonymizedAt, files: countOf(H), action: 'held', heldBy: ['Case 2025-17'] },
    ]);
    expect(report.anonymization.messages).toEqual([
      {
        conversationId: R,
        messageId: M.id,
        anonymizedAt: redactedAt,
        files: M.attached_files!.length,
        dixaDeletedFiles: M.attached_files!.length,
        action: 'listed',
      },
    ]);
    for (const csid of [A, H, R]) expect(await filesOf(csid)).toHaveLength(countOf(csid));
    expect(await keysUnder(receiptPrefix(PREFIX))).toEqual([]);
  });

  it('erase: erases the anonymized conversation and the redacted message as erase does, never the held one; it sticks', async () => {
    const { code, report } = await sweep('--follow-anonymization', 'erase');
    expect(code).toBe(0);
    const [erased] = report.anonymization.conversations.filter((f) => f.conversationId === A);
    expect(erased).toMatchObject({ action: 'erased', files: countOf(A), anonymizedAt });
    expect(report.anonymization.conversations.find((f) => f.conversationId === H)).toMatchObject({
      action: 'held',
      heldBy: ['Case 2025-17'],
    });
    const [message] = report.anonymization.messages;
    expect(message).toMatchObject({ conversationId: R, messageId: M.id, action: 'erased' });

    // A: tombstone and receipt as `erase` writes them, with the follower's reason; nothing of A is left.
    expect(await keysUnder(conversationPrefix(PREFIX, A))).toEqual([]);
    const receipt = await read(erased!.receiptKey!);
    expect(receipt).toMatchObject({
      conversationId: A,
      reason: `anonymized in Dixa at ${anonymizedAt}`,
      fileCount: countOf(A),
      complete: true,
    });
    expect(receipt.erasedBy).toMatch(/^local user /);
    expect(await keysUnder(`${ledgerPrefix(PREFIX, A)}tombstones/`)).toEqual([receipt.tombstoneKey]);

    // M: its files only, with a message tombstone and a receipt naming the message; R's other files stay.
    const messageReceipt = await read(message!.receiptKey!);
    expect(messageReceipt).toMatchObject({
      conversationId: R,
      messageId: M.id,
      reason: `anonymized in Dixa at ${redactedAt}`,
      fileCount: M.attached_files!.length,
      complete: true,
    });
    expect(messageReceipt.tombstoneKey).toContain(`/tombstones/messages/${M.id}/`);
    const left = await filesOf(R);
    expect(left).toHaveLength(countOf(R) - M.attached_files!.length);
    for (const link of M.attached_files!) {
      expect(left.some((key) => harness.keyOf({ ...jobFor(link), conversationId: R }) === key)).toBe(false);
    }
    // H is held: every file is still there.
    expect(await filesOf(H)).toHaveLength(countOf(H));

    // The next day's sweep: nothing more to erase; A's files count as erased and nothing is queued again.
    const again = await sweep('--follow-anonymization', 'erase');
    expect(again.report.anonymization.conversations.map((f) => [f.conversationId, f.action])).toEqual([[H, 'held']]);
    expect(again.report.anonymization.messages).toEqual([]);
    expect(again.report.totals).toMatchObject({ queued: 0, erased: countOf(A) });
    expect(await harness.drain()).toBe(0);
    expect(await keysUnder(receiptPrefix(PREFIX))).toHaveLength(2);
  });

  it('off: Dixa is not asked about anonymization and nothing changes', async () => {
    const before = dixa.requests.length;
    const { code, report } = await sweep('--follow-anonymization', 'off');
    expect(code).toBe(0);
    expect(report.anonymization).toEqual({ policy: 'off', status: 'off', conversations: [], messages: [], errors: [] });
    const asked = dixa.requests.slice(before).map((r) => r.route);
    expect(asked).not.toContain('conversation-export');
    expect(asked).not.toContain('activitylog');
    expect(asked).not.toContain('conversation');
    expect(await filesOf(A)).toHaveLength(countOf(A));
  });

  it('paces within Dixa’s limits, follows every activity-log page and rides out 429s and a 503', async () => {
    for (let i = 0; i < 5; i++) dixa.redactMessage('100001', `text-only-${i}`, REDACTED_AT + i, 0); // more pages
    dixa.queueFaults('messages', { status: 429, retryAfter: '2' }, { status: 503 });
    dixa.queueFaults('export', { status: 429, retryAfter: '30' });
    const before = dixa.requests.length;
    const { code, report } = await sweep('--follow-anonymization', 'erase');
    expect(code, JSON.stringify(report.anonymization.errors)).toBe(0);
    expect(report.anonymization.status).toBe('checked');
    expect(report.anonymization.messages.map((f) => f.messageId)).toEqual([M.id]); // text-only redactions: no files
    const requests = dixa.requests.slice(before);
    const pages = requests.filter((r) => r.route === 'activitylog' && r.status === 200);
    expect(pages.length).toBeGreaterThanOrEqual(4); // 7 entries, at most 2 a page
    expect(new Set(pages.map((p) => p.query.pageKey ?? '')).size).toBe(pages.length);
    expect(requests.filter((r) => r.status === 429)).toHaveLength(2);
    expect(dixa.maxRequestsInWindow('messages', 1_000)).toBeLessThanOrEqual(10);
    expect(dixa.maxRequestsInWindow('export', 60_000)).toBeLessThanOrEqual(10);
  }, 60_000);

  it('a Dixa that cannot be asked leaves the follower unproven (exit 1) and erases nothing', async () => {
    dixa.alwaysFail('messages', (url) => url.pathname.endsWith('/activitylog'), { status: 500 });
    dixa.alwaysFail('export', (url) => url.pathname === '/v1/conversation_export', { status: 500 });
    const { code, report } = await sweep('--follow-anonymization', 'erase');
    expect(code).toBe(1);
    expect(report.status).not.toBe('unproven'); // the days themselves were proven
    expect(report.anonymization.status).toBe('unproven');
    expect(report.anonymization.errors).toEqual([
      expect.stringMatching(/^conversation export 2025-01-13\.\.2025-01-15: .*500/),
      expect.stringMatching(/^activity log: .*500/),
    ]);
    expect(await keysUnder(receiptPrefix(PREFIX))).toEqual([]);
  }, 120_000);
});

function jobFor(link: string) {
  return {
    v: 1 as const,
    url: urlOf(link),
    visibility: 'private' as const,
    kind: 'attachment' as const,
    conversationId: R,
    source: 'export' as const,
  };
}
