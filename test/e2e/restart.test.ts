/**
 * Invariant 7: local mode loses no job across a crash. Local mode runs as a child process (the installed
 * `dixa-archiver` bin); it is SIGKILLed while downloads are in progress, restarted on the same ARCHIVE_DIR, and
 * every file must then be archived exactly once.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSha256, type FilesServer, startFilesServer } from '../fakes/files-server.ts';
import {
  archivedFiles,
  type Child,
  childEnv,
  conversationKeys,
  journalSize,
  messageAdded,
  postWebhook,
  receiveAll,
  s3At,
  signalGroup,
  sqsAt,
  startChild,
  until,
  WEBHOOK_SECRET,
  waitForReady,
} from './helpers.ts';

const KIB = 1024;
const CONVERSATIONS = [5001, 5002, 5003];
/** Per conversation: a file that downloads at once and one whose first download stalls half-way. */
const fast = (csid: number) => `/private/org-e2e/${csid}/contract.pdf`;
const slow = (csid: number) => `/public/org-e2e/${csid}/recording.mp3`;
const SIZE = { fast: 300 * KIB + 11, slow: 700 * KIB + 3 };

let files: FilesServer;
const children: Child[] = [];

beforeAll(async () => {
  files = await startFilesServer({ token: 'restart-token' });
  for (const csid of CONVERSATIONS) {
    files.addFile(fast(csid), { size: SIZE.fast, contentType: 'application/pdf' });
    files.addFile(slow(csid), {
      size: SIZE.slow,
      contentType: 'audio/mpeg',
      faults: [{ kind: 'stall', afterBytes: 200 * KIB }],
    });
  }
});

afterAll(async () => {
  for (const child of children) signalGroup(child, 'SIGKILL');
  await files?.close();
});

describe('local mode after SIGKILL', () => {
  it('re-queues the unfinished jobs at the next start and archives every file exactly once', {
    timeout: 120_000,
  }, async () => {
    const archiveDir = await mkdtemp(join(tmpdir(), 'dixa-restart-'));
    const journalDir = join(archiveDir, 'journal');
    const env = childEnv({
      ARCHIVE_DIR: archiveDir,
      PORT: '0',
      S3_PORT: '0',
      SQS_PORT: '0',
      DIXA_FILES_BASE_URL: files.baseUrl,
      DIXA_API_TOKEN: files.token,
      DIXA_WEBHOOK_SECRET: WEBHOOK_SECRET,
      LOG_FORMAT: 'json',
    });
    const launch = () => {
      const child = startChild(process.execPath, ['cli/bin.mjs', 'local'], env);
      children.push(child);
      return child;
    };

    // First run: three webhooks; the fast files archive, the slow ones hang mid-download.
    const first = launch();
    const ready = await waitForReady(first);
    for (const csid of CONVERSATIONS) {
      const answer = await postWebhook(String(ready.webhookUrl), messageAdded(csid, [fast(csid), slow(csid)]));
      expect(answer.status).toBe(202);
    }
    const s3First = s3At(String(ready.s3Endpoint));
    const fastArchived = async () => {
      const counts = await Promise.all(
        CONVERSATIONS.map(async (c) => (await archivedFiles(s3First, 'dixa-archive', 'dixa', c)).length),
      );
      return counts.every((n) => n === 1);
    };
    const slowInProgress = () => CONVERSATIONS.every((c) => files.requestCount(slow(c)) === 1);
    await until(async () => slowInProgress() && (await fastArchived()) && (await journalSize(journalDir)) === 3);
    expect(slowInProgress()).toBe(true);
    expect(await fastArchived()).toBe(true);

    signalGroup(first, 'SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    // What was not archived when the process died is still on disk, one file per job.
    expect(await journalSize(journalDir)).toBe(3);

    // Second run on the same ARCHIVE_DIR (new random ports): the journal is replayed.
    const second = launch();
    const again = await waitForReady(second);
    expect(again.replayed).toBe(3);
    const s3 = s3At(String(again.s3Endpoint));
    const allArchived = async () => {
      const counts = await Promise.all(
        CONVERSATIONS.map(async (c) => (await archivedFiles(s3, 'dixa-archive', 'dixa', c)).length),
      );
      return counts.every((n) => n === 2);
    };
    await until(async () => (await allArchived()) && (await journalSize(journalDir)) === 0);

    for (const csid of CONVERSATIONS) {
      const archived = await archivedFiles(s3, 'dixa-archive', 'dixa', csid);
      expect(archived.map((a) => a.record.sourceUrl).sort(), `conversation ${csid}`).toEqual(
        [`${files.baseUrl}${fast(csid)}`, `${files.baseUrl}${slow(csid)}`].sort(),
      );
      for (const pair of archived) {
        const path = new URL(pair.record.sourceUrl).pathname;
        const size = path === fast(csid) ? SIZE.fast : SIZE.slow;
        expect(pair.sha256, path).toBe(await contentSha256(path, size));
        expect(pair.record.sha256).toBe(pair.sha256);
      }
      // exactly one copy: two files and their two records, nothing else
      expect(await conversationKeys(s3, 'dixa-archive', 'dixa', csid)).toHaveLength(4);
      expect(files.requestCount(fast(csid))).toBe(1); // archived before the crash: not fetched again
      expect(files.requestCount(slow(csid))).toBe(2); // the stalled attempt, then the replayed job
    }
    expect(await journalSize(journalDir)).toBe(0);
    expect(await receiveAll(sqsAt(String(again.sqsEndpoint)), String(again.deadLetterQueueUrl))).toEqual([]);
    files.assertNoLeaks();

    signalGroup(second, 'SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});
