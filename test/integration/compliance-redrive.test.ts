/**
 * `dixa-archiver redrive` end to end in local mode: fauxqs holds a job queue and a dead-letter queue with jobs the
 * archiver dead-lettered (failureReason attributes) and one SQS moved after too many receives (no attributes).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalLog } from '../../cli/local/log.ts';
import { startLocalQueues } from '../../cli/local/queues.ts';
import { LOCAL_CREDENTIALS } from '../../cli/shared/aws-endpoint.ts';
import { TOMBSTONE_VERSION, writeTombstone } from '../../lambdas/compliance/ledger.ts';
import { moveWithTask, NO_REASON, summarizeDeadLetters } from '../../lambdas/compliance/redrive.ts';
import type { FileJob } from '../../lambdas/core/job.ts';
import { BUCKET, cli, type Emulator, PREFIX, startS3 } from './compliance-fixture.ts';

let server: FauxqsServer;
let sqs: SQSClient;
let queueUrl: string;
let dlqUrl: string;

const NOT_FOUND = 'files.dixa.io answered 404 Not Found';
const FORBIDDEN = 'files.dixa.io answered 403 Forbidden';

const job = (n: number): FileJob => ({
  v: 1,
  url: `https://files.dixa.io/private/org-1/file-${n}`,
  visibility: 'private',
  kind: 'attachment',
  conversationId: String(1000 + n),
  source: 'webhook',
});

function deadLetter(n: number, reason?: string): SendMessageBatchRequestEntry {
  const text = (value: string) => ({ DataType: 'String', StringValue: value });
  return {
    Id: `j${n}`,
    MessageBody: JSON.stringify(job(n)),
    MessageAttributes: {
      traceId: text(`event-${n}`),
      source: text('webhook'),
      ...(reason
        ? {
            failureReason: text(reason),
            failureClass: text('permanent'),
            failedAt: text('2024-05-01T12:00:00.000Z'),
            receiveCount: text('1'),
          }
        : {}),
    },
  };
}

async function drain(url: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
  }
}

const ready = (name: string) => server.inspectQueue(name)!.messages;

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
  sqs = new SQSClient({ endpoint: server.address, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  // Created over the protocol, as local mode does, so the URLs name 127.0.0.1.
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'file-jobs' }))).QueueUrl!;
  dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'file-jobs-dlq' }))).QueueUrl!;
});
afterAll(async () => {
  sqs.destroy();
  await server.stop();
});

beforeEach(async () => {
  server.reset();
  const entries = [
    deadLetter(1, NOT_FOUND),
    deadLetter(2, NOT_FOUND),
    deadLetter(3, NOT_FOUND),
    deadLetter(4, FORBIDDEN),
    deadLetter(5),
  ];
  await sqs.send(new SendMessageBatchCommand({ QueueUrl: dlqUrl, Entries: entries }));
});

describe('redrive in local mode', () => {
  it('summarizes failure reasons without taking anything off the dead-letter queue', async () => {
    const summary = await summarizeDeadLetters(sqs, dlqUrl, { waitSeconds: 0 });
    expect(summary).toEqual({
      approximateTotal: 5,
      scanned: 5,
      reasons: [
        { reason: NOT_FOUND, count: 3 },
        { reason: NO_REASON, count: 1 },
        { reason: FORBIDDEN, count: 1 },
      ],
    });
    expect(ready('file-jobs-dlq').ready).toHaveLength(5);
    expect(ready('file-jobs-dlq').inflight).toHaveLength(0);
    expect(await summarizeDeadLetters(sqs, dlqUrl, { waitSeconds: 0 })).toEqual(summary);
  });

  it('moves every job back with its body and attributes, minus the failure attributes', async () => {
    const run = await cli('redrive', '--queue-url', queueUrl, '--dlq-url', dlqUrl, '--yes', '--json');
    expect(run.code).toBe(0);
    // Off a terminal the summary table goes to stderr, its columns aligned as at a terminal.
    expect(run.stderr).toContain(`JOBS  FAILURE REASON\n   3  ${NOT_FOUND}\n   1  ${NO_REASON}\n   1  ${FORBIDDEN}\n`);
    expect(JSON.parse(run.stdout)).toMatchObject({
      scanned: 5,
      reasons: [
        { reason: NOT_FOUND, count: 3 },
        { reason: NO_REASON, count: 1 },
        { reason: FORBIDDEN, count: 1 },
      ],
      method: 'copy',
      moved: 5,
      failed: 0,
    });
    expect(run.stderr).toContain('Moved 5 job(s) back to');

    expect(await drain(dlqUrl)).toEqual([]);
    const moved = await drain(queueUrl);
    expect(moved.map((m) => JSON.parse(m.Body!)).sort((a, b) => a.url.localeCompare(b.url))).toEqual(
      [1, 2, 3, 4, 5].map(job),
    );
    for (const message of moved) {
      expect(Object.keys(message.MessageAttributes ?? {}).sort()).toEqual(['source', 'traceId']);
      expect(message.MessageAttributes?.traceId?.StringValue).toMatch(/^event-\d$/);
    }
  });

  it('refuses without a terminal and without --yes, leaving the jobs where they are', async () => {
    const run = await cli('redrive', '--queue-url', queueUrl, '--dlq-url', dlqUrl);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^dixa-archiver: refusing to redrive the dead-letter queue without confirmation: run it in a terminal or add --yes$/m,
    );
    expect(ready('file-jobs-dlq').ready).toHaveLength(5);
    expect(ready('file-jobs').ready).toHaveLength(0);
  });

  it('has nothing to do when the dead-letter queue is empty', async () => {
    await drain(dlqUrl);
    const run = await cli('redrive', '--queue-url', queueUrl, '--dlq-url', dlqUrl, '--yes');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('The dead-letter queue is empty');
  });

  it('needs the dead-letter queue', async () => {
    const run = await cli('redrive', '--queue-url', queueUrl);
    expect(run).toMatchObject({
      code: 2,
      stderr: 'dixa-archiver: --dlq-url is required (or set DEAD_LETTER_QUEUE_URL)\n',
    });
  });

  it('knows the emulator has no SQS message move task (the one-by-one path is used instead)', async () => {
    expect(await moveWithTask(sqs, dlqUrl, queueUrl)).toBe('unsupported');
    expect(ready('file-jobs-dlq').ready).toHaveLength(5);
  });

  it('names the queue that does not exist, dead-letter queue or job queue, and moves nothing', async () => {
    const gone = queueUrl.replace('file-jobs', 'no-such-queue');
    const noDlq = await cli('redrive', '--queue-url', queueUrl, '--dlq-url', `${gone}-dlq`, '--yes');
    expect(noDlq).toMatchObject({
      code: 1,
      stderr: `dixa-archiver: cannot use the dead-letter queue ${gone}-dlq: the queue does not exist\n`,
    });
    const noQueue = await cli('redrive', '--queue-url', gone, '--dlq-url', dlqUrl, '--yes');
    expect(noQueue).toMatchObject({
      code: 1,
      stderr: `dixa-archiver: cannot use the job queue ${gone}: the queue does not exist\n`,
    });
    expect(ready('file-jobs-dlq').ready).toHaveLength(5);
  });
});

describe("redrive --help's local-mode example", () => {
  it('works as printed against local mode (only the port differs)', async () => {
    const log = { info() {}, warn() {}, error() {}, debug() {} } as unknown as LocalLog;
    const journalDir = await mkdtemp(join(tmpdir(), 'redrive-help-'));
    const local = await startLocalQueues({
      port: 0,
      journalDir,
      region: 'us-east-1',
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 30,
      log,
    });
    try {
      const { command } = await import('../../cli/commands/redrive.ts');
      const example = command.help.match(/^ {2}npx dixa-archiver redrive .*localhost[^\n]*\\\n[^\n]*/m)![0];
      const argv = example
        .replace(/\\\n/g, ' ')
        .replaceAll(':4566/', `:${new URL(local.endpoint).port}/`)
        .trim()
        .split(/\s+/)
        .slice(2); // npx dixa-archiver
      expect(argv).toContain(local.deadLetterQueueUrl);
      expect(argv).toContain(local.jobQueueUrl);
      const run = await cli(...argv);
      expect(run).toMatchObject({ code: 0, stderr: 'The dead-letter queue is empty: nothing to redrive.\n' });
    } finally {
      await local.stop();
      await rm(journalDir, { recursive: true, force: true });
    }
  });
});

