/**
 * The archiver against s3rver, fauxqs and the fake files.dixa.io: files of every size class archive byte-exact
 * with a correct record, a redelivered job downloads nothing, and every injected fault ends either archived
 * correctly after a retry or on the DLQ with its reason — never with an object at the final key.
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { recordKey } from '../../lambdas/core/keys.ts';
import { contentSha256, type FakeFile, generateContent } from '../fakes/files-server.ts';
import { fileJob, type Harness, MIB, startHarness } from './archiver-harness.ts';

let h: Harness;
let n = 0;

beforeAll(async () => {
  h = await startHarness({ partSizeMiB: 5, idleTimeoutMs: 1000, maxReceiveCount: 3 });
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  h.files.assertNoLeaks();
});

/** A new file on the fake (unique path), and the job that points at it. */
function addFile(visibility: 'private' | 'public', file: FakeFile, name = `file-${++n}.bin`) {
  const path = `/${visibility}/org-1/${n}-${Math.random().toString(36).slice(2)}/${name}`;
  const url = h.files.addFile(path, file);
  return { path, job: fileJob(url, { name }) };
}

async function expectArchived(job: ReturnType<typeof fileJob>, path: string, size: number) {
  const key = h.keyOf(job);
  const stored = await h.stored(key);
  expect(stored?.length).toBe(size);
  const expectedSha = await contentSha256(path, size);
  expect(createHash('sha256').update(stored!).digest('hex')).toBe(expectedSha);
  const record = await h.record(job);
  expect(record).toMatchObject({ key, bucket: 'archive-test', size, sha256: expectedSha, sourceUrl: job.url });
  return record!;
}

describe('archiving files of every size class', () => {
  const PART = 5 * MIB;
  it.each([
    ['empty', 0],
    ['one byte', 1],
    ['just under the part size', PART - 1],
    ['exactly the part size', PART],
    ['just over the part size', PART + 1],
    ['several parts', 3 * PART + 12_345],
  ])('%s (%i bytes), private and redirected', async (_label, size) => {
    const { job, path } = addFile('private', { size, contentType: 'audio/mpeg' });
    const response = await h.deliver({ job });
    expect(response.batchItemFailures).toEqual([]);
    const record = await expectArchived(job, path, size);
    expect(record).toMatchObject({
      contentType: 'audio/mpeg',
      conversationId: '4242',
      orgId: 'org-1',
      messageId: 'msg-1',
      eventId: 'evt-1',
      kind: 'attachment',
      source: 'webhook',
      visibility: 'private',
      originalName: job.name,
      pipelineVersion: expect.any(String),
    });
    const head = await h.head(h.keyOf(job));
    expect(head?.contentType).toBe('audio/mpeg');
    expect(head?.metadata).toMatchObject({
      'conversation-id': '4242',
      kind: 'attachment',
      'source-link-hash': expect.stringMatching(/^[0-9a-f]{16}$/),
    });
    // S3 fixes metadata when an upload starts: the sha256 is known in time for single-PUT files; a multipart upload
    // starts when its first part is full and more bytes follow, so it never has it (and so never a wrong one).
    if (size <= PART) expect(head?.metadata.sha256).toBe(record.sha256);
    else expect(head?.metadata.sha256).toBeUndefined();
  });

  it('serves public files without any Authorization header', async () => {
    const { job, path } = addFile('public', { size: 2048, contentType: 'image/png' }, 'photo.png');
    expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
    await expectArchived(job, path, 2048);
    const requests = h.files.log.filter((r) => r.path === path);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.authorized).toBe(false);
  });

  it('sends Authorization to the files host and never to the redirect target', async () => {
    const { job, path } = addFile('private', { size: 10_000 });
    expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
    await expectArchived(job, path, 10_000);
    const filesHop = h.files.log.find((r) => r.server === 'files' && r.path === path);
    expect(filesHop?.authorized).toBe(true);
    const storageHops = h.files.log.filter((r) => r.server === 'storage');
    expect(storageHops.length).toBeGreaterThan(0);
    expect(storageHops.every((r) => !r.authorized)).toBe(true);
  });

  it('handles a batch of several jobs at once, each on its own', async () => {
    const files = [1, 2, 3].map((i) => addFile('public', { size: i * 1000 }));
    const broken = addFile('public', { size: 10, always: { kind: 'status', status: 404 } });
    const response = await h.deliver(...files.map(({ job }) => ({ job })), { job: broken.job });
    expect(response.batchItemFailures).toEqual([]);
    for (const [i, { job, path }] of files.entries()) await expectArchived(job, path, (i + 1) * 1000);
    expect(await h.head(h.keyOf(broken.job))).toBeUndefined();
  });
});

