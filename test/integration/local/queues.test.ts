/**
 * Local mode's queue layer against the real protocol emulator (fauxqs): the journal mirrors what is on the queues
 * and brings it back after a restart, and the poller follows Lambda's SQS event source rules.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalLog } from '../../../cli/local/log.ts';
import { type SqsHandler, startPoller } from '../../../cli/local/poller.ts';
import { type LocalQueues, startLocalQueues } from '../../../cli/local/queues.ts';
import { sendJobs } from '../../../lambdas/aws/queue.ts';
import type { FileJob } from '../../../lambdas/core/job.ts';

const quiet: LocalLog = { debug() {}, info() {}, warn() {}, error() {} };
const running: LocalQueues[] = [];

async function start(journalDir: string, visibilityTimeoutSeconds = 30, maxReceiveCount = 5) {
  const queues = await startLocalQueues({
    port: 0,
    journalDir,
    region: 'eu-west-1',
    maxReceiveCount,
    visibilityTimeoutSeconds,
    log: quiet,
  });
  running.push(queues);
  return queues;
}

afterEach(async () => {
  for (const queues of running.splice(0)) await queues.stop();
});

const job = (n: number): FileJob => ({
  v: 1,
  url: `http://127.0.0.1:1/private/org/file-${n}.pdf`,
  visibility: 'private',
  kind: 'attachment',
  conversationId: String(1000 + n),
  source: 'webhook',
});

const journalFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.json'));

async function receiveAll(sqs: SQSClient, queueUrl: string) {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'],
    }),
  );
  return out.Messages ?? [];
}

/** Waits for a condition the system reaches on its own (bounded); the assertion follows separately. */
async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!(await condition()) && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
}

