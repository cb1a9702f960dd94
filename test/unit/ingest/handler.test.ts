import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { personKey } from '../../../lambdas/core/people.ts';
import { ingestConfigFromEnv } from '../../../lambdas/ingest/config.ts';
import { createIngestHandler } from '../../../lambdas/ingest/handler.ts';
import type { WebhookDeps } from '../../../lambdas/ingest/webhook.ts';
import { TEST_WEBHOOK_SECRET, webhookEvent, webhookFixture } from '../../fixtures/apigw/webhook-event.ts';
import { captureOutput, emfMetrics, FILES, fakeQueue, ingestHandler, jsonLines, QUEUE_URL, reply } from './harness.ts';

const queue = fakeQueue();
afterAll(() => queue.restore());
beforeEach(() => queue.reset());

const ORG = '5b7e8f3c-2d1a-4c9b-8e7f-6a5b4c3d2e1f';

describe('ingest handler: CONVERSATION_MESSAGE_ADDED', () => {
  it('queues the attachment and the original e-mail of an e-mail message', async () => {
    const fixture = webhookFixture('message-added-email');
    const res = reply(await ingestHandler()(webhookEvent({ body: fixture })));
    expect(res).toMatchObject({ status: 202, body: { status: 'queued', jobs: 2, rejected: [] } });
    expect(res.headers['content-type']).toBe('application/json');
    const jobs = queue.jobs();
    expect(jobs).toEqual([
      {
        v: 1,
        url: `https://files.dixa.io/private/${ORG}/attachments/3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7/invoice-2024-0117.pdf`,
        visibility: 'private',
        kind: 'attachment',
        orgId: ORG,
        conversationId: '48213',
        messageId: 'c0ffee00-1234-4abc-8def-0123456789ab',
        eventId: '7c1f6d2a-3b4e-4f8a-9d21-5e6f7a8b9c01',
        name: 'invoice 2024-0117.pdf',
        createdAt: '2024-03-14T09:26:53.412Z',
        source: 'webhook',
      },
      {
        v: 1,
        url: `https://files.dixa.io/private/${ORG}/email_original_data/9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a`,
        visibility: 'private',
        kind: 'original-email',
        orgId: ORG,
        conversationId: '48213',
        messageId: 'c0ffee00-1234-4abc-8def-0123456789ab',
        eventId: '7c1f6d2a-3b4e-4f8a-9d21-5e6f7a8b9c01',
        createdAt: '2024-03-14T09:26:53.412Z',
        source: 'webhook',
      },
    ]);
  });

  it('traces every SQS entry back to the event: entry id and traceId attribute carry event_id', async () => {
    const fixture = webhookFixture<{ event_id: string }>('message-added-email');
    await ingestHandler()(webhookEvent({ body: fixture }));
    // Two file jobs, then who took part (person keys only).
    expect(queue.accepted.map((e) => e.Id)).toEqual([
      `${fixture.event_id}-0`,
      `${fixture.event_id}-1`,
      `${fixture.event_id}-2`,
    ]);
    expect(queue.jobs()).toHaveLength(2);
    expect(queue.participants()).toHaveLength(1);
    for (const entry of queue.accepted) {
      expect(entry.MessageAttributes?.traceId?.StringValue).toBe(fixture.event_id);
      expect(entry.MessageAttributes?.source?.StringValue).toBe('webhook');
    }
  });

  it('accepts every attachment shape: {url, prettyName}, {url, pretty_name}, {url, name, contentType}, a bare link', async () => {
    const res = reply(await ingestHandler()(webhookEvent({ body: webhookFixture('message-added-chat-attachments') })));
    expect(res).toMatchObject({ status: 202, body: { status: 'queued', jobs: 4, rejected: [] } });
    expect(
      queue.jobs().map(({ url, visibility, name, contentType }) => ({ url, visibility, name, contentType })),
    ).toEqual([
      {
        url: `https://files.dixa.io/public/${ORG}/widget/7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d/box-front.jpg`,
        visibility: 'public',
        name: 'box front.jpg',
        contentType: undefined,
      },
      {
        url: `https://files.dixa.io/public/${ORG}/widget/8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e/box-side.jpg`,
        visibility: 'public',
        name: 'box side.jpg',
        contentType: undefined,
      },
      {
        url: `https://files.dixa.io/private/${ORG}/attachments/9c0d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f/receipt.pdf`,
        visibility: 'private',
        name: 'receipt.pdf',
        contentType: 'application/pdf',
      },
      {
        url: `https://files.dixa.io/public/${ORG}/widget/0d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f3a/unboxing%20video.mp4`,
        visibility: 'public',
        name: undefined,
        contentType: undefined,
      },
    ]);
  });

  it('answers 202 with zero jobs for a message without files, queuing only who took part', async () => {
    const res = reply(await ingestHandler()(webhookEvent({ body: webhookFixture('message-added-no-attachments') })));
    expect(res).toMatchObject({ status: 202, body: { status: 'queued', jobs: 0, rejected: [] } });
    expect(queue.jobs()).toEqual([]);
    expect(queue.participants()).toHaveLength(1);
  });

  it('queues the good links, reports and logs the rejected ones with field and reason (not the link itself)', async () => {
    const { result, output } = await captureOutput(async () =>
      ingestHandler()(webhookEvent({ body: webhookFixture('message-added-mixed-links') })),
    );
    const res = reply(result);
    expect(res.status).toBe(202);
    expect(queue.jobs().map((j) => j.url)).toEqual([
      `https://files.dixa.io/private/${ORG}/attachments/aa11/ok-1.png`,
      `https://files.dixa.io/public/${ORG}/widget/bb22/ok-2.png`,
      `https://files.dixa.io/private/${ORG}/attachments/cc33/ok-3.pdf`,
    ]);
    const rejected = res.body.rejected as { field: string; reason: string }[];
    expect(res.body.jobs).toBe(3);
    expect(rejected.map((r) => r.field)).toEqual([
      'data.attachments[1].url',
      'data.attachments[3].url',
      'data.attachments[4]',
      'data.attachments[5].url',
      'data.attachments[6].url',
      'data.attachments[8].url',
      'data.attachments[9].url',
      'data.attachments[10]',
    ]);
    expect(rejected.map((r) => Object.keys(r))).toEqual(rejected.map(() => ['field', 'reason']));
    expect(rejected[0]!.reason).toMatch(/scheme|host/);
    const warning = jsonLines(output).find((line) => line.message === 'file links rejected');
    expect(warning?.links).toEqual(rejected);
    expect(output).not.toContain('169.254.169.254/latest');
  });

  it('decodes a base64 body before verifying and parsing it', async () => {
    const res = reply(
      await ingestHandler()(webhookEvent({ body: webhookFixture('message-added-email'), base64: true })),
    );
    expect(res).toMatchObject({ status: 202, body: { jobs: 2 } });
    expect(queue.jobs()).toHaveLength(2);
  });
});

