/**
 * Puts messages on the SQS job queue with SendMessageBatch (≤ 10 entries and ≤ 256 KiB per call): file jobs and
 * participants messages (core/queue-message.ts), both under the same rules.
 *
 * - Entries SQS fails for a passing reason (throttling, its own errors) are retried with backoff; if any job still
 *   cannot be queued, sendJobs throws, so the caller never reports success for a job that is not on the queue.
 * - An entry SQS refuses for its content (characters or size it will not carry) can never succeed, and must not
 *   hold back its neighbours: it is sent again bare (a file job's link and identity without the metadata that came
 *   with it: the file is what matters; a participants message without its time), and if SQS refuses even that,
 *   it is returned as `refused` for the caller to report (`refusalReport`). A whole batch refused for its content is split into single sends to find the culprit.
 */
import {
  type BatchResultErrorEntry,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { boundedSqsText } from '../core/job.ts';
import { bareMessage, type QueueMessage, type RefusedJob } from '../core/queue-message.ts';

/**
 * How long the queues keep a message. The dead-letter queue keeps them longer than the job queue (AWS's advice:
 * a message moved by the redrive policy keeps its original enqueue time, so with equal periods it could expire on
 * the dead-letter queue the moment it arrives). 14 days is the most SQS allows.
 */
export const JOB_RETENTION_SECONDS = 7 * 24 * 3600;
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 256 * 1024;

export interface SendOptions {
  /** Ties every entry back to its origin (the webhook's event_id, a backfill window...). */
  traceId: string;
  maxAttempts?: number;
  baseDelayMs?: number;
}

export interface SendResult {
  /** Jobs on the queue, as sent or as their bare job. */
  queued: number;
  /** Jobs that went on the queue without their metadata, because SQS refused it. */
  stripped: QueueMessage[];
  /** Jobs SQS refused even bare: not on the queue. */
  refused: RefusedJob[];
}

export class QueueError extends Error {
  constructor(
    message: string,
    readonly unsent: number,
  ) {
    super(message);
    this.name = 'QueueError';
  }
}

/** Error codes with which SQS refuses what a message holds (not who sends it, nor its own state). */
const CONTENT_REFUSAL =
  /InvalidMessageContents|InvalidParameterValue|InvalidAttribute|MessageTooLong|BatchRequestTooLong/;

interface Pending {
  entry: SendMessageBatchRequestEntry;
  job: QueueMessage;
  /** Already the bare job: a second content refusal is final. */
  bare: boolean;
}

export async function sendJobs(
  sqs: SQSClient,
  queueUrl: string,
  jobs: QueueMessage[],
  options: SendOptions,
): Promise<SendResult> {
  const { maxAttempts = 4, baseDelayMs = 50 } = options;
  const trace = options.traceId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60) || 'job';
  const traceValue = boundedSqsText(options.traceId, 256) || 'none';
  const result: SendResult = { queued: 0, stripped: [], refused: [] };
  let pending: Pending[] = jobs.map((job, i) => ({
    entry: toEntry(job, `${trace}-${i}`, traceValue),
    job,
    bare: false,
  }));
  let attempt = 1;
  while (pending.length > 0) {
    const again: Pending[] = [];
    let passingFailures = 0;
    for (const batch of toBatches(pending.map((p) => p.entry))) {
      const byId = new Map(pending.filter((p) => batch.includes(p.entry)).map((p) => [p.entry.Id!, p]));
      for (const failure of await sendBatch(sqs, queueUrl, batch)) {
        const item = byId.get(failure.Id!)!;
        byId.delete(failure.Id!);
        const refusal = failure.SenderFault && CONTENT_REFUSAL.test(failure.Code ?? '');
        if (!refusal) {
          again.push(item);
          passingFailures++;
        } else if (!item.bare) {
          const bare = bareMessage(item.job);
          again.push({ entry: { ...item.entry, MessageBody: JSON.stringify(bare) }, job: item.job, bare: true });
        } else {
          result.refused.push({ job: item.job, reason: `${failure.Code}: ${failure.Message ?? ''}`.trim() });
        }
      }
      for (const item of byId.values()) {
        result.queued++;
        if (item.bare) result.stripped.push(item.job);
      }
    }
    pending = again;
    // A bare job replacing a refused one goes out at once; only passing failures wait and use up attempts.
    if (passingFailures === 0) continue;
    if (attempt >= maxAttempts) {
      throw new QueueError(`${pending.length} of ${jobs.length} jobs could not be queued`, pending.length);
    }
    await sleep(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
    attempt++;
  }
  return result;
}

/**
 * One SendMessageBatch call; returns the failed entries. A call refused whole for its content (one entry can
 * make the batch too long or invalid) is split into single-entry calls, so the refusal lands on that entry only.
 */
async function sendBatch(
  sqs: SQSClient,
  queueUrl: string,
  batch: SendMessageBatchRequestEntry[],
): Promise<BatchResultErrorEntry[]> {
  try {
    const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
    return result.Failed ?? [];
  } catch (error) {
    const code = (error as { name?: string }).name ?? '';
    if (!CONTENT_REFUSAL.test(code)) throw error;
    if (batch.length === 1) {
      return [{ Id: batch[0]!.Id!, SenderFault: true, Code: code, Message: (error as Error).message }];
    }
    const failed: BatchResultErrorEntry[] = [];
    for (const entry of batch) failed.push(...(await sendBatch(sqs, queueUrl, [entry])));
    return failed;
  }
}

function toEntry(job: QueueMessage, id: string, traceId: string): SendMessageBatchRequestEntry {
  return {
    Id: id,
    MessageBody: JSON.stringify(job),
    MessageAttributes: {
      traceId: { DataType: 'String', StringValue: traceId },
      source: { DataType: 'String', StringValue: job.source },
    },
  };
}

/** The queue's backlog and retention, from its own attributes (for flow control: lambdas/dixa/flow-control.ts). */
export async function readBacklog(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ messages: number; retentionSeconds: number }> {
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
        'MessageRetentionPeriod',
      ],
    }),
  );
  const count = (name: string) => Number(a[name as keyof typeof a] ?? 0) || 0;
  return {
    messages:
      count('ApproximateNumberOfMessages') +
      count('ApproximateNumberOfMessagesNotVisible') +
      count('ApproximateNumberOfMessagesDelayed'),
    retentionSeconds: count('MessageRetentionPeriod') || JOB_RETENTION_SECONDS,
  };
}

/** Groups entries so no call exceeds the entry count or the payload size SQS accepts. */
export function toBatches(entries: SendMessageBatchRequestEntry[]): SendMessageBatchRequestEntry[][] {
  const batches: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function entrySize(entry: SendMessageBatchRequestEntry): number {
  let size = Buffer.byteLength(entry.MessageBody ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    size +=
      Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return size;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