describe('redrive of jobs of erased conversations', () => {
  let s3: Emulator;
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(async () => {
    await s3.stop();
  });

  const erase = (conversationId: string, erasedAt: string) =>
    writeTombstone(
      { s3: s3.s3, bucket: BUCKET, prefix: PREFIX },
      {
        tombstoneVersion: TOMBSTONE_VERSION,
        conversationId,
        erasedAt,
        receiptKey: `${PREFIX}/erasure-receipts/x-${conversationId}.json`,
        erasedBy: 'test',
        reason: 'test',
      },
    );

  it('drops them from the dead-letter queue instead of moving them, and says how many', async () => {
    await erase('1002', '2024-05-01T12:00:00.000Z');
    await erase('1004', '2024-05-01T12:00:00.000Z');
    const run = await cli('redrive', '--queue-url', queueUrl, '--dlq-url', dlqUrl, '--yes', '--json', ...s3.flags);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ scanned: 5, erased: 2, moved: 3, droppedErased: 2, failed: 0 });
    expect(run.stderr).toContain('2 of them belong to erased conversations: they will be dropped, not moved.');
    expect(run.stderr).toContain('Dropped 2 job(s) of erased conversations (not moved).');
    expect(await drain(dlqUrl)).toEqual([]);
    const moved = (await drain(queueUrl)).map((m) => (JSON.parse(m.Body!) as FileJob).conversationId).sort();
    expect(moved).toEqual(['1001', '1003', '1005']);
  });

  it('moves a job whose message was created after the erasure: that is new data', async () => {
    await erase('1003', '2024-05-01T12:00:00.000Z');
    await drain(dlqUrl);
    const later = { ...job(3), createdAt: '2024-05-02T08:00:00.000Z' };
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: dlqUrl,
        Entries: [
          { Id: 'later', MessageBody: JSON.stringify(later) },
          {
            Id: 'earlier',
            MessageBody: JSON.stringify({ ...job(3), url: `${job(3).url}-b`, createdAt: '2024-04-30T08:00:00.000Z' }),
          },
        ],
      }),
    );
    const run = await cli('redrive', '--queue-url', queueUrl, '--dlq-url', dlqUrl, '--yes', '--json', ...s3.flags);
    expect(JSON.parse(run.stdout)).toMatchObject({ moved: 1, droppedErased: 1 });
    expect((await drain(queueUrl)).map((m) => JSON.parse(m.Body!))).toEqual([later]);
  });

  it('says when it could not check for erasures (no archive named)', async () => {
    const run = await cli('redrive', '--queue-url', queueUrl, '--dlq-url', dlqUrl, '--yes');
    expect(run.stderr).toContain('Erased conversations were not checked (no --bucket)');
  });
});