describe('ingest handler: other events', () => {
  it.each(['conversation-created', 'conversation-closed', 'conversation-note-added', 'conversation-assigned'])(
    '%s → 200 ignored, no file job queued, only who took part',
    async (name) => {
      const res = reply(await ingestHandler()(webhookEvent({ body: webhookFixture(name) })));
      expect(res).toEqual({
        status: 200,
        body: { status: 'ignored' },
        headers: { 'content-type': 'application/json' },
      });
      expect(queue.jobs()).toEqual([]);
      for (const message of queue.participants()) {
        expect(message).toMatchObject({ type: 'participants', conversationId: '48377', source: 'webhook' });
        expect(JSON.stringify(message)).not.toContain('@');
      }
    },
  );

  it('records the requester of an event without files (e.g. a new or replaced requester)', async () => {
    const fixture = webhookFixture<{ data: { conversation: { requester: { email: string } } } }>(
      'conversation-created',
    );
    fixture.data.conversation.requester.email = 'New.Requester@Example.NET';
    expect(reply(await ingestHandler()(webhookEvent({ body: fixture }))).status).toBe(200);
    expect(queue.participants()).toEqual([
      expect.objectContaining({
        people: [{ key: personKey('email', 'new.requester@example.net'), role: 'requester' }],
      }),
    ]);
  });

  it('answers 503 when who took part cannot be queued, so Dixa delivers the event again', async () => {
    queue.fault = (entries) => entries.map((e) => e.Id ?? '');
    expect(reply(await ingestHandler()(webhookEvent({ body: webhookFixture('conversation-created') }))).status).toBe(
      503,
    );
  });
});

