/**
 * The whole pipeline through local mode (in this process): signed webhooks into the real ingest handler, jobs
 * through fauxqs, the real archiver handler fetching from the fake files.dixa.io, files into s3rver on disk.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../cli/local/config.ts';
import { type RunningLocal, startLocal } from '../../cli/local/start.ts';
import { contentSha256, type FilesServer, startFilesServer } from '../fakes/files-server.ts';
import {
  archivedFiles,
  conversationKeys,
  journalSize,
  messageAdded,
  postWebhook,
  receiveAll,
  s3At,
  sqsAt,
  until,
  WEBHOOK_SECRET,
} from './helpers.ts';

const MIB = 1024 * 1024;
const REPORT = '/private/org-e2e/attachments/report.pdf';
const PHOTO = '/public/org-e2e/attachments/photo%20one.jpg';
const SIZES: Record<string, number> = { [REPORT]: 9 * MIB + 123, [PHOTO]: 200 * 1024 + 7 };

let files: FilesServer;
let local: RunningLocal;
let s3: S3Client;
let sqs: SQSClient;

beforeAll(async () => {
  files = await startFilesServer({ token: 'e2e-api-token' });
  files.addFile(REPORT, { size: SIZES[REPORT]!, contentType: 'application/pdf' });
  files.addFile(PHOTO, { size: SIZES[PHOTO]!, contentType: 'image/jpeg' });
  files.addFile('/public/org-e2e/attachments/other.txt', { size: 1000, contentType: 'text/plain' });
  const config = configFromEnv({
    ARCHIVE_DIR: await mkdtemp(join(tmpdir(), 'dixa-e2e-')),
    PORT: '0',
    S3_PORT: '0',
    SQS_PORT: '0',
    DIXA_FILES_BASE_URL: files.baseUrl,
    DIXA_API_TOKEN: files.token,
    DIXA_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  local = await startLocal(config, { logFormat: 'silent' });
  s3 = s3At(local.s3Endpoint);
  sqs = sqsAt(local.sqsEndpoint);
});

afterAll(async () => {
  await local?.stop();
  await files?.close();
});

/** Every accepted job has left the queues (the journal mirrors them; a 202 implies the jobs were journaled). */
const idle = async () => (await journalSize(local.journalDir)) === 0;

