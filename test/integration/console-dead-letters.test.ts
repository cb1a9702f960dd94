/**
 * The console's Failed files API over real HTTP, against fauxqs (local mode's SQS) and s3rver: the dead-letter queue
 * by failure reason without taking anything off it, and a redrive — only as a confirmed POST — that moves the jobs
 * back and drops those of erased conversations, as `redrive` does (redrive.ts, one implementation).
 */
import {
  CreateQueueCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../cli/shared/aws-endpoint.ts';
import { TOMBSTONE_VERSION, writeTombstone } from '../../lambdas/compliance/ledger.ts';
import { BUCKET, type Emulator, PREFIX, startS3 } from './compliance-fixture.ts';
import { type ConsoleClient, startTestConsole } from './console-fixture.ts';

const NOT_FOUND = 'files.dixa.io answered 404 Not Found';
const FORBIDDEN = 'files.dixa.io answered 403 Forbidden';

function deadLetter(n: number, reason: string): SendMessageBatchRequestEntry {
  const text = (value: string) => ({ DataType: 'String', StringValue: value });
  return {
    Id: `j${n}`,
    MessageBody: JSON.stringify({
      v: 1,
      url: `https://files.dixa.io/private/org-1/file-${n}`,
      visibility: 'private',
      kind: 'attachment',
      conversationId: String(9100 + n),
      source: 'webhook',
    }),
    MessageAttributes: { failureReason: text(reason), failureClass: text('permanent') },
  };
}

describe('console: failed files', () => {
  let emulator: Emulator;
  let server: FauxqsServer;
  let sqs: SQSClient;
  let client: ConsoleClient;
  const waiting = (name: string) => server.inspectQueue(name)!.messages.ready.length;

  beforeAll(async () => {
    emulator = await startS3();
    server = await startFauxqs({ port: 0, logger: false });
    sqs = new SQSClient({ endpoint: server.address, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'file-jobs' }))).QueueUrl!;
    const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'file-jobs-dlq' }))).QueueUrl!;
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: dlqUrl,
        Entries: [deadLetter(1, NOT_FOUND), deadLetter(2, NOT_FOUND), deadLetter(3, FORBIDDEN)],
      }),
    );
    await writeTombstone(
      { s3: emulator.s3, bucket: BUCKET, prefix: PREFIX },
      {
        tombstoneVersion: TOMBSTONE_VERSION,
        conversationId: '9102',
        erasedAt: new Date().toISOString(),
        receiptKey: `${PREFIX}/erasure-receipts/x-9102.json`,
        erasedBy: 'test',
        reason: 'test',
      },
    );
    client = await startTestConsole(emulator, { deadLetters: { sqs, queueUrl, dlqUrl, local: true } });
  });
  afterAll(async () => {
    await client?.running.stop();
    sqs?.destroy();
    await server?.stop();
    await emulator?.stop();
  });

  it('shows the failed jobs by reason, and which belong to erased conversations, taking none off the queue', async () => {
    const { status, json } = await client.getJson<{ summary: unknown }>('/api/dead-letters');
    expect(status).toBe(200);
    expect(json.summary).toEqual({
      approximateTotal: 3,
      scanned: 3,
      reasons: [
        { reason: NOT_FOUND, count: 2 },
        { reason: FORBIDDEN, count: 1 },
      ],
      erased: 1,
    });
    expect(waiting('file-jobs-dlq')).toBe(3);
  });

  it('redrives only on a confirmed POST: the jobs go back, the erased conversation’s job is dropped', async () => {
    const unconfirmed = await client.postJson<{ error: string }>('/api/dead-letters/redrive', {});
    expect(unconfirmed.status).toBe(400);
    expect(waiting('file-jobs-dlq')).toBe(3);

    const { status, json } = await client.postJson('/api/dead-letters/redrive', { expected: 3 });
    expect(status).toBe(200);
    expect(json).toMatchObject({ moved: 2, droppedErased: 1, failed: 0 });
    expect(waiting('file-jobs')).toBe(2);
    expect(waiting('file-jobs-dlq')).toBe(0);
  });
});
