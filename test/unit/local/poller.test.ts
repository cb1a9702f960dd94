import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { failedIds, toSqsRecord } from '../../../cli/local/poller.ts';

const records = ['a', 'b', 'c'].map((messageId) => ({ messageId }) as SQSRecord);

describe("failedIds (Lambda's ReportBatchItemFailures rules)", () => {
  it('treats no result, null failures and an empty list as complete success', () => {
    expect(failedIds(undefined, records)).toEqual(new Set());
    expect(failedIds(null, records)).toEqual(new Set());
    expect(failedIds({ batchItemFailures: null }, records)).toEqual(new Set());
    expect(failedIds({ batchItemFailures: [] }, records)).toEqual(new Set());
  });

  it('fails exactly the reported records', () => {
    expect(failedIds({ batchItemFailures: [{ itemIdentifier: 'b' }] }, records)).toEqual(new Set(['b']));
  });

  it('fails the whole batch for an unknown, empty or malformed identifier', () => {
    const all = new Set(['a', 'b', 'c']);
    expect(failedIds({ batchItemFailures: [{ itemIdentifier: 'zzz' }] }, records)).toEqual(all);
    expect(failedIds({ batchItemFailures: [{ itemIdentifier: '' }] }, records)).toEqual(all);
    expect(failedIds({ batchItemFailures: [{}] }, records)).toEqual(all);
    expect(failedIds({ batchItemFailures: 'b' }, records)).toEqual(all);
  });
});

describe('toSqsRecord', () => {
  it('presents a received message as Lambda does (camelCase attributes, base64 binary values)', () => {
    const record = toSqsRecord(
      {
        MessageId: 'm-1',
        ReceiptHandle: 'h-1',
        Body: '{"v":1}',
        MD5OfBody: 'md5',
        Attributes: { ApproximateReceiveCount: '3', SentTimestamp: '1700000000000', SenderId: '000000000000' },
        MessageAttributes: {
          traceId: { DataType: 'String', StringValue: 'evt-1' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      },
      'arn:aws:sqs:eu-west-1:000000000000:jobs',
      'eu-west-1',
    );
    expect(record).toMatchObject({
      messageId: 'm-1',
      receiptHandle: 'h-1',
      body: '{"v":1}',
      md5OfBody: 'md5',
      attributes: { ApproximateReceiveCount: '3', SentTimestamp: '1700000000000', SenderId: '000000000000' },
      messageAttributes: {
        traceId: { dataType: 'String', stringValue: 'evt-1', stringListValues: [], binaryListValues: [] },
        blob: { dataType: 'Binary', binaryValue: 'AQID' },
      },
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:jobs',
      awsRegion: 'eu-west-1',
    });
  });
});
