/**
 * Local stand-in for Lambda's SQS event source mapping: a few workers long-poll the job queue, hand each batch to
 * the archiver handler as an SQSEvent, delete the messages that succeeded and leave the ones reported in
 * `batchItemFailures` for redelivery after the visibility timeout (SQS then counts receives and redrives to the
 * dead-letter queue, as in the stack). A handler that throws, or answers with an identifier that is not in the
 * batch, fails the whole batch — Lambda's rules for ReportBatchItemFailures.
 *
 * One difference from Lambda, on purpose: Lambda kills a run at the function timeout (and the stack's visibility
 * timeout is six times that), but nothing kills a local run, so while a batch runs the poller keeps its messages
 * invisible (a heartbeat every half visibility timeout). A long download is never handed to a second worker, and a
 * failed job is still retried after one short visibility timeout.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { invoke } from './lambda-context.ts';
import { type LocalLog, withComponent } from './log.ts';

// Lambda's SQS handler type allows `void` (no failures reported).
// biome-ignore lint/suspicious/noConfusingVoidType: mirrors aws-lambda's SQSHandler result
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/**
 * The run time each batch gets: Lambda's maximum, as the handler's deadline. It does not follow the visibility
 * timeout, which the heartbeat keeps extending, so a short local retry delay never starves a long download.
 */
export const ARCHIVER_RUN_TIMEOUT_MS = 15 * 60 * 1000;

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  handler: SqsHandler;
  concurrency: number;
  batchSize: number;
  visibilityTimeoutSeconds: number;
  waitTimeSeconds?: number;
  log: LocalLog;
}

export interface Poller {
  /** Stops receiving and waits (at most `drainMs`) for the batches in progress. */
  stop(drainMs: number): Promise<{ drained: boolean }>;
  /** Messages being processed right now. */
  readonly inFlight: number;
}

export function startPoller(options: PollerOptions): Poller {
  const { sqs, queueUrl, log } = options;
  const abort = new AbortController();
  let inFlight = 0;
  let stopping = false;

  const worker = async () => {
    while (!stopping) {
      let messages: Message[];
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: options.waitTimeSeconds ?? 20,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (stopping) return;
        log.warn('receiving from the job queue failed; retrying in 1 s', { error: String(error) });
        await sleep(1000);
        continue;
      }
      if (messages.length === 0) continue;
      inFlight += messages.length;
      await runBatch(options, messages).finally(() => {
        inFlight -= messages.length;
      });
    }
  };
  const workers = Array.from({ length: options.concurrency }, () => worker());

  return {
    get inFlight() {
      return inFlight;
    },
    async stop(drainMs) {
      stopping = true;
      abort.abort();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), drainMs);
      });
      const drained = await Promise.race([Promise.all(workers).then(() => true), timeout]);
      clearTimeout(timer);
      return { drained };
    },
  };
}

async function runBatch(options: PollerOptions, messages: Message[]): Promise<void> {
  const { sqs, queueUrl, log, visibilityTimeoutSeconds } = options;
  const records = messages.map((m) => toSqsRecord(m, options.queueArn, options.region));
  const heartbeat = setInterval(
    () => {
      sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: records.map((r, i) => ({
              Id: String(i),
              ReceiptHandle: r.receiptHandle,
              VisibilityTimeout: visibilityTimeoutSeconds,
            })),
          }),
        )
        .catch((error: unknown) =>
          log.warn('could not extend the visibility of a running job', { error: String(error) }),
        );
    },
    (visibilityTimeoutSeconds * 1000) / 2,
  );

  let failed: Set<string>;
  try {
    const result = await withComponent('archiver', () =>
      invoke('archiver', ARCHIVER_RUN_TIMEOUT_MS, (context) => options.handler({ Records: records }, context)),
    );
    failed = failedIds(result, records);
  } catch (error) {
    log.error('archiver handler threw; the whole batch will be retried', { error: String(error) });
    failed = new Set(records.map((r) => r.messageId));
  } finally {
    clearInterval(heartbeat);
  }

  const done = records.filter((r) => !failed.has(r.messageId));
  for (let i = 0; i < done.length; i += 10) {
    const chunk = done.slice(i, i + 10);
    try {
      const out = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
        }),
      );
      for (const f of out.Failed ?? []) log.warn('could not delete an archived job; it will run again', { ...f });
    } catch (error) {
      log.warn('could not delete archived jobs; they will run again', { error: String(error) });
    }
  }
}

/** Lambda's reading of a ReportBatchItemFailures response. */
export function failedIds(result: unknown, records: SQSRecord[]): Set<string> {
  const all = new Set(records.map((r) => r.messageId));
  if (result === undefined || result === null) return new Set();
  const failures = (result as Partial<SQSBatchResponse>).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

/** An SQS message as Lambda's event source mapping presents it. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ...attributes,
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? '000000000000',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
