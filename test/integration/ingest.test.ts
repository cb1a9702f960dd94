/**
 * The ingest handler against a real SQS protocol emulator (fauxqs on loopback): what ends up on the queue is read
 * back from the emulator, not from a mock. SQS faults (throttling, entries failed partially or wholly) are injected
 * in the SDK client's middleware stack, so the SDK's own retries and sendJobs' entry retries both take part.
 */
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { secretSourceFromEnv } from '../../lambdas/aws/secrets.ts';
import { parseFileJob } from '../../lambdas/core/job.ts';
import { parseFilesBaseUrl } from '../../lambdas/core/links.ts';
import { isParticipantsBody } from '../../lambdas/core/participants.ts';
import { signatureHeader } from '../../lambdas/core/signature.ts';
import { ingestConfigFromEnv } from '../../lambdas/ingest/config.ts';
import { createIngestHandler, type IngestHandler } from '../../lambdas/ingest/handler.ts';
import { rawBodyOf, TEST_WEBHOOK_SECRET, webhookEvent, webhookFixture } from '../fixtures/apigw/webhook-event.ts';

const QUEUE_NAME = 'dixa-file-jobs';
const ORG = '5b7e8f3c-2d1a-4c9b-8e7f-6a5b4c3d2e1f';
const MAX_BODY_BYTES = 1024 * 1024;
const FILES = parseFilesBaseUrl();
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Faults the SQS client will inject into SendMessageBatch calls. */
const faults = {
  /** SendMessageBatch calls still to answer with ThrottlingException (the SDK retries these itself). */
  throttles: 0,
  /** Entries SQS reports as failed: called with the entry id and how many times that entry has been sent. */
  failEntry: undefined as ((id: string, attempt: number) => boolean) | undefined,
  sendCalls: 0,
  attempts: new Map<string, number>(),
};

let server: FauxqsServer;
let sqs: SQSClient;
let queueUrl: string;
let ingest: IngestHandler;

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
  sqs = new SQSClient({ endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1', credentials });
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: QUEUE_NAME }))).QueueUrl!;
  injectFaults(sqs);
  ingest = ingestFor(queueUrl);
});

afterAll(async () => {
  sqs?.destroy();
  await server?.stop();
});

beforeEach(() => {
  server.reset();
  faults.throttles = 0;
  faults.failEntry = undefined;
  faults.sendCalls = 0;
  faults.attempts.clear();
});

function ingestFor(url: string): IngestHandler {
  return createIngestHandler(() => ({
    config: ingestConfigFromEnv({ JOB_QUEUE_URL: url, MAX_BODY_BYTES: String(MAX_BODY_BYTES) }),
    sqs,
    secrets: secretSourceFromEnv({ DIXA_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET, DIXA_API_TOKEN: 'test-api-token' }),
  }));
}

function injectFaults(client: SQSClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      faults.sendCalls++;
      const input = args.input as SendMessageBatchCommandInput;
      const entries = input.Entries ?? [];
      const failing = entries.filter((entry) => {
        const attempt = (faults.attempts.get(entry.Id!) ?? 0) + 1;
        faults.attempts.set(entry.Id!, attempt);
        return faults.failEntry?.(entry.Id!, attempt) ?? false;
      });
      const kept = entries.filter((entry) => !failing.includes(entry));
      const result =
        kept.length > 0
          ? await next({ ...args, input: { ...input, Entries: kept } })
          : { output: { Successful: [], Failed: [], $metadata: {} }, response: {} };
      const output = result.output as SendMessageBatchCommandOutput;
      output.Failed = [
        ...(output.Failed ?? []),
        ...failing.map((e) => ({ Id: e.Id, SenderFault: false, Code: 'ServiceUnavailable', Message: 'injected' })),
      ];
      return result;
    },
    { step: 'initialize', name: 'injectEntryFailures' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'SendMessageBatchCommand' && faults.throttles > 0) {
        faults.throttles--;
        throw Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'injectThrottling' },
  );
}

/** Every message on the queue (non-destructive), as validated jobs. */
function queued() {
  const messages = server.inspectQueue(QUEUE_NAME)?.messages;
  const all = [
    ...(messages?.ready ?? []),
    ...(messages?.delayed ?? []),
    ...(messages?.inflight ?? []).map((i) => i.message),
  ];
  return all
    .filter((message) => !isParticipantsBody(JSON.parse(message.body)))
    .map((message) => {
      const parsed = parseFileJob(message.body, FILES);
      if (!parsed.ok) throw new Error(`invalid job on the queue: ${parsed.reason}`);
      return { job: parsed.job, traceId: message.messageAttributes.traceId?.StringValue };
    });
}

