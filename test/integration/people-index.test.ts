/**
 * The people index end to end, against fauxqs, s3rver and the fake files host: a webhook through the real ingest
 * handler, its queue messages through the real archiver handler. Who took part is recorded per conversation in
 * both directions — and no e-mail address or phone number, in any spelling, appears in an S3 key, a queue message,
 * a log line or a metric dimension. An erased conversation is not indexed again.
 */
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { forwardKey, reverseKey } from '../../lambdas/archiver/people.ts';
import { executeErasure, planErasure } from '../../lambdas/compliance/erase.ts';
import { toIdentity } from '../../lambdas/core/people.ts';
import { createIngestHandler } from '../../lambdas/ingest/handler.ts';
import { TEST_WEBHOOK_SECRET, webhookEvent } from '../fixtures/apigw/webhook-event.ts';
import { BUCKET, type Harness, PREFIX, startHarness } from './archiver-harness.ts';

const EMAIL = 'Jane.Doe@Example.COM';
const PHONE = '+45 12 34 56 78';
/** Every spelling of the two identities that must never surface. */
const FORBIDDEN = ['jane.doe@example.com', 'jane.doe', 'example.com', '+4512345678', '4512345678', '12 34 56 78'];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ idleTimeoutMs: 10_000 });
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const key = (type: 'email' | 'phone', raw: string) => {
  const parsed = toIdentity(type, raw);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.identity.key;
};

function webhook(csid: number, eventId: string) {
  const body = JSON.parse(readFileSync(new URL('../fixtures/sample-webhook.json', import.meta.url), 'utf8'));
  body.event_id = eventId;
  body.data.conversation.csid = csid;
  body.data.conversation.requester = { id: 'u-1', name: 'Jane Doe', email: EMAIL, phone: PHONE };
  body.data.author = { id: 'u-1', name: 'Jane Doe', email: ` ${EMAIL.toLowerCase()} `, phone: null };
  for (const attachment of body.data.attachments) {
    h.files.addFile(attachment.url.replace(/^https?:\/\/[^/]+/, ''), { size: 500 });
  }
  return body;
}

async function allKeys(): Promise<string[]> {
  const out = await h.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

/** Ingest → fauxqs → archiver, capturing every line written and every metric dimension and queue body. */
async function pipeline(body: object) {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const dimensions: unknown[] = [];
  for (const method of ['addDimension', 'addDimensions', 'addMetadata'] as const) {
    const original = Metrics.prototype[method] as (...args: unknown[]) => unknown;
    vi.spyOn(Metrics.prototype, method).mockImplementation(function (this: Metrics, ...args: unknown[]) {
      dimensions.push(args);
      return original.apply(this, args);
    } as never);
  }
  h.deps.logger = new Logger({ serviceName: 'people-test', logLevel: 'DEBUG' });

  const ingest = createIngestHandler(() => ({
    config: {
      queueUrl: h.config.jobQueueUrl,
      files: h.config.files,
      signatureToleranceMs: 300_000,
      maxBodyBytes: 1024 * 1024,
    },
    sqs: h.sqs,
    secrets: { get: async () => ({ apiToken: 'x', webhookSecret: TEST_WEBHOOK_SECRET }) },
  }));
  const response = await ingest(webhookEvent({ body }));
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await h.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: h.config.jobQueueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) break;
    bodies.push(...Messages.map((m) => m.Body!));
    expect((await h.deliver(...Messages.map((m) => ({ job: m.Body! })))).batchItemFailures).toEqual([]);
    for (const m of Messages) {
      await h.sqs.send(new DeleteMessageCommand({ QueueUrl: h.config.jobQueueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
  vi.restoreAllMocks();
  return { response, bodies, written: written.join(''), dimensions: JSON.stringify(dimensions) };
}

describe('the people index', () => {
  it('records requester and author per conversation, both directions, one entry per person however spelled', async () => {
    const run = await pipeline(webhook(5101, 'evt-people-1'));
    expect(run.response.statusCode).toBe(202);
    const email = key('email', EMAIL);
    const phone = key('phone', PHONE);
    const keys = await allKeys();
    for (const [person, role] of [
      [email, 'requester'],
      [email, 'author'],
      [phone, 'requester'],
    ] as const) {
      expect(keys).toContain(reverseKey(PREFIX, '5101', person, role));
      expect(keys).toContain(forwardKey(PREFIX, person, '5101', role));
    }
    expect(keys.filter((k) => k.includes('/people/'))).toHaveLength(6);
    expect(run.bodies.some((b) => b.includes('"participants"'))).toBe(true);
  });

  it('never shows an address or a number in a key, a queue message, a log line or a metric dimension', async () => {
    const run = await pipeline(webhook(5102, 'evt-people-2'));
    expect(run.written).toContain('participants indexed'); // the logs were captured
    const surfaces = {
      keys: (await allKeys()).join('\n'),
      queue: run.bodies.join('\n'),
      logs: run.written,
      metrics: run.dimensions,
    };
    for (const [surface, text] of Object.entries(surfaces)) {
      for (const forbidden of FORBIDDEN)
        expect(text.toLowerCase(), `${surface}: ${forbidden}`).not.toContain(forbidden);
    }
  });

  it('does not index an erased conversation again, and erasing removes its entries', async () => {
    await pipeline(webhook(5103, 'evt-people-3'));
    const email = key('email', EMAIL);
    expect(await allKeys()).toContain(forwardKey(PREFIX, email, '5103', 'requester'));
    const archive = { s3: h.s3, bucket: BUCKET, prefix: PREFIX };
    const { receipt } = await executeErasure(archive, await planErasure(archive, '5103'), {
      reason: 'GDPR',
      erasedBy: 'test',
      bypassGovernance: false,
    });
    expect(receipt.indexEntriesRemoved).toBe(6);
    const gone = (await allKeys()).filter((k) => k.includes('/5103/') && !k.includes('/tombstones/'));
    expect(gone).toEqual([]);

    await pipeline(webhook(5103, 'evt-people-3')); // Dixa delivers the same webhook again
    const again = (await allKeys()).filter((k) => k.includes('/5103/') && !k.includes('/tombstones/'));
    expect(again).toEqual([]);
    expect(await allKeys()).toContain(forwardKey(PREFIX, email, '5101', 'requester')); // other conversations stay
  });
});
