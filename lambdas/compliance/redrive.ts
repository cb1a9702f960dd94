/**
 * `redrive`: puts dead-lettered file jobs back on the job queue. In AWS this is an SQS message move task; where
 * that does not exist (local mode's fauxqs) the same effect by hand: receive from the DLQ, send to the job queue,
 * then delete from the DLQ — so a job is never in neither queue (at worst briefly in both; archiving is idempotent).
 * Jobs of erased conversations (a tombstone covers them, ledger.ts) are dropped from the DLQ instead of moved.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import * as v from 'valibot';
import { toBatches } from '../aws/queue.ts';
import { describeAwsError } from '../commons/aws-errors.ts';
import { UserError } from '../commons/errors.ts';
import { FileJobSchema } from '../core/job.ts';
import { isParticipantsBody, ParticipantsSchema } from '../core/participants.ts';
import type { Archive } from './archive.ts';
import { type ErasableJob, erasureCheck } from './ledger.ts';
import { explainS3Errors } from './s3-errors.ts';

/** Attributes the archiver adds when it dead-letters a job (contracts.md); a redriven job starts clean. */
export const FAILURE_ATTRIBUTES = ['failureReason', 'failureClass', 'failedAt', 'receiveCount'] as const;
export const NO_REASON = '(no failureReason: moved by SQS after too many receives)';
const PEEK_VISIBILITY_SECONDS = 30;
const MOVE_VISIBILITY_SECONDS = 60;

export interface ReasonCount {
  reason: string;
  count: number;
}

export interface DeadLetterSummary {
  /** SQS's approximate count of visible messages in the DLQ before the scan. */
  approximateTotal: number;
  /** Messages actually looked at (at most `maxScan`). */
  scanned: number;
  reasons: ReasonCount[];
  /** Scanned jobs whose conversation was erased (they will be dropped); undefined when not checked. */
  erased?: number;
}

/** Whether an erasure covers a job (ledger.ts `erasureCheck`). */
export type ErasedJobCheck = (job: ErasableJob) => Promise<boolean>;

/** The erasure check of `archive`'s ledgers, for one redrive (ledgers read once each), S3 failures in one line. */
export function erasedJobCheck(archive: Archive): ErasedJobCheck {
  const covered = erasureCheck(archive);
  return (job) => explainS3Errors(archive, () => covered(job));
}

export interface PeekOptions {
  maxScan?: number;
  waitSeconds?: number;
  isErased?: ErasedJobCheck;
}

/** Whether a dead-lettered body (a file job or a participants message) is covered by an erasure; invalid ones are kept. */
export async function isErasedBody(body: string | undefined, isErased: ErasedJobCheck): Promise<boolean> {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    return false;
  }
  const parsed = isParticipantsBody(value) ? v.safeParse(ParticipantsSchema, value) : v.safeParse(FileJobSchema, value);
  return parsed.success && (await isErased(parsed.output));
}

/**
 * Reads the DLQ without consuming it: messages are received with a short visibility timeout and made visible
 * again right after, so they stay where they are.
 */
export async function summarizeDeadLetters(
  sqs: SQSClient,
  dlqUrl: string,
  options: PeekOptions = {},
): Promise<DeadLetterSummary> {
  const { maxScan = 1000, waitSeconds = 1 } = options;
  const approximateTotal = await visibleCount(sqs, dlqUrl);
  const seen = new Map<string, Message>();
  const handles: string[] = [];
  try {
    while (seen.size < maxScan) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: Math.min(10, maxScan - seen.size),
          VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
          WaitTimeSeconds: waitSeconds,
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        if (message.ReceiptHandle) handles.push(message.ReceiptHandle);
        if (message.MessageId) seen.set(message.MessageId, message);
      }
    }
  } finally {
    await release(sqs, dlqUrl, handles);
  }
  const counts = new Map<string, number>();
  for (const message of seen.values()) {
    const reason = message.MessageAttributes?.failureReason?.StringValue ?? NO_REASON;
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const reasons = [...counts].map(([reason, count]) => ({ reason, count }));
  reasons.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  const summary: DeadLetterSummary = { approximateTotal, scanned: seen.size, reasons };
  if (options.isErased) {
    summary.erased = 0;
    for (const message of seen.values()) if (await isErasedBody(message.Body, options.isErased)) summary.erased++;
  }
  return summary;
}

async function visibleCount(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
}

