/**
 * A Secrets Manager value that is not what we expect must never have its text quoted: not in the error, not in
 * ingest's log, not in the archiver's log, not in a dead letter's failureReason (which `redrive` prints).
 * The leak check (test/leak-check) fails any test that prints MALFORMED_SECRET_TOKEN; these tests also look.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { HeadObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, type SendMessageCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createArchiverHandler } from '../../../lambdas/archiver/handler.ts';
import { parseDixaSecrets, secretSourceFromEnv } from '../../../lambdas/aws/secrets.ts';
import { ArchiveStorage } from '../../../lambdas/aws/storage.ts';
import { ConfigError } from '../../../lambdas/commons/env.ts';
import { parseFilesBaseUrl } from '../../../lambdas/core/links.ts';
import { createIngestHandler } from '../../../lambdas/ingest/handler.ts';
import { MALFORMED_SECRET_TEXT, MALFORMED_SECRET_TOKEN, ROTATION_NEW_SECRET } from '../../fakes/test-secrets.ts';
import { webhookEvent, webhookFixture } from '../../fixtures/apigw/webhook-event.ts';
import { captureOutput } from '../ingest/harness.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dixa-AbCdEf';
const secretsManager = mockClient(SecretsManagerClient);
const sqs = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const sqsMock = mockClient(sqs);
const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const s3Mock = mockClient(s3);
afterAll(() => {
  secretsManager.restore();
  sqsMock.restore();
});
beforeEach(() => {
  secretsManager.reset();
  sqsMock.reset();
  s3Mock.reset();
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });
  s3Mock
    .on(HeadObjectCommand)
    .rejects(new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } }));
});

/** Values that are not the expected JSON object, each holding secret text a parser might quote. */
const MALFORMED: [string, string][] = [
  ['plain text', MALFORMED_SECRET_TEXT],
  ['JSON cut short', `{"apiToken": "${MALFORMED_SECRET_TOKEN}", "webhookSecret": "${ROTATION_NEW_SECRET}`],
  ['single quotes', `{'apiToken': '${MALFORMED_SECRET_TOKEN}'}`],
  ['a JSON string', JSON.stringify(MALFORMED_SECRET_TEXT)],
  ['a JSON array', JSON.stringify([MALFORMED_SECRET_TOKEN, ROTATION_NEW_SECRET])],
];

const holdsSecretText = (text: string) =>
  [MALFORMED_SECRET_TOKEN, ROTATION_NEW_SECRET.slice(0, 12), 'apiToken='].some((part) => text.includes(part));

describe('a malformed Dixa secret', () => {
  it.each(MALFORMED)('(%s) fails with a ConfigError that quotes none of it', async (_, text) => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: text });
    const error = await secretSourceFromEnv({ DIXA_SECRET_ARN: ARN })
      .get()
      .then(
        () => new Error('resolved'),
        (e: unknown) => e as Error,
      );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^the Dixa secret is not (JSON|a JSON object); expected \{"apiToken"/);
    expect(holdsSecretText(error.message)).toBe(false);
    expect(holdsSecretText(String((error as Error & { cause?: unknown }).cause ?? ''))).toBe(false);
  });

  it('a well-formed secret is read, with the previous webhook secret when set', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ apiToken: 't', webhookSecret: 'ab', previousWebhookSecret: ' cd ' }),
    });
    expect(await secretSourceFromEnv({ DIXA_SECRET_ARN: ARN }).get()).toEqual({
      apiToken: 't',
      webhookSecret: 'ab',
      previousWebhookSecret: 'cd',
    });
    expect(parseDixaSecrets({ apiToken: 1, webhookSecret: null })).toEqual({ apiToken: '', webhookSecret: '' });
  });

  it('ingest answers 500 and logs the reason without any of the text', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: MALFORMED_SECRET_TEXT });
    const handler = createIngestHandler(() => ({
      config: {
        queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/jobs',
        files: parseFilesBaseUrl(),
        signatureToleranceMs: 300_000,
        maxBodyBytes: 1024 * 1024,
      },
      sqs,
      secrets: secretSourceFromEnv({ DIXA_SECRET_ARN: ARN }),
    }));
    const { result, output } = await captureOutput(() =>
      handler(webhookEvent({ body: webhookFixture('message-added-email'), secret: ROTATION_NEW_SECRET })),
    );
    expect(result.statusCode).toBe(500);
    expect(output).toContain('the Dixa secret is not JSON');
    expect(holdsSecretText(output)).toBe(false);
  });

  it("the archiver's log and the dead letter's failureReason hold none of it", async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: MALFORMED_SECRET_TEXT });
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const handler = createArchiverHandler(() => ({
      config: {
        files: parseFilesBaseUrl('http://127.0.0.1:9'),
        bucket: 'bucket',
        prefix: 'dixa',
        partSizeBytes: 5 * 1024 * 1024,
        queueSize: 2,
        connectTimeoutMs: 1000,
        idleTimeoutMs: 1000,
        minBytesPerSecond: 1024,
        throughputWindowMs: 30_000,
        maxDecodedRatio: 100,
        jobQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/jobs',
        deadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/jobs-dlq',
        maxReceiveCount: 1,
        objectLock: false,
      },
      storage: new ArchiveStorage(s3, 'bucket', { partSizeBytes: 5 * 1024 * 1024, queueSize: 2 }),
      secrets: secretSourceFromEnv({ DIXA_SECRET_ARN: ARN }),
      sqs,
      logger: new Logger({ serviceName: 'unit' }),
      metrics: new Metrics({ namespace: 'Unit', serviceName: 'unit' }),
    }));
    const job = {
      v: 1,
      url: 'http://127.0.0.1:9/private/o/f.pdf',
      visibility: 'private',
      kind: 'attachment',
      conversationId: '1',
      source: 'webhook',
    };
    const record = {
      messageId: 'm1',
      receiptHandle: 'h',
      body: JSON.stringify(job),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 's',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:1:jobs',
      awsRegion: 'eu-west-1',
    };
    const { result, output } = await captureOutput(() => handler({ Records: [record] }));
    expect(result.batchItemFailures).toEqual([]);
    const letter = sqsMock.commandCalls(SendMessageCommand)[0]!.args[0].input as SendMessageCommandInput;
    const reason = letter.MessageAttributes!.failureReason!.StringValue!;
    expect(reason).toMatch(/the Dixa secret is not JSON/);
    expect(holdsSecretText(reason)).toBe(false);
    expect(holdsSecretText(output)).toBe(false);
  });
});
