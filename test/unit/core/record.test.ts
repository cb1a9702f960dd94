import { describe, expect, it } from 'vitest';
import type { FileJob } from '../../../lambdas/core/job.ts';
import { buildRecord, PIPELINE_VERSION, parseRecord, RECORD_VERSION } from '../../../lambdas/core/record.ts';

const job: FileJob = {
  v: 1,
  url: 'https://files.dixa.io/private/org-1/a1',
  visibility: 'private',
  kind: 'recording',
  orgId: 'org-1',
  conversationId: '12345',
  messageId: 'msg-1',
  eventId: 'evt-1',
  name: 'call.mp3',
  contentType: 'audio/mpeg',
  createdAt: '2024-05-01T10:00:00.000Z',
  source: 'webhook',
};

const file = {
  key: 'dixa/conversations/12345/0123456789abcdef/a1',
  bucket: 'archive',
  contentType: 'audio/mpeg',
  size: 1234,
  sha256: 'ab'.repeat(32),
  fetchedAt: new Date('2024-05-01T10:00:05.000Z'),
  archivedAt: new Date('2024-05-01T10:00:06.000Z'),
};

describe('buildRecord', () => {
  it('records provenance, size and digest', () => {
    expect(buildRecord(job, file)).toEqual({
      recordVersion: RECORD_VERSION,
      pipelineVersion: PIPELINE_VERSION,
      key: file.key,
      bucket: 'archive',
      orgId: 'org-1',
      conversationId: '12345',
      messageId: 'msg-1',
      eventId: 'evt-1',
      kind: 'recording',
      source: 'webhook',
      sourceUrl: job.url,
      visibility: 'private',
      originalName: 'call.mp3',
      contentType: 'audio/mpeg',
      size: 1234,
      sha256: file.sha256,
      createdAt: '2024-05-01T10:00:00.000Z',
      fetchedAt: '2024-05-01T10:00:05.000Z',
      archivedAt: '2024-05-01T10:00:06.000Z',
    });
  });

  it('writes null, not undefined, for what the job did not carry (the JSON keeps every field)', () => {
    const bare: FileJob = {
      v: 1,
      url: job.url,
      visibility: 'private',
      kind: 'attachment',
      conversationId: '1',
      source: 'export',
    };
    const record = buildRecord(bare, file);
    expect(record).toMatchObject({ orgId: null, messageId: null, eventId: null, originalName: null, createdAt: null });
    expect(Object.keys(JSON.parse(JSON.stringify(record)))).toEqual(Object.keys(record));
  });
});

describe('parseRecord', () => {
  it('round-trips a built record', () => {
    const record = buildRecord(job, file);
    expect(parseRecord(JSON.stringify(record))).toEqual(record);
  });

  it.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['no key', JSON.stringify({ ...buildRecord(job, file), key: undefined })],
    ['a numeric conversationId', JSON.stringify({ ...buildRecord(job, file), conversationId: 12345 })],
    ['a size as text', JSON.stringify({ ...buildRecord(job, file), size: '1234' })],
    ['an upper-case digest', JSON.stringify({ ...buildRecord(job, file), sha256: 'AB'.repeat(32) })],
    ['a short digest', JSON.stringify({ ...buildRecord(job, file), sha256: 'ab'.repeat(31) })],
  ])('rejects %s', (_, text) => {
    expect(() => parseRecord(text)).toThrow('not a provenance record');
  });

  it('rejects text that is not JSON', () => {
    expect(() => parseRecord('{')).toThrow();
  });
});