describe('exactly once', () => {
  it('a redelivered job is skipped without downloading again', async () => {
    const { job, path } = addFile('private', { size: 4096 });
    expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
    const first = await h.record(job);
    expect(h.files.requestCount(path)).toBe(1);

    expect((await h.deliver({ job, receiveCount: 2 })).batchItemFailures).toEqual([]);
    expect(h.files.requestCount(path)).toBe(1);
    expect(await h.record(job)).toEqual(first);
  });

  it('the same file from another road (other name, other source) lands on the same key and is skipped', async () => {
    const { job, path } = addFile('private', { size: 100 });
    await h.deliver({ job });
    const fromExport = { ...job, name: undefined, messageId: undefined, eventId: undefined, source: 'export' as const };
    expect(h.keyOf(fromExport)).toBe(h.keyOf(job));
    expect((await h.deliver({ job: fromExport })).batchItemFailures).toEqual([]);
    expect(h.files.requestCount(path)).toBe(1);
  });

  it('two concurrent deliveries of one job end with one correct object and record', async () => {
    // s3rver ignores If-None-Match on writes, so this shows the end state; the conditional-write path itself
    // (412 → adopt the stored file) is proven against aws-sdk-client-mock in test/unit/archiver.
    const { job, path } = addFile('private', { size: 6 * MIB });
    const [a, b] = await Promise.all([h.deliver({ job }), h.deliver({ job })]);
    expect([...a.batchItemFailures, ...b.batchItemFailures]).toEqual([]);
    await expectArchived(job, path, 6 * MIB);
  });

  it('a file stored by an attempt that stopped before its record gets its record on the next attempt', async () => {
    const { job, path } = addFile('public', { size: 3000 });
    await h.deliver({ job });
    // Simulate the crash: the record is gone, the file is still there.
    const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
    await h.s3.send(new DeleteObjectCommand({ Bucket: 'archive-test', Key: recordKey(h.keyOf(job)) }));
    expect(await h.record(job)).toBeUndefined();

    expect((await h.deliver({ job, receiveCount: 2 })).batchItemFailures).toEqual([]);
    await expectArchived(job, path, 3000);
  });
});