async function release(sqs: SQSClient, queueUrl: string, handles: string[]): Promise<void> {
  for (let i = 0; i < handles.length; i += 10) {
    const entries = handles.slice(i, i + 10).map((handle, j) => ({
      Id: `h${j}`,
      ReceiptHandle: handle,
      VisibilityTimeout: 0,
    }));
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

export interface MoveResult {
  method: 'move-task' | 'copy';
  moved: number;
  /** Jobs of erased conversations deleted from the DLQ instead of moved. */
  droppedErased: number;
  /** Jobs that could not be sent to the job queue; they stay in the DLQ. */
  failed: number;
  /** Jobs sent to the job queue whose DLQ copy could not be deleted (archiving twice is harmless). */
  leftInDeadLetterQueue: number;
}

/** The SQS errors that mean "this endpoint has no message move tasks". */
const MOVE_TASK_UNSUPPORTED = new Set(['InvalidAction', 'UnsupportedOperation', 'UnknownOperationException']);

export interface TaskOptions {
  pollMs?: number;
  onProgress?: (moved: number, total: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Starts an SQS message move task and waits for it; 'unsupported' when the endpoint has none. */
export async function moveWithTask(
  sqs: SQSClient,
  dlqUrl: string,
  queueUrl: string,
  options: TaskOptions = {},
): Promise<MoveResult | 'unsupported'> {
  const { pollMs = 2000, sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)) } = options;
  const [sourceArn, destinationArn] = await Promise.all([queueArn(sqs, dlqUrl), queueArn(sqs, queueUrl)]);
  let taskHandle: string | undefined;
  try {
    const started = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }),
    );
    taskHandle = started.TaskHandle;
  } catch (error: unknown) {
    if (MOVE_TASK_UNSUPPORTED.has((error as Error).name)) return 'unsupported';
    throw error;
  }
  for (;;) {
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }));
    const task = Results.find((t) => t.TaskHandle === taskHandle) ?? Results[0];
    const moved = Number(task?.ApproximateNumberOfMessagesMoved ?? 0);
    const total = Number(task?.ApproximateNumberOfMessagesToMove ?? moved);
    options.onProgress?.(moved, total);
    if (task?.Status === 'COMPLETED') {
      return { method: 'move-task', moved, droppedErased: 0, failed: 0, leftInDeadLetterQueue: 0 };
    }
    if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
      throw new UserError(
        `the SQS move task ended ${task.Status} after moving ${moved} message(s)${task.FailureReason ? `: ${task.FailureReason}` : ''}`,
      );
    }
    await sleep(pollMs);
  }
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = out.Attributes?.QueueArn;
  if (!arn) throw new UserError(`SQS returned no ARN for ${queueUrl}`);
  return arn;
}

export interface CopyOptions {
  /** Move at most this many (the count shown to the person), so jobs failing again meanwhile are not looped. */
  limit: number;
  waitSeconds?: number;
  /** Jobs this says are erased are deleted from the DLQ, not moved. */
  isErased?: ErasedJobCheck;
}

/** Receive → send (body and non-failure attributes) → delete, ten at a time. */
export async function moveByCopy(
  sqs: SQSClient,
  dlqUrl: string,
  queueUrl: string,
  options: CopyOptions,
): Promise<MoveResult> {
  const { limit, waitSeconds = 1, isErased } = options;
  const result: MoveResult = { method: 'copy', moved: 0, droppedErased: 0, failed: 0, leftInDeadLetterQueue: 0 };
  const handled = () => result.moved + result.droppedErased + result.failed;
  while (handled() < limit) {
    const { Messages: received = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: Math.min(10, limit - handled()),
        VisibilityTimeout: MOVE_VISIBILITY_SECONDS,
        WaitTimeSeconds: waitSeconds,
        MessageAttributeNames: ['All'],
      }),
    );
    if (received.length === 0) break;
    const erased = isErased ? await filterAsync(received, (m) => isErasedBody(m.Body, isErased)) : [];
    if (erased.length > 0) {
      const out = await deleteMessages(sqs, dlqUrl, erased);
      result.droppedErased += erased.length - out;
      result.failed += out;
    }
    const Messages = received.filter((m) => !erased.includes(m));
    if (Messages.length === 0) continue;
    const byId = new Map(Messages.map((message, i) => [`m${i}`, message]));
    const entries: SendMessageBatchRequestEntry[] = [...byId].map(([id, message]) => ({
      Id: id,
      MessageBody: message.Body ?? '',
      MessageAttributes: keptAttributes(message.MessageAttributes),
    }));
    const sent: Message[] = [];
    for (const batch of toBatches(entries)) {
      const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
      for (const ok of out.Successful ?? []) sent.push(byId.get(ok.Id!)!);
      result.failed += out.Failed?.length ?? 0;
    }
    if (sent.length > 0) {
      result.moved += sent.length;
      result.leftInDeadLetterQueue += await deleteMessages(sqs, dlqUrl, sent);
    }
  }
  return result;
}

