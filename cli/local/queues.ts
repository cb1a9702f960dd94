/**
 * The local SQS: fauxqs (in memory) with the job queue and its dead-letter queue configured as in the stack
 * (redrive after maxReceiveCount receives), plus the journal (journal.ts) that makes it survive a crash.
 *
 * fauxqs is a Fastify app. `buildApp` (exported by fauxqs) hands us the app before it listens, so the journal is
 * an `onSend` hook: it sees every SQS request and the serialized response just before the response is written,
 * whichever client sent it (ingest, the archiver's dead-letter moves, the backfill CLI, redrive), and a failed
 * journal write turns into a 500 for that call, so no client is ever told "sent" for a message that is not on disk.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { DEAD_LETTER_RETENTION_SECONDS, JOB_RETENTION_SECONDS } from '../../lambdas/aws/queue.ts';
import { Journal, type WireAttribute } from './journal.ts';
import type { LocalLog } from './log.ts';

export const JOB_QUEUE_NAME = 'dixa-archiver-jobs';
export const DEAD_LETTER_QUEUE_NAME = 'dixa-archiver-jobs-dlq';
/** As in the stack: a job (or its reason for failing) is kept 14 days. */

export interface LocalQueuesOptions {
  /** 0: any free port. */
  port: number;
  journalDir: string;
  region: string;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  log: LocalLog;
}

export interface LocalQueues {
  endpoint: string;
  jobQueueUrl: string;
  jobQueueArn: string;
  deadLetterQueueUrl: string;
  /** Jobs found in the journal at start and put back on their queues (job queue and dead-letter queue). */
  replayed: number;
  /** Of those, the failed jobs put back on the dead-letter queue (they wait for `redrive`, they do not run). */
  replayedDeadLetters: number;
  /** A client for local mode itself (the poller). */
  sqs: SQSClient;
  stop(): Promise<void>;
}

/** Credentials are required by the SDK's signer; fauxqs does not check them. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startLocalQueues(options: LocalQueuesOptions): Promise<LocalQueues> {
  const journal = await Journal.open(options.journalDir);
  const app = buildApp({ logger: false, defaultRegion: options.region });
  app.addHook('onSend', async (request, reply, payload) => {
    const target = request.headers['x-amz-target'];
    if (reply.statusCode === 200 && typeof target === 'string' && typeof payload === 'string') {
      await journal.observe(target.replace(/^AmazonSQS\./, ''), request.body, JSON.parse(payload));
    }
    return payload;
  });
  const endpoint = await app.listen({ port: options.port, host: '127.0.0.1' });
  const sqs = new SQSClient({ endpoint, region: options.region, credentials: EMULATOR_CREDENTIALS });
  try {
    const deadLetterQueueUrl = await createQueue(sqs, DEAD_LETTER_QUEUE_NAME, {
      MessageRetentionPeriod: String(DEAD_LETTER_RETENTION_SECONDS),
    });
    const deadLetterQueueArn = await queueArn(sqs, deadLetterQueueUrl);
    const jobQueueUrl = await createQueue(sqs, JOB_QUEUE_NAME, {
      MessageRetentionPeriod: String(JOB_RETENTION_SECONDS),
      VisibilityTimeout: String(options.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: deadLetterQueueArn,
        maxReceiveCount: options.maxReceiveCount,
      }),
    });
    const urls = new Map([
      [JOB_QUEUE_NAME, jobQueueUrl],
      [DEAD_LETTER_QUEUE_NAME, deadLetterQueueUrl],
    ]);
    const { replayed, replayedDeadLetters } = await replay(journal, sqs, urls, options.log);
    return {
      endpoint,
      jobQueueUrl,
      jobQueueArn: await queueArn(sqs, jobQueueUrl),
      deadLetterQueueUrl,
      replayed,
      replayedDeadLetters,
      sqs,
      async stop() {
        sqs.destroy();
        await app.close();
      },
    };
  } catch (error) {
    sqs.destroy();
    await app.close();
    throw error;
  }
}

async function createQueue(sqs: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!QueueUrl) throw new Error(`fauxqs did not return a URL for queue ${name}`);
  return QueueUrl;
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  if (!Attributes?.QueueArn) throw new Error(`fauxqs did not return the ARN of ${url}`);
  return Attributes.QueueArn;
}

/**
 * Puts every journaled message back on its queue. The new message is journaled by the hook before the old file
 * is removed, so a crash during replay duplicates a job at worst.
 */
async function replay(
  journal: Journal,
  sqs: SQSClient,
  urls: Map<string, string>,
  log: LocalLog,
): Promise<{ replayed: number; replayedDeadLetters: number }> {
  const { entries, unreadable } = await journal.entries();
  for (const path of unreadable) log.warn('journal file is unreadable; left in place', { path });
  let replayed = 0;
  let replayedDeadLetters = 0;
  for (const entry of entries) {
    const queueUrl = urls.get(entry.queue);
    if (!queueUrl) {
      log.warn('journaled job names an unknown queue; left in place', { queue: entry.queue, id: entry.messageId });
      continue;
    }
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: entry.body,
        MessageAttributes: entry.attributes ? toSdkAttributes(entry.attributes) : undefined,
      }),
    );
    await journal.remove(entry.messageId);
    replayed++;
    if (entry.queue === DEAD_LETTER_QUEUE_NAME) replayedDeadLetters++;
  }
  return { replayed, replayedDeadLetters };
}

function toSdkAttributes(attributes: Record<string, WireAttribute>): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, a]) => [
      name,
      {
        DataType: a.DataType,
        ...(a.StringValue !== undefined ? { StringValue: a.StringValue } : {}),
        ...(a.BinaryValue !== undefined ? { BinaryValue: Buffer.from(a.BinaryValue, 'base64') } : {}),
      },
    ]),
  );
}
