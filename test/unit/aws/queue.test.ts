/**
 * sendJobs against an SQS that refuses some entries for their content, the way SQS does: such a job can never be
 * queued as it is, so it must neither hold back its neighbours nor be retried into a 503 or a stopped backfill.
 */
import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { QueueError, sendJobs } from '../../../lambdas/aws/queue.ts';
import type { FileJob } from '../../../lambdas/core/job.ts';
import type { ParticipantsMessage } from '../../../lambdas/core/participants.ts';
import { bareMessage, type QueueMessage } from '../../../lambdas/core/queue-message.ts';

const sqs = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const mock = mockClient(sqs);
afterAll(() => mock.restore());

let accepted: QueueMessage[];
let calls: number;
/** Per entry: undefined = accepted, else the failure SQS reports. */
let judge: (entry: SendMessageBatchRequestEntry) => Omit<BatchResultErrorEntry, 'Id'> | undefined;
/** Thrown for a whole call when it returns an error. */
let wholeCall: (entries: SendMessageBatchRequestEntry[]) => Error | undefined;

beforeEach(() => {
  accepted = [];
  calls = 0;
  judge = () => undefined;
  wholeCall = () => undefined;
  mock.reset();
  mock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
    calls++;
    const entries = input.Entries ?? [];
    const error = wholeCall(entries);
    if (error) throw error;
    const Failed: BatchResultErrorEntry[] = [];
    for (const entry of entries) {
      const failure = judge(entry);
      if (failure) Failed.push({ Id: entry.Id, ...failure });
      else accepted.push(JSON.parse(entry.MessageBody!));
    }
    return { Successful: [], Failed };
  });
});

const job = (n: number, extra: Partial<FileJob> = {}): FileJob => ({
  v: 1,
  url: `https://files.dixa.io/private/o/${n}.pdf`,
  visibility: 'private',
  kind: 'attachment',
  conversationId: String(n),
  messageId: `m${n}`,
  name: `${n}.pdf`,
  source: 'webhook',
  ...extra,
});
const refusedContent = { SenderFault: true, Code: 'InvalidMessageContents', Message: 'Invalid characters found.' };
const hasName = (entry: SendMessageBatchRequestEntry) => 'name' in JSON.parse(entry.MessageBody!);

describe('sendJobs', () => {
  it('a job refused for its content goes on the queue bare; its neighbours as they are, without waiting', async () => {
    const poisoned = job(2, { name: 'bad' });
    judge = (entry) => (hasName(entry) && JSON.parse(entry.MessageBody!).name === 'bad' ? refusedContent : undefined);
    const result = await sendJobs(sqs, 'q', [job(1), poisoned, job(3)], { traceId: 't', baseDelayMs: 60_000 });
    expect(result).toEqual({ queued: 3, stripped: [poisoned], refused: [] });
    expect(accepted).toEqual([job(1), job(3), bareMessage(poisoned)]);
    expect(bareMessage(poisoned)).toEqual({
      v: 1,
      url: poisoned.url,
      visibility: 'private',
      kind: 'attachment',
      conversationId: '2',
      source: 'webhook',
    });
  });

  it('a participants message refused for its content goes on the queue without its time, under the same rule', async () => {
    const people: ParticipantsMessage = {
      v: 1,
      type: 'participants',
      conversationId: '2',
      createdAt: 'refused',
      source: 'export',
      people: [{ key: 'a'.repeat(64), role: 'to' }],
    };
    judge = (entry) => (entry.MessageBody!.includes('"refused"') ? refusedContent : undefined);
    const result = await sendJobs(sqs, 'q', [job(1), people], { traceId: 't', baseDelayMs: 60_000 });
    expect(result).toEqual({ queued: 2, stripped: [people], refused: [] });
    const { createdAt: _, ...bare } = people;
    expect(accepted).toEqual([job(1), bare]);
    expect(bareMessage(people)).toEqual(bare);
  });

  it('a job refused even bare is returned as refused, and the others are queued', async () => {
    judge = (entry) => (JSON.parse(entry.MessageBody!).conversationId === '2' ? refusedContent : undefined);
    const result = await sendJobs(sqs, 'q', [job(1), job(2), job(3)], { traceId: 't', baseDelayMs: 60_000 });
    expect(result.queued).toBe(2);
    expect(result.refused).toEqual([{ job: job(2), reason: 'InvalidMessageContents: Invalid characters found.' }]);
    expect(accepted.map((j) => j.conversationId)).toEqual(['1', '3']);
  });

  it('a whole call refused for its content is split, so the refusal lands on the one entry', async () => {
    const error = Object.assign(new Error('Batch requests cannot be longer'), { name: 'BatchRequestTooLong' });
    wholeCall = (entries) =>
      entries.length > 1 && entries.some((e) => JSON.parse(e.MessageBody!).conversationId === '2') ? error : undefined;
    judge = (entry) =>
      JSON.parse(entry.MessageBody!).conversationId === '2' && hasName(entry) ? refusedContent : undefined;
    const result = await sendJobs(sqs, 'q', [job(1), job(2), job(3)], { traceId: 't', baseDelayMs: 1 });
    expect(result.queued).toBe(3);
    expect(accepted.map((j) => j.conversationId).sort()).toEqual(['1', '2', '3']);
  });

  it('passing failures are still retried, and still end in a QueueError when they do not pass', async () => {
    let failures = 2;
    judge = () => (failures-- > 0 ? { SenderFault: false, Code: 'InternalError' } : undefined);
    expect((await sendJobs(sqs, 'q', [job(1)], { traceId: 't', baseDelayMs: 1 })).queued).toBe(1);
    expect(calls).toBe(3);
    judge = () => ({ SenderFault: false, Code: 'InternalError' });
    await expect(sendJobs(sqs, 'q', [job(1)], { traceId: 't', baseDelayMs: 1 })).rejects.toBeInstanceOf(QueueError);
  });

  it('other errors of a whole call (no access, no queue) are thrown, never taken for a refused job', async () => {
    const denied = Object.assign(new Error('denied'), { name: 'AccessDenied' });
    wholeCall = () => denied;
    await expect(sendJobs(sqs, 'q', [job(1), job(2)], { traceId: 't' })).rejects.toBe(denied);
  });

  it('the traceId attribute is text SQS accepts, cut without splitting a character', async () => {
    let trace = '';
    judge = (entry) => {
      trace = entry.MessageAttributes!.traceId!.StringValue!;
      return undefined;
    };
    await sendJobs(sqs, 'q', [job(1)], { traceId: `evt\uFFFF\u001b${'x'.repeat(252)}😀` });
    expect(trace).toBe(`evt\uFFFD\uFFFD${'x'.repeat(251)}`);
  });
});