describe('ingest handler: refusals', () => {
  it('answers 405 with Allow: POST to other methods', async () => {
    const res = reply(
      await ingestHandler()(webhookEvent({ body: webhookFixture('message-added-email'), method: 'GET' })),
    );
    expect(res).toMatchObject({ status: 405, body: { error: 'only POST is accepted' }, headers: { allow: 'POST' } });
    expect(queue.calls).toBe(0);
  });

  it('answers 401 to a signature older than the tolerance and 202 just inside it', async () => {
    const now = 1_710_408_413_589;
    const handler = ingestHandler({ now: () => now, config: { signatureToleranceMs: 60_000 } });
    const body = webhookFixture('message-added-email');
    const stale = reply(await handler(webhookEvent({ body, timestampMs: now - 60_001 })));
    expect(stale).toMatchObject({ status: 401, body: { error: 'invalid signature: stale signature timestamp' } });
    expect(queue.calls).toBe(0);
    const fresh = reply(await handler(webhookEvent({ body, timestampMs: now - 60_000 })));
    expect(fresh.status).toBe(202);
  });

  it('answers 413 to a body over the limit before it looks at the signature', async () => {
    const handler = ingestHandler({ config: { maxBodyBytes: 100 } });
    const res = reply(await handler(webhookEvent({ body: 'x'.repeat(101), signature: null })));
    expect(res).toEqual({
      status: 413,
      body: { error: 'body is larger than 100 bytes' },
      headers: { 'content-type': 'application/json' },
    });
  });

  it('answers 413 to an event with more file links than MAX_LINKS_PER_EVENT, and queues nothing', async () => {
    const body = webhookFixture<{ data: { attachments: unknown[] } }>('message-added-no-attachments');
    body.data.attachments = Array.from({ length: 1001 }, (_, i) => `/private/${ORG}/a/${i}.png`);
    const res = reply(await ingestHandler()(webhookEvent({ body })));
    expect(res).toMatchObject({ status: 413, body: { error: 'event carries 1001 file links, more than 1000' } });
    expect(queue.calls).toBe(0);
  });
});

describe('ingest handler: a job the queue refuses for its content never wedges the event', () => {
  const body = () => {
    const webhook = webhookFixture<{ data: { attachments: unknown[] } }>('message-added-no-attachments');
    webhook.data.attachments = [
      { url: `/private/${ORG}/a/refused-with-name.pdf`, prettyName: 'x.pdf' },
      `/private/${ORG}/a/refused-always.pdf`,
      `/private/${ORG}/a/fine.pdf`,
    ];
    return webhook;
  };

  it('queues a job bare when its metadata is refused, reports one refused even bare, and answers 202', async () => {
    queue.refuse = (entry) => entry.MessageBody!.includes('refused-always') || entry.MessageBody!.includes('"name"');
    const { result, output } = await captureOutput(() => ingestHandler()(webhookEvent({ body: body() })));
    const res = reply(result);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      jobs: 2,
      rejected: [
        { field: 'job queue', reason: expect.stringMatching(/^the job queue refused the job: InvalidMessageContents/) },
      ],
    });
    expect(queue.jobs().map((job) => [job.url.split('/').pop(), job.name])).toEqual([
      ['fine.pdf', undefined],
      ['refused-with-name.pdf', undefined],
    ]);
    expect(output).toContain('jobs queued without their metadata, which the job queue refused');
    // Redelivered, the event gets the same answer: nothing makes Dixa retry it forever.
    expect(reply(await ingestHandler()(webhookEvent({ body: body() }))).status).toBe(202);
  });

  it('who took part, refused even bare, is reported and never turns the event into a 503', async () => {
    queue.refuse = (entry) => entry.MessageBody!.includes('"participants"');
    const res = reply(await ingestHandler()(webhookEvent({ body: body() })));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      jobs: 3,
      rejected: [{ field: 'job queue', reason: expect.stringMatching(/^the job queue refused who took part/) }],
    });
    expect(queue.jobs()).toHaveLength(3);
    const { result, output } = await captureOutput(() =>
      ingestHandler()(webhookEvent({ body: webhookFixture('conversation-created') })),
    );
    expect(reply(result).status).toBe(200);
    expect(output).toContain('the job queue refused who took part');
  });
});

