/**
 * What the archiver does to a job message besides succeeding: move it to the dead-letter queue with the reason
 * (contract: the original body, failureReason/failureClass/failedAt/receiveCount, the original traceId/source),
 * or push its next delivery back (429).
 */
import {
  ChangeMessageVisibilityCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

export type FailureClass = 'permanent' | 'exhausted' | 'invalid-job';

/** Attributes of the original message that travel with it to the DLQ. */
const KEPT_ATTRIBUTES = ['traceId', 'source'] as const;

export async function moveToDeadLetter(
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  record: SQSRecord,
  failure: { failureClass: FailureClass; reason: string },
  now = new Date(),
): Promise<void> {
  const attributes: Record<string, MessageAttributeValue> = {
    failureReason: text(failure.reason),
    failureClass: text(failure.failureClass),
    failedAt: text(now.toISOString()),
    receiveCount: text(record.attributes.ApproximateReceiveCount || '1'),
  };
  for (const name of KEPT_ATTRIBUTES) {
    const value = record.messageAttributes?.[name]?.stringValue;
    if (value) attributes[name] = text(value);
  }
  await sqs.send(
    new SendMessageCommand({ QueueUrl: deadLetterQueueUrl, MessageBody: record.body, MessageAttributes: attributes }),
  );
}

export async function delayRedelivery(
  sqs: SQSClient,
  jobQueueUrl: string,
  record: SQSRecord,
  seconds: number,
): Promise<void> {
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: jobQueueUrl,
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: seconds,
    }),
  );
}

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value.slice(0, 1024) });
