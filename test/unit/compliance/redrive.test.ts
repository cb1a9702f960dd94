/** The AWS side of redrive: an SQS message move task, watched until it ends; failure attributes dropped on copy. */
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  SQSClient,
  SQSServiceException,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../lambdas/commons/errors.ts';
import { keptAttributes, moveWithTask } from '../../../lambdas/compliance/redrive.ts';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/file-jobs';
const DLQ = 'https://sqs.eu-west-1.amazonaws.com/123456789012/file-jobs-dlq';
const arnOf = (url: string) => `arn:aws:sqs:eu-west-1:123456789012:${url.slice(url.lastIndexOf('/') + 1)}`;

const sqsMock = mockClient(SQSClient);
const sqs = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } });
const noSleep = async () => {};

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(GetQueueAttributesCommand).callsFake((input) => ({ Attributes: { QueueArn: arnOf(input.QueueUrl) } }));
  sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
});
afterEach(() => sqsMock.reset());

describe('moveWithTask', () => {
  it('starts a move task from the DLQ to the job queue and waits until it completes', async () => {
    sqsMock
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({ Results: [{ TaskHandle: 'task-1', Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 2 }] })
      .resolves({
        Results: [
          {
            TaskHandle: 'task-1',
            Status: 'COMPLETED',
            ApproximateNumberOfMessagesMoved: 7,
            ApproximateNumberOfMessagesToMove: 7,
          },
        ],
      });
    const progress: number[] = [];
    const result = await moveWithTask(sqs, DLQ, QUEUE, { sleep: noSleep, onProgress: (moved) => progress.push(moved) });
    expect(result).toEqual({ method: 'move-task', moved: 7, droppedErased: 0, failed: 0, leftInDeadLetterQueue: 0 });
    expect(sqsMock.commandCalls(StartMessageMoveTaskCommand)[0]!.args[0].input).toEqual({
      SourceArn: arnOf(DLQ),
      DestinationArn: arnOf(QUEUE),
    });
    expect(progress).toEqual([2, 7]);
  });

  it('fails in one line when the task fails', async () => {
    sqsMock.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        { TaskHandle: 'task-1', Status: 'FAILED', ApproximateNumberOfMessagesMoved: 3, FailureReason: 'AccessDenied' },
      ],
    });
    const error = await moveWithTask(sqs, DLQ, QUEUE, { sleep: noSleep }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe('the SQS move task ended FAILED after moving 3 message(s): AccessDenied');
  });

  it('reports "unsupported" when the endpoint has no move tasks, and rethrows anything else', async () => {
    const unsupported = new SQSServiceException({
      name: 'UnsupportedOperation',
      $fault: 'client',
      $metadata: {},
      message: 'no',
    });
    sqsMock.on(StartMessageMoveTaskCommand).rejects(unsupported);
    expect(await moveWithTask(sqs, DLQ, QUEUE, { sleep: noSleep })).toBe('unsupported');

    const denied = new SQSServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'no' });
    sqsMock.on(StartMessageMoveTaskCommand).rejects(denied);
    await expect(moveWithTask(sqs, DLQ, QUEUE, { sleep: noSleep })).rejects.toBe(denied);
  });
});

describe('keptAttributes', () => {
  it('keeps the job attributes and drops the ones the archiver added when it dead-lettered the job', () => {
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    expect(
      keptAttributes({
        traceId: text('evt-1'),
        source: text('export'),
        blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2]) },
        failureReason: text('files.dixa.io answered 404 Not Found'),
        failureClass: text('permanent'),
        failedAt: text('2024-05-01T00:00:00Z'),
        receiveCount: text('5'),
      }),
    ).toEqual({
      traceId: text('evt-1'),
      source: text('export'),
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2]) },
    });
    expect(keptAttributes(undefined)).toEqual({});
  });
});