describe('ingest handler: failures are 5xx so Dixa redelivers', () => {
  it('answers 503 when the queue rejects entries on every attempt', async () => {
    queue.fault = (entries) => entries.map((e) => e.Id!);
    const res = reply(await ingestHandler()(webhookEvent({ body: webhookFixture('message-added-email') })));
    expect(res).toMatchObject({ status: 503, body: { error: 'job queue unavailable, retry later' } });
    expect(queue.accepted).toEqual([]);
  });

  it('answers 503 when SendMessageBatch throws', async () => {
    queue.fault = () => {
      throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
    };
    const res = reply(await ingestHandler()(webhookEvent({ body: webhookFixture('message-added-email') })));
    expect(res.status).toBe(503);
  });

  it('answers 500 without details when the signing secret is missing, and logs why', async () => {
    const { result, output } = await captureOutput(async () =>
      ingestHandler({ webhookSecret: '' })(webhookEvent({ body: webhookFixture('message-added-email') })),
    );
    expect(reply(result)).toMatchObject({ status: 500, body: { error: 'internal error' } });
    expect(queue.calls).toBe(0);
    const line = jsonLines(output).find((l) => l.level === 'ERROR');
    expect(line?.reason).toBe('webhook signing secret unavailable: webhook signing secret is not set');
  });

  it('answers 500 when the secret store fails', async () => {
    const handler = ingestHandler({
      secrets: {
        get: () => Promise.reject(new Error('AccessDeniedException: not authorized to perform GetSecretValue')),
      },
    });
    const res = reply(await handler(webhookEvent({ body: webhookFixture('message-added-email') })));
    expect(res).toMatchObject({ status: 500, body: { error: 'internal error' } });
  });

  it('answers 500 with a JSON body, never a stack, when the configuration is broken', async () => {
    const handler = createIngestHandler(
      () =>
        ({
          config: ingestConfigFromEnv({ DIXA_FILES_BASE_URL: 'https://files.dixa.io' }),
        }) as WebhookDeps,
    );
    const { result, output } = await captureOutput(() => handler(webhookEvent({ body: '{}' })));
    expect(reply(result)).toEqual({
      status: 500,
      body: { error: 'internal error' },
      headers: { 'content-type': 'application/json' },
    });
    expect(jsonLines(output).find((l) => l.level === 'ERROR')?.reason).toBe('JOB_QUEUE_URL is not set');
  });

  it('answers 500 when something unexpected throws', async () => {
    const handler = createIngestHandler(() => {
      throw new TypeError('boom');
    });
    const { result } = await captureOutput(() => handler(webhookEvent({ body: '{}' })));
    expect(result.body).toBe('{"error":"internal error"}');
    expect(result.statusCode).toBe(500);
  });
});

describe('ingest handler: per-container setup', () => {
  it('builds its dependencies once and reuses them, retrying only after a failure', async () => {
    let attempts = 0;
    const load = vi.fn((): WebhookDeps => {
      if (++attempts === 1) throw new Error('first load fails');
      return {
        config: { queueUrl: QUEUE_URL, files: FILES, signatureToleranceMs: 300_000, maxBodyBytes: 1 << 20 },
        sqs: new SQSClient({ region: 'eu-west-1' }),
        secrets: { get: async () => ({ apiToken: '', webhookSecret: TEST_WEBHOOK_SECRET }) },
      };
    });
    const handler = createIngestHandler(load);
    const event = webhookEvent({ body: webhookFixture('conversation-closed') });
    const { result: first } = await captureOutput(() => handler(event));
    expect(first.statusCode).toBe(500);
    for (let i = 0; i < 3; i++) expect((await handler(event)).statusCode).toBe(200);
    expect(load).toHaveBeenCalledTimes(2);
  });
});

