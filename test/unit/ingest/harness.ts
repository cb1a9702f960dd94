/**
 * The ingest handler wired to an in-memory SQS (aws-sdk-client-mock) that records exactly which entries were
 * accepted, can fail some or all of them, and a capture of what the handler writes to stdout (logs + EMF).
 */
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';
import type { SecretSource } from '../../../lambdas/aws/secrets.ts';
import { type FileJob, isSqsText } from '../../../lambdas/core/job.ts';
import { type FilesOrigin, parseFilesBaseUrl } from '../../../lambdas/core/links.ts';
import type { ParticipantsMessage } from '../../../lambdas/core/participants.ts';
import { parseQueueMessage } from '../../../lambdas/core/queue-message.ts';
import type { IngestConfig } from '../../../lambdas/ingest/config.ts';
import { createIngestHandler, type IngestHandler } from '../../../lambdas/ingest/handler.ts';
import { TEST_WEBHOOK_SECRET } from '../../fixtures/apigw/webhook-event.ts';

export const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dixa-file-jobs';
export const FILES: FilesOrigin = parseFilesBaseUrl();

/** Decides, per SendMessageBatch call, which entry ids SQS reports as failed; may throw to fail the whole call. */
export type SqsFault = (entries: SendMessageBatchRequestEntry[], call: number) => Iterable<string> | undefined;

export interface FakeQueue {
  /** Entries SQS accepted, in order. */
  accepted: SendMessageBatchRequestEntry[];
  calls: number;
  fault: SqsFault | undefined;
  /** Entries this refuses for their content, as SQS refuses characters it does not carry (besides those). */
  refuse: ((entry: SendMessageBatchRequestEntry) => boolean) | undefined;
  /** The accepted file jobs, validated against the job contract (throws on an invalid one). */
  jobs(): FileJob[];
  /** The accepted participants messages, validated. */
  participants(): ParticipantsMessage[];
  reset(): void;
  restore(): void;
}

export function fakeQueue(): FakeQueue {
  const mock = mockClient(SQSClient);
  const queue: FakeQueue = {
    accepted: [],
    calls: 0,
    fault: undefined,
    refuse: undefined,
    jobs: () =>
      queue.accepted.flatMap((entry) => {
        const parsed = parseQueueMessage(entry.MessageBody ?? '', FILES);
        if (!parsed.ok) throw new Error(`invalid job on the queue: ${parsed.reason}`);
        return parsed.kind === 'file' ? [parsed.job] : [];
      }),
    participants: () =>
      queue.accepted.flatMap((entry) => {
        const parsed = parseQueueMessage(entry.MessageBody ?? '', FILES);
        if (!parsed.ok) throw new Error(`invalid message on the queue: ${parsed.reason}`);
        return parsed.kind === 'participants' ? [parsed.message] : [];
      }),
    reset() {
      queue.accepted = [];
      queue.calls = 0;
      queue.fault = undefined;
      queue.refuse = undefined;
    },
    restore: () => mock.restore(),
  };
  mock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
    const entries = input.Entries ?? [];
    const failing = new Set(queue.fault?.(entries, ++queue.calls) ?? []);
    // As SQS does: an entry with characters it does not carry is refused (a sender fault, on every try).
    const refused = new Set(
      entries.filter((entry) => !sqsAccepts(entry) || queue.refuse?.(entry)).map((entry) => entry.Id ?? ''),
    );
    const ok = entries.filter((entry) => !failing.has(entry.Id ?? '') && !refused.has(entry.Id ?? ''));
    queue.accepted.push(...ok);
    return {
      Successful: ok.map((entry, i) => ({ Id: entry.Id, MessageId: `m-${queue.calls}-${i}`, MD5OfMessageBody: 'x' })),
      Failed: entries
        .filter((entry) => failing.has(entry.Id ?? '') || refused.has(entry.Id ?? ''))
        .map((entry) =>
          refused.has(entry.Id ?? '')
            ? { Id: entry.Id, SenderFault: true, Code: 'InvalidMessageContents', Message: 'Invalid characters found.' }
            : { Id: entry.Id, SenderFault: false, Code: 'InternalError', Message: 'injected' },
        ),
    };
  });
  return queue;
}

const sqsAccepts = (entry: SendMessageBatchRequestEntry) =>
  isSqsText(entry.MessageBody ?? '') &&
  Object.values(entry.MessageAttributes ?? {}).every((value) => isSqsText(value.StringValue ?? ''));

export interface IngestOptions {
  secrets?: SecretSource;
  webhookSecret?: string;
  now?: () => number;
  config?: Partial<IngestConfig>;
}

export function ingestHandler(options: IngestOptions = {}): IngestHandler {
  const sqs = new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const secrets: SecretSource = options.secrets ?? {
    get: async () => ({ apiToken: 'test-api-token', webhookSecret: options.webhookSecret ?? TEST_WEBHOOK_SECRET }),
  };
  return createIngestHandler(() => ({
    config: {
      queueUrl: QUEUE_URL,
      files: FILES,
      signatureToleranceMs: 300_000,
      maxBodyBytes: 1024 * 1024,
      ...options.config,
    },
    sqs,
    secrets,
    now: options.now,
  }));
}

export interface Reply {
  status: number | undefined;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

export function reply(result: APIGatewayProxyStructuredResultV2): Reply {
  return {
    status: result.statusCode,
    body: JSON.parse(result.body ?? 'null') as Record<string, unknown>,
    headers: (result.headers ?? {}) as Record<string, unknown>,
  };
}

/** Everything written to stdout and stderr while `fn` runs: where Powertools Logger and Metrics write. */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(capture),
    vi.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    return { result: await fn(), output: chunks.join('') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** The JSON lines of captured output. */
export function jsonLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** EMF metric values by name across the captured output, e.g. `{ JobsQueued: [3] }`. */
export function emfMetrics(output: string): Record<string, unknown[]> {
  const values: Record<string, unknown[]> = {};
  for (const line of jsonLines(output)) {
    const aws = line._aws as { CloudWatchMetrics?: { Metrics: { Name: string }[] }[] } | undefined;
    for (const group of aws?.CloudWatchMetrics ?? []) {
      for (const { Name } of group.Metrics) values[Name] = [...(values[Name] ?? []), line[Name]];
    }
  }
  return values;
}
