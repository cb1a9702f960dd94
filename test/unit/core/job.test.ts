import { describe, expect, it } from 'vitest';
import { FILE_KINDS, type FileJob, JOB_SOURCES, parseFileJob } from '../../../lambdas/core/job.ts';
import { MAX_URL_LENGTH, parseFilesBaseUrl } from '../../../lambdas/core/links.ts';

const files = parseFilesBaseUrl();
const loopback = parseFilesBaseUrl('http://127.0.0.1:4567');

const minimal: FileJob = {
  v: 1,
  url: 'https://files.dixa.io/private/org-1/a1b2',
  visibility: 'private',
  kind: 'attachment',
  conversationId: '12345',
  source: 'webhook',
};

const full: FileJob = {
  ...minimal,
  orgId: 'org-1',
  messageId: 'msg-1',
  eventId: 'evt-1',
  name: 'Résumé final.pdf',
  contentType: 'application/pdf',
  createdAt: '2024-05-01T10:00:00.000Z',
};

const body = (value: unknown) => JSON.stringify(value);

describe('parseFileJob accepts', () => {
  it.each([
    ['a minimal job', minimal],
    ['a job with every optional field', full],
    ['a public file', { ...minimal, url: 'https://files.dixa.io/public/org-1/x.png', visibility: 'public' }],
    ...FILE_KINDS.map((kind) => [`kind ${kind}`, { ...minimal, kind }] as [string, FileJob]),
    ...JOB_SOURCES.map((source) => [`source ${source}`, { ...minimal, source }] as [string, FileJob]),
  ])('%s', (_, job) => {
    expect(parseFileJob(body(job), files)).toEqual({ ok: true, job });
  });

  it('normalizes the url it returns (a relative or oddly spelled link becomes the canonical absolute url)', () => {
    expect(parseFileJob(body({ ...minimal, url: '/private/org-1/a b' }), files)).toEqual({
      ok: true,
      job: { ...minimal, url: 'https://files.dixa.io/private/org-1/a%20b' },
    });
  });

  it('validates against the configured base (loopback in tests and local mode)', () => {
    const local = { ...minimal, url: 'http://127.0.0.1:4567/private/org-1/a1b2' };
    expect(parseFileJob(body(local), loopback)).toEqual({ ok: true, job: local });
    expect(parseFileJob(body(minimal), loopback)).toMatchObject({ ok: false, reason: /invalid job link/ });
  });
});

describe('parseFileJob rejects, with a reason', () => {
  it.each([
    ['not JSON', 'not json', /^job body is not JSON$/],
    ['empty body', '', /^job body is not JSON$/],
    ['truncated JSON', body(minimal).slice(0, -1), /^job body is not JSON$/],
    ['null', 'null', /^invalid job/],
    ['a string', '"job"', /^invalid job/],
    ['an array', '[]', /^invalid job/],
    ['v missing', body({ ...minimal, v: undefined }), /^invalid job at v:/],
    ['v 2', body({ ...minimal, v: 2 }), /^invalid job at v:/],
    ['v "1"', body({ ...minimal, v: '1' }), /^invalid job at v:/],
    ['unknown field', body({ ...minimal, bucket: 'other' }), /^invalid job at bucket:/],
    ['__proto__ key', body(minimal).replace('{', '{"__proto__":{"admin":true},'), /^invalid job at __proto__:/],
    ['kind unknown', body({ ...minimal, kind: 'video' }), /^invalid job at kind:/],
    ['kind missing', body({ ...minimal, kind: undefined }), /^invalid job at kind:/],
    ['source unknown', body({ ...minimal, source: 'email' }), /^invalid job at source:/],
    ['visibility unknown', body({ ...minimal, visibility: 'secret' }), /^invalid job at visibility:/],
    ['conversationId a number', body({ ...minimal, conversationId: 12345 }), /^invalid job at conversationId:/],
    ['conversationId not numeric', body({ ...minimal, conversationId: '12a' }), /at conversationId: .*numeric csid/],
    ['conversationId traversal', body({ ...minimal, conversationId: '../1' }), /at conversationId:/],
    ['conversationId empty', body({ ...minimal, conversationId: '' }), /at conversationId:/],
    ['conversationId too long', body({ ...minimal, conversationId: '1'.repeat(21) }), /at conversationId:/],
    ['url missing', body({ ...minimal, url: undefined }), /^invalid job at url:/],
    ['url not a string', body({ ...minimal, url: 42 }), /^invalid job at url:/],
    ['url too long', body({ ...minimal, url: `/private/o/${'a'.repeat(MAX_URL_LENGTH)}` }), /^invalid job at url:/],
    ['empty messageId', body({ ...minimal, messageId: '' }), /^invalid job at messageId:/],
    ['orgId not a string', body({ ...minimal, orgId: 7 }), /^invalid job at orgId:/],
    ['name too long', body({ ...minimal, name: 'n'.repeat(1025) }), /^invalid job at name:/],
    [
      'link to another host',
      body({ ...minimal, url: 'https://evil.com/private/o/x' }),
      /^invalid job link: .*not the files host/,
    ],
    ['link over http', body({ ...minimal, url: 'http://files.dixa.io/private/o/x' }), /^invalid job link: scheme http/],
    ['link to metadata', body({ ...minimal, url: 'https://169.254.169.254/private/x' }), /^invalid job link:/],
    ['link with traversal', body({ ...minimal, url: '/private/%2e%2e/x' }), /^invalid job link: .*dot segment/],
    [
      'link with userinfo',
      body({ ...minimal, url: 'https://a@files.dixa.io/private/o/x' }),
      /^invalid job link: .*userinfo/,
    ],
    [
      'private link claimed public',
      body({ ...minimal, visibility: 'public' }),
      /^job visibility does not match its link$/,
    ],
    [
      'public link claimed private',
      body({ ...minimal, url: '/public/o/x', visibility: 'private' }),
      /^job visibility does not match its link$/,
    ],
  ])('%s', (_, text, reason) => {
    const result = parseFileJob(text, files);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});