describe('local mode, end to end', () => {
  it('archives every file byte-exact, with its provenance record, before the queue is empty', async () => {
    const answer = await postWebhook(local.webhookUrl, messageAdded(1001, [REPORT, PHOTO], 'evt-archive'));
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toMatchObject({ jobs: 2 });

    await until(async () => (await archivedFiles(s3, local.bucket, local.prefix, 1001)).length === 2);
    const archived = await archivedFiles(s3, local.bucket, local.prefix, 1001);
    expect(archived).toHaveLength(2);
    for (const path of [REPORT, PHOTO]) {
      const pair = archived.find((a) => a.record.sourceUrl === `${files.baseUrl}${path}`);
      expect(pair, path).toBeDefined();
      const expected = await contentSha256(path, SIZES[path]!);
      expect(pair!.sha256).toBe(expected);
      expect(pair!.size).toBe(SIZES[path]);
      expect(pair!.record).toMatchObject({
        key: pair!.key,
        bucket: local.bucket,
        conversationId: '1001',
        orgId: 'org-e2e',
        messageId: 'msg-1001',
        eventId: 'evt-archive',
        kind: 'attachment',
        source: 'webhook',
        sha256: expected,
        size: SIZES[path],
      });
      const head = await s3.send(new HeadObjectCommand({ Bucket: local.bucket, Key: pair!.key }));
      expect(head.Metadata?.['conversation-id']).toBe('1001');
      // A single-PUT upload also carries its SHA-256 as metadata (a multipart one cannot: S3 fixes metadata first).
      if (SIZES[path]! < 5 * MIB) expect(head.Metadata?.sha256).toBe(expected);
    }
    expect(archived.map((a) => a.record.originalName).sort()).toEqual(['Attachment 1', 'Attachment 2']);
    expect(archived.find((a) => a.record.sourceUrl.endsWith(REPORT))!.record.visibility).toBe('private');
    files.assertNoLeaks();
    await until(idle);
    expect(await idle()).toBe(true);
  });

  it('archives a file whose name holds emoji, as Lambda does (fauxqs patched by the install: patches/)', async () => {
    const path = '/public/org-e2e/attachments/party.png';
    files.addFile(path, { size: 3000, contentType: 'image/png' });
    const body = JSON.parse(messageAdded(1005, [path], 'evt-emoji'));
    body.data.attachments[0].prettyName = 'party 🎉 photo 👩‍💻.png';
    const answer = await postWebhook(local.webhookUrl, JSON.stringify(body));
    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toMatchObject({ jobs: 1, rejected: [] });
    await until(async () => (await archivedFiles(s3, local.bucket, local.prefix, 1005)).length === 1);
    const [archived] = await archivedFiles(s3, local.bucket, local.prefix, 1005);
    expect(archived!.record.originalName).toBe('party 🎉 photo 👩‍💻.png');
    expect(archived!.sha256).toBe(await contentSha256(path, 3000));
    await until(idle);
  });

  it('a redelivered webhook creates no duplicate and downloads nothing again', async () => {
    const before = await conversationKeys(s3, local.bucket, local.prefix, 1001);
    const downloads = [files.requestCount(REPORT), files.requestCount(PHOTO)];
    for (let i = 0; i < 3; i++) {
      expect((await postWebhook(local.webhookUrl, messageAdded(1001, [REPORT, PHOTO], 'evt-archive'))).status).toBe(
        202,
      );
    }
    await until(idle);
    expect(await idle()).toBe(true);
    expect(await conversationKeys(s3, local.bucket, local.prefix, 1001)).toEqual(before);
    expect([files.requestCount(REPORT), files.requestCount(PHOTO)]).toEqual(downloads);
  });

  it('a webhook with a bad, missing or stale signature is refused (401) and archives nothing', async () => {
    const other = '/public/org-e2e/attachments/other.txt';
    const body = messageAdded(2002, [other], 'evt-forged');
    expect((await postWebhook(local.webhookUrl, body, { secret: 'ab'.repeat(32) })).status).toBe(401);
    expect((await postWebhook(local.webhookUrl, body, { signature: null })).status).toBe(401);
    const stale = `t=${Date.now() - 3600_000},v1=${'0'.repeat(64)}`;
    expect((await postWebhook(local.webhookUrl, body, { signature: stale })).status).toBe(401);
    // Nothing was queued: ingest answers before enqueueing, and the journal mirrors the queue.
    expect(await journalSize(local.journalDir)).toBe(0);
    // A genuine webhook sent afterwards goes all the way through; the forged one never reached the files host.
    expect((await postWebhook(local.webhookUrl, messageAdded(2003, [other], 'evt-genuine'))).status).toBe(202);
    await until(async () => (await archivedFiles(s3, local.bucket, local.prefix, 2003)).length === 1);
    expect(await archivedFiles(s3, local.bucket, local.prefix, 2003)).toHaveLength(1);
    expect(await conversationKeys(s3, local.bucket, local.prefix, 2002)).toEqual([]);
    expect(files.requestCount(other)).toBe(1);
  });

  it('a permanently missing file (404) lands in the dead-letter queue with its reason, and nothing is archived', async () => {
    const missing = '/private/org-e2e/attachments/deleted-by-dixa.pdf';
    expect((await postWebhook(local.webhookUrl, messageAdded(3003, [missing], 'evt-missing'))).status).toBe(202);
    let dead: Awaited<ReturnType<typeof receiveAll>> = [];
    await until(async () => {
      dead = await receiveAll(sqs, local.deadLetterQueueUrl);
      return dead.length > 0;
    });
    expect(dead).toHaveLength(1);
    const message = dead[0]!;
    expect(JSON.parse(message.Body!)).toMatchObject({ conversationId: '3003', url: `${files.baseUrl}${missing}` });
    const attributes = Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
    );
    expect(attributes.failureClass).toBe('permanent');
    expect(attributes.failureReason).toMatch(/404/);
    expect(attributes.traceId).toBe('evt-missing');
    expect(Number.isNaN(Date.parse(attributes.failedAt ?? ''))).toBe(false);
    expect(files.requestCount(missing)).toBe(1); // permanent: not retried
    expect(await conversationKeys(s3, local.bucket, local.prefix, 3003)).toEqual([]);
    // The dead letter is journaled too: it survives a restart until someone redrives or deletes it.
    await until(async () => (await journalSize(local.journalDir)) === 1);
    expect(await journalSize(local.journalDir)).toBe(1);
  });

  it('an event that carries no files is acknowledged and ignored', async () => {
    const body = JSON.stringify({
      event_id: 'evt-closed',
      event_fqn: 'CONVERSATION_CLOSED',
      event_version: '1',
      event_timestamp: '2025-03-14T09:30:00.000Z',
      organization: { id: 'org-e2e', name: 'E2E Org' },
      data: { conversation: { csid: 4004 } },
    });
    const answer = await postWebhook(local.webhookUrl, body);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 'ignored' });
    expect(await conversationKeys(s3, local.bucket, local.prefix, 4004)).toEqual([]);
  });
});