describe('ingest handler: logs and metrics', () => {
  it('logs the ids and outcome, never the body, the secret or the signature', async () => {
    const event = webhookEvent({ body: webhookFixture('message-added-email') });
    const { output } = await captureOutput(() => ingestHandler()(event));
    const queued = jsonLines(output).find((l) => l.message === 'webhook queued');
    expect(queued).toMatchObject({
      event_id: '7c1f6d2a-3b4e-4f8a-9d21-5e6f7a8b9c01',
      csid: '48213',
      message_id: 'c0ffee00-1234-4abc-8def-0123456789ab',
      jobs: 2,
      linksRejected: 0,
    });
    for (const secretOrPii of [
      TEST_WEBHOOK_SECRET,
      event.headers['x-dixa-signature']!.split('v1=')[1]!,
      'jane.customer@example.org',
      'Jane Customer',
      'wrong VAT number',
    ]) {
      expect(output).not.toContain(secretOrPii);
    }
  });

  it('does not carry one event’s ids into the next event’s logs', async () => {
    const handler = ingestHandler();
    await captureOutput(() => handler(webhookEvent({ body: webhookFixture('message-added-email') })));
    const { output } = await captureOutput(() => handler(webhookEvent({ body: '{', signature: 't=1,v1=00' })));
    const line = jsonLines(output).find((l) => l.message === 'webhook rejected');
    expect(line).toMatchObject({ status: 401 });
    expect(line).not.toHaveProperty('event_id');
    expect(line).not.toHaveProperty('csid');
  });

  it('emits EMF metrics per invocation: received, queued, links rejected, rejected by reason', async () => {
    const handler = ingestHandler();
    const queued = await captureOutput(() =>
      handler(webhookEvent({ body: webhookFixture('message-added-mixed-links') })),
    );
    expect(emfMetrics(queued.output)).toMatchObject({ EventsReceived: [1], JobsQueued: [3], LinksRejected: [8] });

    const ignored = await captureOutput(() => handler(webhookEvent({ body: webhookFixture('conversation-closed') })));
    expect(emfMetrics(ignored.output)).toMatchObject({ EventsReceived: [1], EventsIgnored: [1] });

    const refused = await captureOutput(() => handler(webhookEvent({ body: '{}', signature: null })));
    const lines = jsonLines(refused.output).filter((l) => 'EventsRejected' in l);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ EventsRejected: 1, reason: 'signature' });
  });
});

describe('ingest handler: the exported handler', () => {
  beforeEach(() => {
    vi.resetModules();
    vi.stubEnv('JOB_QUEUE_URL', QUEUE_URL);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  });
  afterEach(() => vi.unstubAllEnvs());

  it('reads its configuration from the environment on first use', async () => {
    vi.stubEnv('DIXA_SECRET_ARN', '');
    vi.stubEnv('DIXA_WEBHOOK_SECRET', TEST_WEBHOOK_SECRET);
    const { handler } = await import('../../../lambdas/ingest/handler.ts');
    const res = reply(await handler(webhookEvent({ body: webhookFixture('message-added-email') })));
    expect(res).toMatchObject({ status: 202, body: { jobs: 2 } });
    expect(queue.jobs()).toHaveLength(2);
  });

  it('reads the signing secret from Secrets Manager once and serves later invocations from the cache', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dixa-AbCdEf';
    vi.stubEnv('DIXA_SECRET_ARN', arn);
    const secretsManager = mockClient(SecretsManagerClient);
    secretsManager
      .on(GetSecretValueCommand, { SecretId: arn })
      .resolves({ SecretString: JSON.stringify({ apiToken: 'tok', webhookSecret: TEST_WEBHOOK_SECRET }) });
    try {
      const { handler } = await import('../../../lambdas/ingest/handler.ts');
      for (const name of ['message-added-email', 'message-added-chat-attachments']) {
        expect((await handler(webhookEvent({ body: webhookFixture(name) }))).statusCode).toBe(202);
      }
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      expect(queue.jobs()).toHaveLength(6);
    } finally {
      secretsManager.restore();
    }
  });
});