describe('faults end archived after a retry, or on the DLQ with the reason', () => {
  /** The reason the archiver logged for the retry of `job`. */
  function retryReason(warn: MockInstance, job: { url: string }): string | undefined {
    const call = warn.mock.calls.find(
      ([message, extra]) => message === 'archive attempt failed, will retry' && extra?.link === job.url,
    );
    return call?.[1]?.error;
  }

  async function retriedThenArchived(file: FakeFile, reason: RegExp, size = file.size) {
    const { job, path } = addFile('private', file);
    const warn = vi.spyOn(h.deps.logger, 'warn');
    const first = await h.deliver({ job, messageId: 'first' });
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'first' }]);
    expect(retryReason(warn, job)).toMatch(reason);
    warn.mockRestore();
    expect(await h.head(h.keyOf(job))).toBeUndefined();
    expect(await h.record(job)).toBeUndefined();
    const second = await h.deliver({ job, receiveCount: 2 });
    expect(second.batchItemFailures).toEqual([]);
    await expectArchived(job, path, size);
    return { job, path };
  }

  it('500 → retried → archived', async () => {
    await retriedThenArchived(
      { size: 6 * MIB, faults: [{ kind: 'status', status: 500 }] },
      /answered 500 Internal Server Error/,
    );
  });

  it('connection reset mid-body (multipart in flight) → retried → archived, no object at the key', async () => {
    await retriedThenArchived(
      { size: 12 * MIB, faults: [{ kind: 'reset', afterBytes: 7 * MIB }] },
      /broke off: ECONNRESET/,
    );
  });

  it('truncated body with a longer Content-Length → retried → archived', async () => {
    await retriedThenArchived(
      { size: 200_000, faults: [{ kind: 'truncate', afterBytes: 150_000 }] },
      /broke off|Content-Length/,
    );
  });

  it('stalled download → idle timeout → retried → archived', async () => {
    await retriedThenArchived(
      { size: 300_000, faults: [{ kind: 'stall', afterBytes: 100_000 }] },
      /sent nothing for 1000 ms/,
    );
  });

  it('stall before any byte of the body → idle timeout', async () => {
    await retriedThenArchived({ size: 1000, faults: [{ kind: 'stall', afterBytes: 0 }] }, /sent nothing for 1000 ms/);
  });

  it('gzip-encoded body despite Accept-Encoding: identity → decoded, archived as the file', async () => {
    const { job, path } = addFile('public', { size: 7 * MIB, always: { kind: 'gzip' } });
    expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
    await expectArchived(job, path, 7 * MIB);
  });

  it('wrong or missing Content-Type → the type from the name', async () => {
    for (const value of [null, 'application/octet-stream', 'not a media type']) {
      const { job, path } = addFile('public', { size: 500, always: { kind: 'content-type', value } }, 'report.pdf');
      expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
      const record = await expectArchived(job, path, 500);
      expect(record.contentType).toBe('application/pdf');
      expect((await h.head(h.keyOf(job)))?.contentType).toBe('application/pdf');
    }
  });

  it('429 with Retry-After → the message is hidden for that long, then archived', async () => {
    const { job, path } = addFile('public', {
      size: 1000,
      faults: [{ kind: 'status', status: 429, retryAfter: '120' }],
    });
    const { SendMessageCommand, ReceiveMessageCommand, GetQueueAttributesCommand } = await import(
      '@aws-sdk/client-sqs'
    );
    await h.sqs.send(new SendMessageCommand({ QueueUrl: h.config.jobQueueUrl, MessageBody: JSON.stringify(job) }));
    const received = await h.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: h.config.jobQueueUrl,
        VisibilityTimeout: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const message = received.Messages?.[0];
    expect(message).toBeDefined();
    const first = await h.deliver({ job, messageId: 'throttled', receiptHandle: message!.ReceiptHandle });
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'throttled' }]);
    // Had the visibility stayed at 1 s, the message would be visible again by now.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const attributes = await h.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: h.config.jobQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessages'],
      }),
    );
    expect(attributes.Attributes).toMatchObject({
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessages: '0',
    });
    expect((await h.deliver({ job, receiveCount: 2 })).batchItemFailures).toEqual([]);
    await expectArchived(job, path, 1000);
  });

  it('429 without Retry-After → retried (backoff), then archived', async () => {
    await retriedThenArchived(
      { size: 1000, faults: [{ kind: 'status', status: 429 }] },
      /answered 429 Too Many Requests/,
    );
  });

  it.each([
    [404, 'not-found', 'answered 404 Not Found'],
    [410, 'gone', 'answered 410 Gone'],
  ])('%i → permanent: moved to the DLQ with the reason, not retried', async (status, _code, reason) => {
    const { job, path } = addFile('private', { size: 10, always: { kind: 'status', status } });
    const response = await h.deliver({ job, messageId: `gone-${status}` });
    expect(response.batchItemFailures).toEqual([]);
    expect(h.files.requestCount(path)).toBe(1);
    expect(await h.head(h.keyOf(job))).toBeUndefined();
    const letters = await h.deadLetters();
    const letter = letters.find((l) => l.body === JSON.stringify(job));
    expect(letter?.attributes).toMatchObject({
      failureClass: 'permanent',
      failureReason: expect.stringContaining(reason),
      receiveCount: '1',
      traceId: `trace-gone-${status}`,
      source: 'webhook',
      failedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('401 with a stale token → refreshed once → archived', async () => {
    h.files.token = 'rotated-token';
    h.secrets.cachedToken = 'test-token';
    h.secrets.freshToken = 'rotated-token';
    try {
      const { job, path } = addFile('private', { size: 5000 });
      expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
      await expectArchived(job, path, 5000);
      expect(h.secrets.freshReads).toBe(1);
      expect(h.files.log.filter((r) => r.path === path).map((r) => r.status)).toEqual([401, 302]);
    } finally {
      h.files.token = 'test-token';
      h.secrets.cachedToken = h.secrets.freshToken = 'test-token';
    }
  });

  it('401 even after a refresh → permanent (unauthorized)', async () => {
    h.files.token = 'a-token-we-do-not-have';
    try {
      const { job } = addFile('private', { size: 10 });
      const reads = h.secrets.freshReads;
      expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
      expect(h.secrets.freshReads).toBe(reads + 1);
      const letter = (await h.deadLetters()).find((l) => l.body === JSON.stringify(job));
      expect(letter?.attributes.failureReason).toMatch(/answered 401 Unauthorized after a token refresh/);
    } finally {
      h.files.token = 'test-token';
    }
  });

  it('403 after a refresh → permanent (forbidden)', async () => {
    const { job, path } = addFile('private', { size: 10, always: { kind: 'status', status: 403 } });
    expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
    expect(h.files.requestCount(path)).toBe(2);
    const letter = (await h.deadLetters()).find((l) => l.body === JSON.stringify(job));
    expect(letter?.attributes).toMatchObject({
      failureClass: 'permanent',
      failureReason: expect.stringMatching(/403 Forbidden after a token refresh/),
    });
  });

  it('gzip despite identity → the provenance record says what was decoded from how many bytes', async () => {
    const { job, path } = addFile('public', { size: 300_000, always: { kind: 'gzip' } });
    expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
    const record = await expectArchived(job, path, 300_000);
    expect(record.contentEncoding).toEqual({ encoding: 'gzip', encodedSize: expect.any(Number) });
    expect(record.contentEncoding!.encodedSize).toBeGreaterThan(300_000); // random bytes do not compress
    const plain = addFile('public', { size: 1000 });
    expect((await h.deliver({ job: plain.job })).batchItemFailures).toEqual([]);
    expect(await expectArchived(plain.job, plain.path, 1000)).not.toHaveProperty('contentEncoding');
  });

  it('a gzip bomb → DLQ as permanent (decoded-too-large), nothing stored', async () => {
    const { job } = addFile('public', { size: 8 * MIB, always: { kind: 'gzip-zeros' } });
    expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
    const letter = (await h.deadLetters()).find((l) => l.body === JSON.stringify(job));
    expect(letter?.attributes).toMatchObject({ failureClass: 'permanent', failureReason: /decodes to more than/ });
    expect(await h.head(h.keyOf(job))).toBeUndefined();
    expect(await h.record(job)).toBeUndefined();
  });

  it('a close-delimited body cut short → retried (never archived as complete) → archived', async () => {
    await retriedThenArchived(
      { size: 200_000, faults: [{ kind: 'unframed', afterBytes: 120_000 }] },
      /neither Content-Length nor chunked framing/,
    );
  });

  it("Dixa's checksum matches → archived, and the record says so", async () => {
    const size = 70_000;
    const { job, path } = addFile('public', { size });
    const hex = await contentSha256(path, size);
    const withChecksum = { ...job, checksum: { algorithm: 'sha256', hex } };
    expect((await h.deliver({ job: withChecksum })).batchItemFailures).toEqual([]);
    const record = await expectArchived(withChecksum, path, size);
    expect(record.dixaChecksum).toEqual({ algorithm: 'sha256', hex, result: 'match' });
  });

  it("a download that contradicts Dixa's checksum (md5 too) → retried, never archived; DLQ when exhausted", async () => {
    for (const algorithm of ['sha256', 'md5']) {
      const { job } = addFile('private', { size: 6 * MIB });
      const wrong = { ...job, checksum: { algorithm, hex: '0'.repeat(algorithm === 'md5' ? 32 : 64) } };
      const first = await h.deliver({ job: wrong, messageId: 'first' });
      expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'first' }]);
      expect(await h.head(h.keyOf(wrong))).toBeUndefined();
      expect((await h.deliver({ job: wrong, receiveCount: 3 })).batchItemFailures).toEqual([]);
      const letter = (await h.deadLetters()).find((l) => l.body === JSON.stringify(wrong));
      expect(letter?.attributes).toMatchObject({
        failureClass: 'exhausted',
        failureReason: new RegExp(`${algorithm}.*Dixa published`),
      });
      expect(await h.head(h.keyOf(wrong))).toBeUndefined();
      expect(await h.record(wrong)).toBeUndefined();
    }
  });

  it('a failure on the last allowed receive → DLQ as exhausted, with the last error', async () => {
    const { job } = addFile('private', { size: 10, always: { kind: 'status', status: 503 } });
    expect((await h.deliver({ job, receiveCount: 2, messageId: 'm2' })).batchItemFailures).toEqual([
      { itemIdentifier: 'm2' },
    ]);
    expect((await h.deliver({ job, receiveCount: 3 })).batchItemFailures).toEqual([]);
    const letter = (await h.deadLetters()).find((l) => l.body === JSON.stringify(job));
    expect(letter?.attributes).toMatchObject({
      failureClass: 'exhausted',
      receiveCount: '3',
      failureReason: expect.stringMatching(/503 Service Unavailable/),
    });
  });

  it('an invalid job body → DLQ as invalid-job, original body kept', async () => {
    const bodies = [
      'not json',
      JSON.stringify({ v: 1, url: 'https://evil.example/private/x' }),
      JSON.stringify(fileJob('https://evil.example/private/a/b')),
    ];
    const response = await h.deliver(...bodies.map((job) => ({ job })));
    expect(response.batchItemFailures).toEqual([]);
    const letters = await h.deadLetters();
    for (const body of bodies) {
      const letter = letters.find((l) => l.body === body);
      expect(letter?.attributes).toMatchObject({ failureClass: 'invalid-job', failureReason: expect.any(String) });
    }
  });
});