/**
 * Before an SQS move task (which moves everything): deletes the dead-lettered jobs of erased conversations, at most
 * `limit` messages looked at; the others are made visible again at once. Returns how many were dropped.
 */
export async function dropErasedJobs(
  sqs: SQSClient,
  dlqUrl: string,
  isErased: ErasedJobCheck,
  options: { limit: number; waitSeconds?: number },
): Promise<number> {
  const { limit, waitSeconds = 1 } = options;
  const kept: string[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  try {
    while (seen.size < limit) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: Math.min(10, limit - seen.size),
          VisibilityTimeout: MOVE_VISIBILITY_SECONDS,
          WaitTimeSeconds: waitSeconds,
        }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) seen.add(message.MessageId ?? message.ReceiptHandle ?? '');
      const erased = await filterAsync(Messages, (m) => isErasedBody(m.Body, isErased));
      for (const message of Messages) if (!erased.includes(message)) kept.push(message.ReceiptHandle!);
      if (erased.length > 0) dropped += erased.length - (await deleteMessages(sqs, dlqUrl, erased));
    }
  } finally {
    await release(sqs, dlqUrl, kept);
  }
  return dropped;
}

/** Deletes received messages; returns how many SQS could not delete. */
async function deleteMessages(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<number> {
  let failed = 0;
  for (let i = 0; i < messages.length; i += 10) {
    const out = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages
          .slice(i, i + 10)
          .map((message, j) => ({ Id: `d${j}`, ReceiptHandle: message.ReceiptHandle! })),
      }),
    );
    failed += out.Failed?.length ?? 0;
  }
  return failed;
}

async function filterAsync<T>(items: readonly T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const kept: T[] = [];
  for (const item of items) if (await keep(item)) kept.push(item);
  return kept;
}

export function keptAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> {
  const kept: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if ((FAILURE_ATTRIBUTES as readonly string[]).includes(name)) continue;
    kept[name] = {
      DataType: value.DataType,
      ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
    };
  }
  return kept;
}

export interface RedriveOptions {
  /** Local mode: its SQS emulator has no move tasks, so jobs are moved one by one from the start. */
  local: boolean;
  /** At most this many jobs when moving one by one (the count shown to the person). */
  limit: number;
  onProgress?: (moved: number, total: number) => void;
  /** Called when the endpoint turned out to have no move tasks and jobs are moved one by one instead. */
  onFallback?: () => void;
  /** Jobs of erased conversations are dropped from the DLQ instead of moved (ledger.ts `erasureCheck`). */
  isErased?: ErasedJobCheck;
}

/** The whole redrive: an SQS message move task where the endpoint has them, else receive → send → delete. */
export async function redrive(
  sqs: SQSClient,
  dlqUrl: string,
  queueUrl: string,
  options: RedriveOptions,
): Promise<MoveResult> {
  const { limit, isErased } = options;
  const waitSeconds = options.local ? 0 : 1;
  let dropped = 0;
  if (!options.local) {
    // A move task moves everything: the jobs of erased conversations leave the DLQ first.
    if (isErased) dropped = await dropErasedJobs(sqs, dlqUrl, isErased, { limit, waitSeconds });
    const result = await moveWithTask(
      sqs,
      dlqUrl,
      queueUrl,
      options.onProgress ? { onProgress: options.onProgress } : {},
    );
    if (result !== 'unsupported') return { ...result, droppedErased: dropped };
    options.onFallback?.();
  }
  const copied = await moveByCopy(sqs, dlqUrl, queueUrl, { limit, waitSeconds, ...(isErased ? { isErased } : {}) });
  return { ...copied, droppedErased: copied.droppedErased + dropped };
}

/** Turns SQS SDK failures into one line for a person. */
export async function explainSqsErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error: unknown) {
    if (error instanceof UserError) throw error;
    throw new UserError(`SQS: ${describeAwsError(error)}`);
  }
}
