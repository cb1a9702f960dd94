/**
 * Puts file jobs on the SQS job queue with SendMessageBatch (≤ 10 entries and ≤ 256 KiB per call).
 * Entries SQS reports as failed are retried with backoff; if any job still cannot be queued, sendJobs throws,
 * so the caller never reports success for a job that is not on the queue.
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueMessage } from '../core/queue-message.ts';

export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 256 * 1024;

export interface SendOptions {
  /** Ties every entry back to its origin (the webhook's event_id, a backfill window...). */
  traceId: string;
  maxAttempts?: number;
  baseDelayMs?: number;
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

export async function sendJobs(
  sqs: SQSClient,
  queueUrl: string,
  jobs: QueueMessage[],
  options: SendOptions,
): Promise<number> {
  const { maxAttempts = 4, baseDelayMs = 50 } = options;
  const trace = options.traceId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60) || 'job';
  let pending = jobs.map((job, i) => toEntry(job, `${trace}-${i}`, options.traceId));
  for (let attempt = 1; pending.length > 0; attempt++) {
    const failed: SendMessageBatchRequestEntry[] = [];
    for (const batch of toBatches(pending)) {
      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
      const failedIds = new Set((result.Failed ?? []).map((f) => f.Id));
      failed.push(...batch.filter((entry) => failedIds.has(entry.Id)));
    }
    pending = failed;
    if (pending.length === 0) break;
    if (attempt >= maxAttempts) {
      throw new QueueError(`${pending.length} of ${jobs.length} jobs could not be queued`, pending.length);
    }
    await sleep(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
  }
  return jobs.length;
}

function toEntry(job: QueueMessage, id: string, traceId: string): SendMessageBatchRequestEntry {
  return {
    Id: id,
    MessageBody: JSON.stringify(job),
    MessageAttributes: {
      traceId: { DataType: 'String', StringValue: traceId.slice(0, 256) || 'none' },
      source: { DataType: 'String', StringValue: job.source },
    },
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