describe('local queues', () => {
  it('creates the job queue with a redrive policy to the dead-letter queue, as the stack does', async () => {
    const queues = await start(await mkdtemp(join(tmpdir(), 'journal-')), 45, 3);
    const { Attributes } = await queues.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.jobQueueUrl, AttributeNames: ['All'] }),
    );
    expect(Attributes?.VisibilityTimeout).toBe('45');
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: expect.stringMatching(/:dixa-archiver-jobs-dlq$/),
      maxReceiveCount: 3,
    });
    expect(queues.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('journals every sent job before the send returns and puts them all back after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    const first = await start(dir);
    await sendJobs(first.sqs, first.jobQueueUrl, [job(1), job(2), job(3)], { traceId: 'evt-1' });
    expect(await journalFiles(dir)).toHaveLength(3);
    // one job reaches the DLQ through the SQS API (as the archiver moves a permanent failure)
    await sendJobs(first.sqs, first.deadLetterQueueUrl, [job(4)], { traceId: 'evt-2' });
    await first.stop(); // the in-memory queues are gone now, like after a crash
    running.splice(running.indexOf(first), 1);

    const second = await start(dir);
    expect(second.replayed).toBe(4);
    expect(second.replayedDeadLetters).toBe(1); // the banner tells these apart from jobs to run
    const jobs = await receiveAll(second.sqs, second.jobQueueUrl);
    expect(jobs.map((m) => (JSON.parse(m.Body!) as FileJob).conversationId).sort()).toEqual(['1001', '1002', '1003']);
    expect(jobs[0]!.MessageAttributes?.traceId?.StringValue).toBe('evt-1');
    expect(jobs[0]!.MessageAttributes?.source?.StringValue).toBe('webhook');
    const dead = await receiveAll(second.sqs, second.deadLetterQueueUrl);
    expect(dead.map((m) => JSON.parse(m.Body!).conversationId)).toEqual(['1004']);
    // the replayed messages are journaled under their new ids, the old files are gone
    const files = await journalFiles(dir);
    expect(files.sort()).toEqual([...jobs, ...dead].map((m) => `${m.MessageId}.json`).sort());
  });

  it('a job that cannot be journaled is not acknowledged: the sender gets an error, never a success', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    const queues = await start(dir);
    // Make the journal unwritable in a way that holds even for root: its directory becomes a plain file.
    await rm(dir, { recursive: true });
    await writeFile(dir, 'not a directory');
    await expect(sendJobs(queues.sqs, queues.jobQueueUrl, [job(1)], { traceId: 'evt-7' })).rejects.toMatchObject({
      $metadata: { httpStatusCode: 500 },
    });
  });

  it('feeds SQS-shaped batches to the handler, deletes successes and redelivers reported failures', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    const queues = await start(dir, 1);
    const seen: SQSEvent['Records'] = [];
    const failOnce = new Set(['1002']);
    const remainingMs: number[] = [];
    const handler: SqsHandler = async (event, context) => {
      seen.push(...event.Records);
      remainingMs.push(context.getRemainingTimeInMillis());
      const failures = event.Records.filter((r) => failOnce.delete(JSON.parse(r.body).conversationId));
      return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.messageId })) };
    };
    const poller = startPoller({
      sqs: queues.sqs,
      queueUrl: queues.jobQueueUrl,
      queueArn: queues.jobQueueArn,
      region: 'eu-west-1',
      handler,
      concurrency: 2,
      batchSize: 10,
      visibilityTimeoutSeconds: 1,
      waitTimeSeconds: 1,
      log: quiet,
    });
    await sendJobs(queues.sqs, queues.jobQueueUrl, [job(1), job(2), job(3)], { traceId: 'evt-9' });
    await until(async () => (await journalFiles(dir)).length === 0);
    expect((await poller.stop(5000)).drained).toBe(true);

    expect(await journalFiles(dir)).toEqual([]);
    const byConversation = (id: string) => seen.filter((r) => JSON.parse(r.body).conversationId === id);
    expect(byConversation('1001')).toHaveLength(1);
    expect(byConversation('1003')).toHaveLength(1);
    expect(byConversation('1002').map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(seen[0]).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queues.jobQueueArn,
      awsRegion: 'eu-west-1',
      messageAttributes: {
        traceId: { dataType: 'String', stringValue: 'evt-9', stringListValues: [], binaryListValues: [] },
        source: { dataType: 'String', stringValue: 'webhook' },
      },
    });
    expect(seen[0]!.attributes.SentTimestamp).toMatch(/^\d+$/);
    // Each run gets Lambda's maximum run time, not the (1 s) visibility timeout the heartbeat keeps extending.
    expect(Math.min(...remainingMs)).toBeGreaterThan(14 * 60 * 1000);
  });

  it('a handler that throws fails the whole batch; the jobs stay journaled and come back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    const queues = await start(dir, 1);
    let calls = 0;
    const poller = startPoller({
      sqs: queues.sqs,
      queueUrl: queues.jobQueueUrl,
      queueArn: queues.jobQueueArn,
      region: 'eu-west-1',
      handler: async () => {
        calls++;
        if (calls === 1) throw new Error('archiver crashed');
      },
      concurrency: 1,
      batchSize: 10,
      visibilityTimeoutSeconds: 1,
      waitTimeSeconds: 1,
      log: quiet,
    });
    await sendJobs(queues.sqs, queues.jobQueueUrl, [job(1), job(2)], { traceId: 'evt-3' });
    await until(async () => calls >= 2 && (await journalFiles(dir)).length === 0);
    await poller.stop(5000);
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(await journalFiles(dir)).toEqual([]);
  });

  it('keeps a running job invisible, so a slow download is not handed to a second worker', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    const queues = await start(dir, 1);
    let calls = 0;
    const poller = startPoller({
      sqs: queues.sqs,
      queueUrl: queues.jobQueueUrl,
      queueArn: queues.jobQueueArn,
      region: 'eu-west-1',
      handler: async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 2500)); // 2.5 visibility timeouts
      },
      concurrency: 2,
      batchSize: 1,
      visibilityTimeoutSeconds: 1,
      waitTimeSeconds: 1,
      log: quiet,
    });
    await sendJobs(queues.sqs, queues.jobQueueUrl, [job(1)], { traceId: 'evt-5' });
    await until(async () => (await journalFiles(dir)).length === 0);
    await poller.stop(5000);
    expect(calls).toBe(1);
  });

  it('stop waits for a running batch, but only up to the drain limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'journal-'));
    const queues = await start(dir, 30);
    let release: () => void = () => {};
    let started = false;
    const poller = startPoller({
      sqs: queues.sqs,
      queueUrl: queues.jobQueueUrl,
      queueArn: queues.jobQueueArn,
      region: 'eu-west-1',
      handler: () =>
        new Promise<void>((resolve) => {
          started = true;
          release = resolve;
        }),
      concurrency: 1,
      batchSize: 1,
      visibilityTimeoutSeconds: 30,
      waitTimeSeconds: 1,
      log: quiet,
    });
    await sendJobs(queues.sqs, queues.jobQueueUrl, [job(1)], { traceId: 'evt-4' });
    await until(() => started);
    expect(poller.inFlight).toBe(1);
    expect((await poller.stop(200)).drained).toBe(false);
    expect(await journalFiles(dir)).toHaveLength(1); // not archived, so still journaled for the next start
    release();
    await until(async () => (await journalFiles(dir)).length === 0);
    expect(await journalFiles(dir)).toEqual([]); // the batch finished after all and was deleted
  });
});

describe('local SQS accepts what SQS accepts (fauxqs patched at install: patches/fauxqs+1.9.2.patch)', () => {
  it('takes a job whose name holds emoji (supplementary characters), byte-exact', async () => {
    const queues = await start(await mkdtemp(join(tmpdir(), 'journal-')));
    const emoji = { ...job(1), name: 'party 🎉 photo 👩‍💻.png' };
    expect(await sendJobs(queues.sqs, queues.jobQueueUrl, [emoji], { traceId: 'evt-😀' })).toMatchObject({
      queued: 1,
      stripped: [],
      refused: [],
    });
    const [message] = await receiveAll(queues.sqs, queues.jobQueueUrl);
    expect(JSON.parse(message!.Body!)).toEqual(emoji);
    expect(message!.MessageAttributes?.traceId?.StringValue).toBe('evt-😀');
  });

  it('still refuses what SQS refuses (U+FFFF): the job goes on bare, its neighbour as it is', async () => {
    const queues = await start(await mkdtemp(join(tmpdir(), 'journal-')));
    const bad = { ...job(2), name: 'bad\uFFFF.pdf' };
    const result = await sendJobs(queues.sqs, queues.jobQueueUrl, [job(1), bad], { traceId: 'evt-8' });
    expect(result).toMatchObject({ queued: 2, stripped: [bad], refused: [] });
    const bodies = (await receiveAll(queues.sqs, queues.jobQueueUrl)).map((m) => JSON.parse(m.Body!));
    expect(bodies).toHaveLength(2);
    expect(bodies.find((b) => b.conversationId === '1002')).not.toHaveProperty('name');
  });
});