describe('redirects', () => {
  it.each([
    ['a non-loopback scheme', 'ftp://127.0.0.1/x', /scheme ftp is not allowed/],
    ['userinfo', 'http://user:pw@127.0.0.1:1/x', /userinfo/],
    ['a relative Location that is not a URL', 'http://[bad', /not a URL/],
  ])('to %s is refused → permanent', async (_label, location, reason) => {
    const { job } = addFile('private', { size: 10, always: { kind: 'redirect', location } });
    expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
    const letter = (await h.deadLetters()).find((l) => l.body === JSON.stringify(job));
    expect(letter?.attributes.failureReason).toMatch(reason);
  });

  it('a redirect loop ends after 5 hops', async () => {
    const { job, path } = addFile('public', { size: 10, always: { kind: 'redirect', location: '' } });
    h.files.addFile(path, { size: 10, always: { kind: 'redirect', location: `${h.files.baseUrl}${path}` } });
    expect((await h.deliver({ job })).batchItemFailures).toEqual([]);
    expect(h.files.requestCount(path)).toBe(6);
    const letter = (await h.deadLetters()).find((l) => l.body === JSON.stringify(job));
    expect(letter?.attributes.failureReason).toMatch(/more than 5 redirects/);
  });
});

// Keep the generator honest: what the fake serves is what the expected digest is computed from.
it('the fake serves exactly the generated content', async () => {
  const { path } = addFile('public', { size: 70_000 });
  const served = Buffer.from(await (await fetch(`${h.files.baseUrl}${path}`)).arrayBuffer());
  const chunks: Buffer[] = [];
  for await (const chunk of generateContent(path, 70_000)) chunks.push(chunk as Buffer);
  expect(served.equals(Buffer.concat(chunks))).toBe(true);
});