const queuedUrls = () =>
  queued()
    .map((m) => m.job.url)
    .sort();
const statusOf = async (event: APIGatewayProxyEventV2) => {
  const result = await ingest(event);
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') as Record<string, unknown> };
};

type Webhook = Record<string, unknown> & { event_id: string; data: Record<string, unknown> };
const fixture = (name: string) => webhookFixture<Webhook>(name);
/** The no-attachments message with the given attachments. */
function messageWith(attachments: unknown[], patch: (w: Webhook) => void = () => {}): Webhook {
  const webhook = fixture('message-added-no-attachments');
  webhook.data.attachments = attachments;
  patch(webhook);
  return webhook;
}
const link = (i: number) => `/private/${ORG}/attachments/f${i}/file-${i}.bin`;
const url = (i: number) => `https://files.dixa.io${link(i)}`;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('ingest → SQS (fauxqs)', () => {
  it('turns a signed webhook with 25 attachments into exactly 25 valid jobs on the queue', async () => {
    const shapes = (i: number) =>
      [
        { url: url(i), prettyName: `file ${i}.bin` },
        { url: link(i), pretty_name: `file ${i}.bin` },
        { url: link(i), name: `file ${i}.bin`, contentType: 'application/octet-stream' },
        link(i),
      ][i % 4];
    const webhook = messageWith(range(25).map(shapes));
    const res = await statusOf(webhookEvent({ body: webhook }));
    expect(res).toEqual({ status: 202, body: { status: 'queued', jobs: 25, rejected: [] } });
    expect(faults.sendCalls).toBe(3); // 10 + 10 + 5 entries, and who took part

    const received: string[] = [];
    const participants: string[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
      );
      if (Messages.length === 0) break;
      for (const message of Messages) {
        if (isParticipantsBody(JSON.parse(message.Body ?? '{}'))) {
          participants.push(message.Body!);
          continue;
        }
        const parsed = parseFileJob(message.Body ?? '', FILES);
        expect(parsed.ok, message.Body).toBe(true);
        if (!parsed.ok) continue;
        expect(parsed.job).toMatchObject({
          conversationId: '48377',
          eventId: webhook.event_id,
          messageId: webhook.data.message_id,
          kind: 'attachment',
          visibility: 'private',
          source: 'webhook',
        });
        expect(message.MessageAttributes?.traceId?.StringValue).toBe(webhook.event_id);
        received.push(parsed.job.url);
      }
    }
    expect(received.sort()).toEqual(range(25).map(url).sort());
  });

  it('works through the exported handler configured only by environment variables', async () => {
    vi.resetModules();
    vi.stubEnv('JOB_QUEUE_URL', queueUrl);
    vi.stubEnv('SQS_ENDPOINT', `http://127.0.0.1:${server.port}`);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('DIXA_SECRET_ARN', '');
    vi.stubEnv('DIXA_WEBHOOK_SECRET', TEST_WEBHOOK_SECRET);
    try {
      const { handler } = await import('../../lambdas/ingest/handler.ts');
      const result = await handler(webhookEvent({ body: fixture('message-added-email') }));
      expect(result.statusCode).toBe(202);
      expect(
        queued()
          .map((m) => m.job.kind)
          .sort(),
      ).toEqual(['attachment', 'original-email']);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

// ------------------------------------------------------------------------------------------- bad input

interface Case {
  name: string;
  event: () => APIGatewayProxyEventV2;
  status: number;
  /** The exact response body, or a predicate for the parts that vary. */
  body: Record<string, unknown> | ((body: Record<string, unknown>) => void);
  /** Exactly the URLs on the queue afterwards. */
  queued: string[];
  setup?: () => void;
  /** Send to another queue name on the emulator (e.g. one that does not exist). */
  queueUrl?: string;
}

const email = () => fixture('message-added-email');
const emailUrls = [
  `https://files.dixa.io/private/${ORG}/attachments/3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7/invoice-2024-0117.pdf`,
  `https://files.dixa.io/private/${ORG}/email_original_data/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a`,
].sort();
const sign = (body: string | Uint8Array, t = Date.now(), secret = TEST_WEBHOOK_SECRET) =>
  signatureHeader(secret, body, t);
const goodV1 = (body: string) => sign(body).split('v1=')[1]!;
const emailText = () => JSON.stringify(email());
const unauthorized = (reason: string) => ({ error: `invalid signature: ${reason}` });
const invalid = (detail: RegExp) => (body: Record<string, unknown>) => {
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatch(detail);
};
const ignored = { status: 'ignored' };
const queuedBody = (jobs: number) => ({ status: 'queued', jobs, rejected: [] });

const cases: Case[] = [
  // --- signatures: 401 and nothing queued
  {
    name: 'no X-DIXA-SIGNATURE header',
    event: () => webhookEvent({ body: email(), signature: null }),
    status: 401,
    body: unauthorized('missing signature'),
    queued: [],
  },
  {
    name: 'empty signature header',
    event: () => webhookEvent({ body: email(), signature: '' }),
    status: 401,
    body: unauthorized('missing signature'),
    queued: [],
  },
  {
    name: 'header with t only',
    event: () => webhookEvent({ body: email(), signature: `t=${Date.now()}` }),
    status: 401,
    body: unauthorized('no v1 signature'),
    queued: [],
  },
  {
    name: 'header with v1 only',
    event: () => webhookEvent({ body: email(), signature: `v1=${goodV1(emailText())}` }),
    status: 401,
    body: unauthorized('malformed timestamp'),
    queued: [],
  },
  {
    name: 'v1 that is not hex',
    event: () => webhookEvent({ body: email(), signature: `t=${Date.now()},v1=${'z'.repeat(64)}` }),
    status: 401,
    body: unauthorized('malformed v1 signature'),
    queued: [],
  },
  {
    name: 'v1 one hex digit short',
    event: () => {
      const body = emailText();
      return webhookEvent({ body, signature: `t=${Date.now()},v1=${goodV1(body).slice(1)}` });
    },
    status: 401,
    body: unauthorized('malformed v1 signature'),
    queued: [],
  },
  {
    name: 'non-numeric timestamp',
    event: () => webhookEvent({ body: email(), signature: `t=yesterday,v1=${'0'.repeat(64)}` }),
    status: 401,
    body: unauthorized('malformed timestamp'),
    queued: [],
  },
  {
    name: 'a different auth scheme in the header',
    event: () => webhookEvent({ body: email(), signature: `Bearer ${TEST_WEBHOOK_SECRET}` }),
    status: 401,
    body: unauthorized('malformed signature header'),
    queued: [],
  },
  {
    name: 'two timestamps',
    event: () => {
      const body = emailText();
      return webhookEvent({ body, signature: `${sign(body)},t=${Date.now()}` });
    },
    status: 401,
    body: unauthorized('malformed signature header'),
    queued: [],
  },
  {
    name: 'header longer than 1 KiB',
    event: () => {
      const body = emailText();
      return webhookEvent({ body, signature: `${sign(body)},v0=${'a'.repeat(1100)}` });
    },
    status: 401,
    body: unauthorized('signature header too long'),
    queued: [],
  },
  {
    name: 'signed with the wrong secret',
    event: () => webhookEvent({ body: email(), secret: 'ab'.repeat(32) }),
    status: 401,
    body: unauthorized('signature mismatch'),
    queued: [],
  },
  {
    name: 'stale: signed 301 s ago',
    event: () => webhookEvent({ body: email(), timestampMs: Date.now() - 301_000 }),
    status: 401,
    body: unauthorized('stale signature timestamp'),
    queued: [],
  },
  {
    name: 'from the future: signed 301 s ahead',
    event: () => webhookEvent({ body: email(), timestampMs: Date.now() + 301_000 }),
    status: 401,
    body: unauthorized('stale signature timestamp'),
    queued: [],
  },
  {
    name: 'timestamp in seconds instead of milliseconds',
    event: () => {
      const body = emailText();
      return webhookEvent({ body, signature: sign(body, Math.floor(Date.now() / 1000)) });
    },
    status: 401,
    body: unauthorized('stale signature timestamp'),
    queued: [],
  },
  {
    name: 'body changed after signing (one attachment link swapped)',
    event: () => {
      const signed = emailText();
      return webhookEvent({ body: signed.replace('invoice-2024-0117.pdf', 'other.pdf'), signature: sign(signed) });
    },
    status: 401,
    body: unauthorized('signature mismatch'),
    queued: [],
  },
  {
    name: 'replayed v1 with a fresh timestamp',
    event: () => {
      const body = emailText();
      const old = goodV1(body);
      return webhookEvent({ body, signature: `t=${Date.now() + 1},v1=${old}` });
    },
    status: 401,
    body: unauthorized('signature mismatch'),
    queued: [],
  },
  {
    name: 'base64 body signed over its base64 text instead of its bytes',
    event: () => {
      const raw = emailText();
      return webhookEvent({ body: raw, base64: true, signature: sign(Buffer.from(raw).toString('base64')) });
    },
    status: 401,
    body: unauthorized('signature mismatch'),
    queued: [],
  },
  {
    name: 'uppercase hex v1 is the same signature (accepted)',
    event: () => {
      const body = emailText();
      const t = Date.now();
      return webhookEvent({ body, signature: `t=${t},v1=${sign(body, t).split('v1=')[1]!.toUpperCase()}` });
    },
    status: 202,
    body: queuedBody(2),
    queued: emailUrls,
  },
  {
    name: 'two v1 values during a secret rotation, the second one right (accepted)',
    event: () => {
      const body = emailText();
      const t = Date.now();
      return webhookEvent({ body, signature: `t=${t},v1=${'0'.repeat(64)},v1=${sign(body, t).split('v1=')[1]}` });
    },
    status: 202,
    body: queuedBody(2),
    queued: emailUrls,
  },
  // --- encodings
  {
    name: 'base64 body (as API Gateway sends binary media types)',
    event: () => webhookEvent({ body: email(), base64: true }),
    status: 202,
    body: queuedBody(2),
    queued: emailUrls,
  },
  {
    name: 'base64 flag on a body that is not base64',
    event: () => ({ ...webhookEvent({ body: email() }), isBase64Encoded: true }),
    status: 400,
    body: { error: 'body is not valid base64' },
    queued: [],
  },
  {
    name: 'base64 body with a character outside the alphabet',
    event: () => {
      const event = webhookEvent({ body: email(), base64: true });
      return { ...event, body: `${event.body!.slice(0, 8)}*${event.body!.slice(9)}` };
    },
    status: 400,
    body: { error: 'body is not valid base64' },
    queued: [],
  },
  {
    name: 'signed bytes that are not UTF-8 (Latin-1 body)',
    event: () => webhookEvent({ body: Buffer.from(emailText().replace('Jane', 'Jæne'), 'latin1'), base64: true }),
    status: 400,
    body: { error: 'body is not valid UTF-8' },
    queued: [],
  },
  // --- sizes: 413, checked before the signature
  {
    name: 'body one byte over the limit, unsigned',
    event: () => webhookEvent({ body: ' '.repeat(MAX_BODY_BYTES + 1), signature: null }),
    status: 413,
    body: { error: `body is larger than ${MAX_BODY_BYTES} bytes` },
    queued: [],
  },
  {
    name: 'huge (5 MiB) signed body of valid JSON',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => (w.padding = 'x'.repeat(5 << 20))) }),
    status: 413,
    body: { error: `body is larger than ${MAX_BODY_BYTES} bytes` },
    queued: [],
  },
  {
    name: 'base64 body whose decoded size is over the limit',
    event: () => webhookEvent({ body: Buffer.alloc(MAX_BODY_BYTES + 3, 0x20), base64: true, signature: null }),
    status: 413,
    body: { error: `body is larger than ${MAX_BODY_BYTES} bytes` },
    queued: [],
  },
  {
    name: 'body of exactly the limit (accepted)',
    event: () => {
      const text = JSON.stringify(messageWith([link(1)]));
      return webhookEvent({ body: text + ' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(text)) });
    },
    status: 202,
    body: queuedBody(1),
    queued: [url(1)],
  },
  // --- JSON and envelope: 400
  {
    name: 'truncated JSON',
    event: () => webhookEvent({ body: emailText().slice(0, 700) }),
    status: 400,
    body: { error: 'body is not valid JSON' },
    queued: [],
  },
  {
    name: 'empty body, signed',
    event: () => webhookEvent({ body: '' }),
    status: 400,
    body: { error: 'body is not valid JSON' },
    queued: [],
  },
  {
    name: 'JSON array at the top',
    event: () => webhookEvent({ body: [email()] }),
    status: 400,
    body: invalid(/^not a Dixa webhook: /),
    queued: [],
  },
  {
    name: 'JSON string at the top',
    event: () => webhookEvent({ body: '"CONVERSATION_MESSAGE_ADDED"' }),
    status: 400,
    body: invalid(/^not a Dixa webhook: /),
    queued: [],
  },
  {
    name: 'JSON null',
    event: () => webhookEvent({ body: 'null' }),
    status: 400,
    body: invalid(/^not a Dixa webhook: /),
    queued: [],
  },
  {
    name: 'missing event_id',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => delete (w as Partial<Webhook>).event_id) }),
    status: 400,
    body: invalid(/^not a Dixa webhook: event_id: /),
    queued: [],
  },
  {
    name: 'event_id is a number',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => (w.event_id = 42 as never)) }),
    status: 400,
    body: { error: 'not a Dixa webhook: event_id: Invalid type: Expected string but received 42' },
    queued: [],
  },
  {
    name: 'missing event_fqn',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => delete w.event_fqn) }),
    status: 400,
    body: invalid(/^not a Dixa webhook: event_fqn: /),
    queued: [],
  },
  {
    name: 'missing data',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => delete (w as Partial<Webhook>).data) }),
    status: 400,
    body: invalid(/^not a Dixa webhook: data: /),
    queued: [],
  },
  {
    name: 'organization.id is a number',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => (w.organization = { id: 7 })) }),
    status: 400,
    body: invalid(/^not a Dixa webhook: organization\.id: /),
    queued: [],
  },
  {
    name: 'message without a conversation',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => delete w.data.conversation) }),
    status: 400,
    body: invalid(/^invalid CONVERSATION_MESSAGE_ADDED data: data\.conversation: /),
    queued: [],
  },
  {
    name: 'csid that is not a number',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => (w.data.conversation = { csid: 'abc' })) }),
    status: 400,
    body: invalid(/^invalid CONVERSATION_MESSAGE_ADDED data: data\.conversation\.csid: /),
    queued: [],
  },
  {
    name: 'negative csid',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => (w.data.conversation = { csid: -3 })) }),
    status: 400,
    body: invalid(/data\.conversation\.csid: /),
    queued: [],
  },
  {
    name: 'fractional csid',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => (w.data.conversation = { csid: 1.5 })) }),
    status: 400,
    body: invalid(/data\.conversation\.csid: /),
    queued: [],
  },
  {
    name: 'attachments is an object, not an array',
    event: () => webhookEvent({ body: messageWith([], (w) => (w.data.attachments = { url: link(1) })) }),
    status: 400,
    body: invalid(/data\.attachments: /),
    queued: [],
  },
  {
    name: 'message_id is a number',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => (w.data.message_id = 12345)) }),
    status: 400,
    body: invalid(/data\.message_id: /),
    queued: [],
  },
  // --- routing
  {
    name: 'unknown event type',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => (w.event_fqn = 'CONVERSATION_TELEPORTED')) }),
    status: 200,
    body: ignored,
    queued: [],
  },
  {
    name: 'event type in the wrong case is another event',
    event: () => webhookEvent({ body: messageWith([link(1)], (w) => (w.event_fqn = 'conversation_message_added')) }),
    status: 200,
    body: ignored,
    queued: [],
  },
  {
    name: 'GET instead of POST',
    event: () => webhookEvent({ body: email(), method: 'GET' }),
    status: 405,
    body: { error: 'only POST is accepted' },
    queued: [],
  },
  {
    name: 'more than 1000 file links in one message',
    event: () => webhookEvent({ body: messageWith(range(1001).map(link)) }),
    status: 413,
    body: { error: 'event carries 1001 file links, more than 1000' },
    queued: [],
  },
  // --- links
  {
    name: 'SSRF links mixed with good ones: the good ones are queued, the bad ones reported',
    event: () => webhookEvent({ body: fixture('message-added-mixed-links') }),
    status: 202,
    body: (body) => {
      expect(body.jobs).toBe(3);
      expect((body.rejected as unknown[]).length).toBe(8);
    },
    queued: [
      `https://files.dixa.io/private/${ORG}/attachments/aa11/ok-1.png`,
      `https://files.dixa.io/public/${ORG}/widget/bb22/ok-2.png`,
      `https://files.dixa.io/private/${ORG}/attachments/cc33/ok-3.pdf`,
    ].sort(),
  },
  {
    name: 'only bad links: 202 with nothing queued and every link reported',
    event: () =>
      webhookEvent({
        body: messageWith([
          'http://127.0.0.1/private/x',
          { url: 'https://files.dixa.io@169.254.169.254/private/x' },
          { url: '//evil.example/private/x' },
        ]),
      }),
    status: 202,
    body: {
      status: 'queued',
      jobs: 0,
      rejected: [
        { field: 'data.attachments[0]', reason: 'host "127.0.0.1" is not the files host' },
        { field: 'data.attachments[1].url', reason: 'link carries userinfo' },
        { field: 'data.attachments[2].url', reason: 'protocol-relative link' },
      ],
    },
    queued: [],
  },
  {
    name: 'the same file as an absolute and a relative link is one job',
    event: () => webhookEvent({ body: messageWith([url(7), link(7), { url: link(7), prettyName: 'x' }]) }),
    status: 202,
    body: queuedBody(1),
    queued: [url(7)],
  },
  // --- SQS faults
  {
    name: 'SQS throttles the first call: the SDK retries, everything is queued once',
    setup: () => {
      faults.throttles = 1;
    },
    event: () => webhookEvent({ body: messageWith(range(12).map(link)) }),
    status: 202,
    body: queuedBody(12),
    queued: range(12).map(url).sort(),
  },
  {
    name: 'SQS throttles every call: 503, nothing queued',
    setup: () => {
      faults.throttles = 1000;
    },
    event: () => webhookEvent({ body: messageWith(range(12).map(link)) }),
    status: 503,
    body: { error: 'job queue unavailable, retry later' },
    queued: [],
  },
  {
    name: 'SQS fails 3 of 12 entries once: they are retried, everything is queued once',
    setup: () => {
      faults.failEntry = (id, attempt) => attempt === 1 && /-(2|5|11)$/.test(id);
    },
    event: () => webhookEvent({ body: messageWith(range(12).map(link)) }),
    status: 202,
    body: queuedBody(12),
    queued: range(12).map(url).sort(),
  },
  {
    name: 'SQS keeps failing one entry: 503 so Dixa redelivers; the other 11 are queued',
    setup: () => {
      faults.failEntry = (id) => id.endsWith('-4');
    },
    event: () => webhookEvent({ body: messageWith(range(12).map(link)) }),
    status: 503,
    body: { error: 'job queue unavailable, retry later' },
    queued: range(12)
      .filter((i) => i !== 4)
      .map(url)
      .sort(),
  },
  {
    name: 'SQS fails every entry on every attempt: 503, nothing queued',
    setup: () => {
      faults.failEntry = () => true;
    },
    event: () => webhookEvent({ body: messageWith(range(12).map(link)) }),
    status: 503,
    body: { error: 'job queue unavailable, retry later' },
    queued: [],
  },
  {
    name: 'the job queue does not exist: 503, nothing queued',
    queueUrl: 'missing-queue',
    event: () => webhookEvent({ body: email() }),
    status: 503,
    body: { error: 'job queue unavailable, retry later' },
    queued: [],
  },
];

describe('ingest bad-input suite (fauxqs)', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    c.setup?.();
    const handler = c.queueUrl ? ingestFor(queueUrl.replace(QUEUE_NAME, c.queueUrl)) : ingest;
    const result = await handler(c.event());
    const body = JSON.parse(result.body ?? 'null') as Record<string, unknown>;
    expect(result.statusCode).toBe(c.status);
    if (typeof c.body === 'function') c.body(body);
    else expect(body).toEqual(c.body);
    expect(queuedUrls()).toEqual(c.queued);
    expect(result.headers?.['content-type']).toBe('application/json');
    expect(result.body).not.toMatch(/\n\s+at /); // never a stack trace
  });

  it('a raw body is hashed exactly as sent: re-serializing the same JSON would not verify', async () => {
    const text = JSON.stringify(email(), null, 2);
    const compact = JSON.stringify(JSON.parse(text));
    const result = await ingest(webhookEvent({ body: compact, signature: sign(rawBodyOf(text)) }));
    expect(result.statusCode).toBe(401);
    expect(queuedUrls()).toEqual([]);
  });
});
