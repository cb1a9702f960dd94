import { describe, expect, it } from 'vitest';
import {
  type Extraction,
  extractFromExport,
  extractFromMessageApi,
  extractFromWebhook,
  MESSAGE_ADDED,
  parseDixaTimestamp,
  parseWebhookEnvelope,
  type WebhookExtraction,
} from '../../../lambdas/core/extract.ts';
import { type FileJob, parseFileJob } from '../../../lambdas/core/job.ts';
import { type FilesOrigin, parseFilesBaseUrl } from '../../../lambdas/core/links.ts';

const files = parseFilesBaseUrl();
const FILES = 'https://files.dixa.io';
const loopback = parseFilesBaseUrl('http://127.0.0.1:4567');

/** Every job any extractor produces must pass the queue contract exactly as the archiver will check it. */
function expectContractValid(jobs: FileJob[], origin: FilesOrigin = files): void {
  for (const job of jobs) expect(parseFileJob(JSON.stringify(job), origin)).toEqual({ ok: true, job });
}

function messageAdded(data: Record<string, unknown>, envelope: Record<string, unknown> = {}) {
  return {
    event_id: 'b4e3a3c0-5f0e-4d7e-9a51-2d1f0c0e7a11',
    event_fqn: MESSAGE_ADDED,
    event_version: '1',
    event_timestamp: '2024-05-01T10:00:01.000Z',
    organization: { id: 'org-1', name: 'Acme' },
    data: {
      conversation: { csid: 12345, channel: 'widget_chat', status: 'open', subject: null, tags: [] },
      author: { id: 'u1', name: 'Customer' },
      created_at: '2024-05-01T10:00:00.000Z',
      message_id: 'msg-1',
      text: 'see attached',
      direction: 'inbound',
      channel: 'widget_chat',
      content: { text: 'see attached', content_type: 'text/plain', original_content_url: null },
      attachments: [],
      external_id: null,
      ...data,
    },
    ...envelope,
  };
}

/** Envelope parse + extraction, as the ingest does it. */
function fromWebhook(body: unknown, origin: FilesOrigin = files): WebhookExtraction {
  const envelope = parseWebhookEnvelope(body);
  if (!envelope.ok) throw new Error(`envelope rejected: ${envelope.reason}`);
  const result = extractFromWebhook(envelope.envelope, origin);
  if (result.ok) expectContractValid(result.jobs, origin);
  return result;
}

function extracted(body: unknown, origin: FilesOrigin = files): Extraction {
  const result = fromWebhook(body, origin);
  if (!result.ok) throw new Error(`extraction failed: ${result.reason}`);
  expect(result.ignored).toBe(false);
  return { jobs: result.jobs, rejected: result.rejected };
}

const webhookJob = (fields: Partial<FileJob>): FileJob => ({
  v: 1,
  url: `${FILES}/private/org-1/a1`,
  visibility: 'private',
  kind: 'attachment',
  orgId: 'org-1',
  conversationId: '12345',
  messageId: 'msg-1',
  eventId: 'b4e3a3c0-5f0e-4d7e-9a51-2d1f0c0e7a11',
  createdAt: '2024-05-01T10:00:00.000Z',
  source: 'webhook',
  ...fields,
});

describe('webhook CONVERSATION_MESSAGE_ADDED: attachments in every shape', () => {
  it.each([
    ['{url, prettyName}', { url: '/private/org-1/a1', prettyName: 'Résumé.pdf' }, { name: 'Résumé.pdf' }],
    ['{url, pretty_name}', { url: '/private/org-1/a1', pretty_name: 'scan.png' }, { name: 'scan.png' }],
    [
      '{url, name, contentType}',
      { url: '/private/org-1/a1', name: 'call.mp3', contentType: 'audio/mpeg' },
      { name: 'call.mp3', contentType: 'audio/mpeg' },
    ],
    ['a bare string', '/private/org-1/a1', {}],
    ['a bare absolute string', `${FILES}/private/org-1/a1`, {}],
    [
      'a public file',
      { url: '/public/org-1/a1', prettyName: 'p.png' },
      { url: `${FILES}/public/org-1/a1`, visibility: 'public', name: 'p.png' },
    ],
    [
      'unknown extra fields ignored',
      { url: '/private/org-1/a1', prettyName: 'x.pdf', size: 12, id: 'att-9', meta: { a: [1] }, __proto__: null },
      { name: 'x.pdf' },
    ],
    ['a blank name ignored', { url: '/private/org-1/a1', prettyName: '  ' }, {}],
  ] as const)('%s', (_, attachment, fields) => {
    const { jobs, rejected } = extracted(messageAdded({ attachments: [attachment] }));
    expect(rejected).toEqual([]);
    expect(jobs).toEqual([webhookJob(fields as Partial<FileJob>)]);
  });

  it('extracts several attachments in order, each with its own name', () => {
    const { jobs } = extracted(
      messageAdded({
        attachments: [
          { url: '/private/org-1/a1', prettyName: 'one.pdf' },
          '/public/org-1/a2',
          { url: `${FILES}/private/org-1/a3`, pretty_name: 'three.txt' },
        ],
      }),
    );
    expect(jobs.map((job) => [job.url, job.visibility, job.name])).toEqual([
      [`${FILES}/private/org-1/a1`, 'private', 'one.pdf'],
      [`${FILES}/public/org-1/a2`, 'public', undefined],
      [`${FILES}/private/org-1/a3`, 'private', 'three.txt'],
    ]);
  });

  it.each([
    ['an element without url', { prettyName: 'x.pdf' }, 'data.attachments[0].url', 'attachment has no url'],
    ['an element with url null', { url: null }, 'data.attachments[0].url', 'attachment has no url'],
    ['a url that is not a string', { url: 42 }, 'data.attachments[0].url', 'link is not a string'],
    ['a null element', null, 'data.attachments[0]', 'link is not a string'],
    ['a number element', 7, 'data.attachments[0]', 'link is not a string'],
    ['an array element', ['/private/org-1/a1'], 'data.attachments[0]', 'link is not a string'],
    [
      'a link to another host',
      { url: 'https://evil.com/private/x' },
      'data.attachments[0].url',
      '"evil.com" is not the files host',
    ],
    ['a traversal', '/private/%2e%2e/x', 'data.attachments[0]', 'dot segment'],
  ])('reports %s, and makes no job of it', (_, attachment, field, reason) => {
    const { jobs, rejected } = extracted(messageAdded({ attachments: [attachment] }));
    expect(jobs).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.field).toBe(field);
    expect(rejected[0]!.reason).toContain(reason);
  });

  it('keeps the good attachments when others are bad, reporting each bad one where it was', () => {
    const { jobs, rejected } = extracted(
      messageAdded({
        attachments: ['/private/org-1/a1', 'https://169.254.169.254/latest', null, { url: '/public/org-1/a2' }],
      }),
    );
    expect(jobs.map((job) => job.url)).toEqual([`${FILES}/private/org-1/a1`, `${FILES}/public/org-1/a2`]);
    expect(rejected).toEqual([
      {
        field: 'data.attachments[1]',
        link: 'https://169.254.169.254/latest',
        reason: expect.stringMatching(/not the files host/),
      },
      { field: 'data.attachments[2]', link: 'null', reason: 'link is not a string' },
    ]);
  });

  it('shortens a huge offending link in the report', () => {
    const huge = `https://evil.com/${'a'.repeat(10_000)}`;
    const { rejected } = extracted(messageAdded({ attachments: [huge] }));
    expect(rejected[0]!.link.length).toBeLessThanOrEqual(201);
    expect(huge.startsWith(rejected[0]!.link.slice(0, 200))).toBe(true);
  });

  it('makes one job of a link that appears several times, in any spelling', () => {
    const { jobs, rejected } = extracted(
      messageAdded({
        attachments: [
          { url: '/private/org-1/a b', prettyName: 'first.pdf' },
          `${FILES}/private/org-1/a%20b`,
          { url: '/private/org-1/a%20b', pretty_name: 'again.pdf' },
        ],
        content: { original_content_url: '/private/org-1/a b' },
      }),
    );
    expect(rejected).toEqual([]);
    expect(jobs).toEqual([webhookJob({ url: `${FILES}/private/org-1/a%20b`, name: 'first.pdf' })]);
  });

  it('treats attachments null or absent as none', () => {
    expect(extracted(messageAdded({ attachments: null }))).toEqual({ jobs: [], rejected: [] });
    expect(extracted(messageAdded({ attachments: undefined }))).toEqual({ jobs: [], rejected: [] });
  });

  it('extracts against a loopback base (tests and local mode)', () => {
    const { jobs } = extracted(
      messageAdded({ attachments: ['/private/org-1/a1', 'http://127.0.0.1:4567/public/org-1/a2'] }),
      loopback,
    );
    expect(jobs.map((job) => job.url)).toEqual([
      'http://127.0.0.1:4567/private/org-1/a1',
      'http://127.0.0.1:4567/public/org-1/a2',
    ]);
  });
});

describe('webhook CONVERSATION_MESSAGE_ADDED: the original e-mail', () => {
  it('makes an original-email job of content.original_content_url', () => {
    const { jobs } = extracted(
      messageAdded({ content: { text: 'hi', original_content_url: '/private/org-1/email_original_data/77' } }),
    );
    expect(jobs).toEqual([
      webhookJob({ url: `${FILES}/private/org-1/email_original_data/77`, kind: 'original-email' }),
    ]);
  });

  it('puts it after the attachments', () => {
    const { jobs } = extracted(
      messageAdded({ attachments: ['/private/org-1/a1'], content: { original_content_url: '/private/org-1/eml' } }),
    );
    expect(jobs.map((job) => job.kind)).toEqual(['attachment', 'original-email']);
  });

  it.each([
    ['null', { original_content_url: null }],
    ['absent', { text: 'x' }],
    ['content null', null],
  ])('yields nothing when %s', (_, content) => {
    expect(extracted(messageAdded({ content }))).toEqual({ jobs: [], rejected: [] });
  });

  it.each([
    ['another host', 'https://evil.com/private/x', /not the files host/],
    ['a number', 42, /not a string/],
    ['empty', '', /empty/],
  ])('reports %s', (_, value, reason) => {
    const { jobs, rejected } = extracted(messageAdded({ content: { original_content_url: value } }));
    expect(jobs).toEqual([]);
    expect(rejected).toEqual([
      { field: 'data.content.original_content_url', link: expect.any(String), reason: expect.stringMatching(reason) },
    ]);
  });
});

describe('webhook: job context', () => {
  it('takes createdAt from data.created_at, else the event timestamp', () => {
    const [withCreated] = extracted(messageAdded({ attachments: ['/private/o/a'] })).jobs;
    expect(withCreated!.createdAt).toBe('2024-05-01T10:00:00.000Z');
    const [withoutCreated] = extracted(messageAdded({ attachments: ['/private/o/a'], created_at: null })).jobs;
    expect(withoutCreated!.createdAt).toBe('2024-05-01T10:00:01.000Z');
  });

  it('accepts a csid sent as a numeric string', () => {
    const { jobs } = extracted(messageAdded({ conversation: { csid: '987' }, attachments: ['/private/o/a'] }));
    expect(jobs[0]!.conversationId).toBe('987');
  });

  it('leaves out ids that are absent, null or empty rather than producing an invalid job', () => {
    const body = messageAdded({ attachments: ['/private/o/a'], message_id: '' }, { organization: { id: '' } });
    const [job] = extracted(body).jobs;
    expect(job).not.toHaveProperty('messageId');
    expect(job).not.toHaveProperty('orgId');
    const [bare] = extracted(
      messageAdded({ attachments: ['/private/o/a'], message_id: null }, { organization: undefined }),
    ).jobs;
    expect(bare).not.toHaveProperty('messageId');
    expect(bare).not.toHaveProperty('orgId');
  });

  it('keeps names up to the contract limit and drops a content type no real file has', () => {
    const [job] = extracted(
      messageAdded({
        attachments: [{ url: '/private/o/a', name: 'n'.repeat(5000), contentType: `x/${'y'.repeat(300)}` }],
      }),
    ).jobs;
    expect(job!.name).toBe('n'.repeat(1024));
    expect(job).not.toHaveProperty('contentType');
  });
});

describe('webhook: other events and bad data', () => {
  it.each([
    'CONVERSATION_CREATED',
    'CONVERSATION_CLOSED',
    'CONVERSATION_ASSIGNED',
    'CONVERSATION_NOTE_ADDED',
    'conversation_message_added',
  ])('%s yields no jobs and is not an error, even with links in it', (fqn) => {
    const body = messageAdded({ attachments: ['/private/o/a'] }, { event_fqn: fqn });
    expect(fromWebhook(body)).toEqual({ ok: true, ignored: true, jobs: [], rejected: [] });
  });

  it('ignores an unknown event whose data has none of the message fields', () => {
    expect(fromWebhook({ event_id: 'e', event_fqn: 'AGENT_STATUS_CHANGED', data: { agent: 'x' } })).toEqual({
      ok: true,
      ignored: true,
      jobs: [],
      rejected: [],
    });
  });

  it.each([
    ['conversation missing', { conversation: undefined }, /^data\.conversation: /],
    ['csid missing', { conversation: { channel: 'email' } }, /^data\.conversation\.csid: /],
    ['csid not numeric', { conversation: { csid: 'abc' } }, /^data\.conversation\.csid: /],
    ['csid negative', { conversation: { csid: -1 } }, /^data\.conversation\.csid: /],
    ['csid fractional', { conversation: { csid: 1.5 } }, /^data\.conversation\.csid: /],
    ['csid boolean', { conversation: { csid: true } }, /^data\.conversation\.csid: /],
    ['conversation a string', { conversation: '12345' }, /^data\.conversation: /],
    ['attachments an object', { attachments: { url: '/private/o/a' } }, /^data\.attachments: /],
    ['attachments a string', { attachments: '/private/o/a' }, /^data\.attachments: /],
    ['message_id a number', { message_id: 42 }, /^data\.message_id: /],
    ['content a string', { content: 'x' }, /^data\.content: /],
    ['created_at a number', { created_at: 1714550400000 }, /^data\.created_at: /],
  ])('%s → error', (_, data, reason) => {
    const result = fromWebhook(messageAdded(data));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it.each([
    ['null', null, /./],
    ['an array', [], /event_id/],
    ['a string', 'event', /./],
    ['event_id missing', { event_fqn: MESSAGE_ADDED, data: {} }, /^event_id: /],
    ['event_id empty', { event_id: '', event_fqn: MESSAGE_ADDED, data: {} }, /^event_id: /],
    ['event_fqn a number', { event_id: 'e', event_fqn: 1, data: {} }, /^event_fqn: /],
    ['data missing', { event_id: 'e', event_fqn: MESSAGE_ADDED }, /^data: /],
    ['data null', { event_id: 'e', event_fqn: MESSAGE_ADDED, data: null }, /^data: /],
    [
      'organization.id a number',
      { event_id: 'e', event_fqn: 'X', organization: { id: 1 }, data: {} },
      /^organization\.id: /,
    ],
  ])('envelope %s → rejected', (_, body, reason) => {
    const result = parseWebhookEnvelope(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('accepts an envelope with unknown top-level fields', () => {
    expect(parseWebhookEnvelope({ ...messageAdded({}), new_field: { x: 1 } }).ok).toBe(true);
  });
});

describe('message API rows', () => {
  const rows = [
    {
      id: 'm1',
      authorId: 'u1',
      createdAt: '2021-12-01T12:46:36.581Z[GMT]',
      attributes: {
        _type: 'EmailAttributes',
        attachments: [{ prettyName: 'report.pdf', url: '/private/org-1/att1' }],
        inlineImages: [{ prettyName: 'logo.png', url: '/private/org-1/img1' }, '/public/org-1/img2'],
        originalContentUrl: '/private/org-1/email_original_data/m1',
      },
    },
    {
      id: 'm2',
      createdAt: '2021-12-01T12:50:00Z[Europe/Copenhagen]',
      attributes: { _type: 'CallRecordingAttributes', recording: `${FILES}/private/org-1/rec1`, duration: 93 },
    },
    { id: 'm3', createdAt: '2021-12-01T13:00:00.000Z', attributes: { _type: 'ChatAttributes', attachments: [] } },
  ];

  const job = (fields: Partial<FileJob>): FileJob => ({
    v: 1,
    url: `${FILES}/private/org-1/att1`,
    visibility: 'private',
    kind: 'attachment',
    conversationId: '4242',
    messageId: 'm1',
    createdAt: '2021-12-01T12:46:36.581Z',
    source: 'messages-api',
    ...fields,
  });

  it('extracts attachments, inline images, the original e-mail and recordings with exact fields', () => {
    const { jobs, rejected } = extractFromMessageApi('4242', rows, files);
    expect(rejected).toEqual([]);
    expect(jobs).toEqual([
      job({ name: 'report.pdf' }),
      job({ url: `${FILES}/private/org-1/img1`, kind: 'inline-image', name: 'logo.png' }),
      job({ url: `${FILES}/public/org-1/img2`, visibility: 'public', kind: 'inline-image' }),
      job({ url: `${FILES}/private/org-1/email_original_data/m1`, kind: 'original-email' }),
      job({
        url: `${FILES}/private/org-1/rec1`,
        kind: 'recording',
        messageId: 'm2',
        createdAt: '2021-12-01T12:50:00.000Z',
      }),
    ]);
    expectContractValid(jobs);
  });

  it('takes the conversation id as a number too', () => {
    const { jobs } = extractFromMessageApi(4242, rows.slice(1, 2), files);
    expect(jobs[0]!.conversationId).toBe('4242');
  });

  it.each(['abc', '', '-1', '1.5', '../1', -1, 1.5, Number.NaN])(
    'refuses a conversation id that is not a csid (%j) instead of producing invalid jobs',
    (conversationId) => {
      const result = extractFromMessageApi(conversationId, rows, files);
      expect(result.jobs).toEqual([]);
      expect(result.rejected).toEqual([
        { field: 'conversationId', link: expect.any(String), reason: 'conversation id is not a numeric csid' },
      ]);
    },
  );

  it('only takes a recording from CallRecordingAttributes', () => {
    const { jobs } = extractFromMessageApi(
      '1',
      [{ id: 'm', attributes: { _type: 'ChatAttributes', recording: '/private/o/r' } }],
      files,
    );
    expect(jobs).toEqual([]);
  });

  it('makes one job of a link repeated within a message', () => {
    const { jobs } = extractFromMessageApi(
      '1',
      [
        {
          id: 'm',
          attributes: {
            attachments: [{ url: '/private/o/a' }],
            inlineImages: ['/private/o/a'],
            originalContentUrl: '/private/o/a',
          },
        },
      ],
      files,
    );
    expect(jobs.map((j) => [j.url, j.kind])).toEqual([[`${FILES}/private/o/a`, 'attachment']]);
  });

  it('reports bad rows and bad links with their place', () => {
    const { jobs, rejected } = extractFromMessageApi(
      '1',
      [
        null,
        'text',
        { id: 'm', attributes: { inlineImages: [{ url: 'https://evil.com/x' }], attachments: [{ prettyName: 'x' }] } },
        { id: 'r', attributes: { _type: 'CallRecordingAttributes', recording: 'ftp://files.dixa.io/private/o/r' } },
      ],
      files,
    );
    expect(jobs).toEqual([]);
    expect(rejected).toEqual([
      { field: 'data[0]', link: 'null', reason: 'message is not an object' },
      { field: 'data[1]', link: 'text', reason: 'message is not an object' },
      { field: 'data[2].attributes.attachments[0].url', link: expect.any(String), reason: 'attachment has no url' },
      {
        field: 'data[2].attributes.inlineImages[0].url',
        link: 'https://evil.com/x',
        reason: expect.stringMatching(/not the files host/),
      },
      {
        field: 'data[3].attributes.recording',
        link: 'ftp://files.dixa.io/private/o/r',
        reason: 'scheme ftp is not allowed',
      },
    ]);
  });

  it('tolerates rows without attributes, an unparseable createdAt and a numeric id', () => {
    const { jobs, rejected } = extractFromMessageApi(
      '1',
      [{ id: 'm0' }, { id: 77, createdAt: 'yesterday', attributes: { attachments: ['/private/o/a'] } }],
      files,
    );
    expect(rejected).toEqual([]);
    expect(jobs).toEqual([
      {
        v: 1,
        url: `${FILES}/private/o/a`,
        visibility: 'private',
        kind: 'attachment',
        conversationId: '1',
        messageId: '77',
        source: 'messages-api',
      },
    ]);
    expectContractValid(jobs);
  });

  it('drops ids the contract cannot carry rather than producing an invalid job', () => {
    const { jobs } = extractFromMessageApi(
      '1',
      [
        { id: '', attributes: { attachments: ['/private/o/a'] } },
        { id: 'x'.repeat(300), attributes: { attachments: ['/private/o/b'] } },
      ],
      files,
    );
    expect(jobs).toHaveLength(2);
    for (const job of jobs) expect(job).not.toHaveProperty('messageId');
    expectContractValid(jobs);
  });
});

describe('parseDixaTimestamp', () => {
  it.each([
    ['2021-12-01T12:46:36.581Z[GMT]', '2021-12-01T12:46:36.581Z'],
    ['2021-12-01T12:46:36.581Z', '2021-12-01T12:46:36.581Z'],
    ['2021-12-01T13:46:36+01:00[Europe/Copenhagen]', '2021-12-01T12:46:36.000Z'],
    ['not a date', undefined],
    ['[GMT]', undefined],
    ['', undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseDixaTimestamp(value)).toBe(expected);
  });
});

describe('Message Export rows', () => {
  const row = {
    id: 'exp-1',
    csid: 777,
    created_at: 1638362796581,
    initial_channel: 'email',
    author_name: 'A',
    direction: 'inbound',
    text: 'hello',
    to: [],
    attached_files: ['/private/org-1/f1', `${FILES}/public/org-1/f2.png`],
    recording_url: '/private/org-1/rec',
    voicemail_url: '/private/org-1/vm',
  };

  const job = (fields: Partial<FileJob>): FileJob => ({
    v: 1,
    url: `${FILES}/private/org-1/f1`,
    visibility: 'private',
    kind: 'attachment',
    conversationId: '777',
    messageId: 'exp-1',
    createdAt: '2021-12-01T12:46:36.581Z',
    source: 'export',
    ...fields,
  });

  it('extracts attached_files, recording_url and voicemail_url with exact fields', () => {
    const { jobs, rejected } = extractFromExport(row, files);
    expect(rejected).toEqual([]);
    expect(jobs).toEqual([
      job({}),
      job({ url: `${FILES}/public/org-1/f2.png`, visibility: 'public' }),
      job({ url: `${FILES}/private/org-1/rec`, kind: 'recording' }),
      job({ url: `${FILES}/private/org-1/vm`, kind: 'voicemail' }),
    ]);
    expectContractValid(jobs);
  });

  it('treats nulls and absent fields as no files', () => {
    const empty = { ...row, attached_files: null, recording_url: null, voicemail_url: null };
    expect(extractFromExport(empty, files)).toEqual({ jobs: [], rejected: [] });
    expect(extractFromExport({ id: 'x', csid: 1 }, files)).toEqual({ jobs: [], rejected: [] });
  });

  it('accepts a csid sent as a numeric string, and no created_at', () => {
    const { jobs } = extractFromExport({ csid: '778', attached_files: ['/private/o/a'] }, files);
    expect(jobs).toEqual([
      {
        v: 1,
        url: `${FILES}/private/o/a`,
        visibility: 'private',
        kind: 'attachment',
        conversationId: '778',
        source: 'export',
      },
    ]);
    expectContractValid(jobs);
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['not numeric', 'abc'],
    ['negative', -5],
    ['fractional', 1.5],
    ['too large', 2 ** 60],
    ['an object', { id: 1 }],
  ])('refuses a row whose csid is %s', (_, csid) => {
    const result = extractFromExport({ ...row, csid }, files, 'rows[3]');
    expect(result.jobs).toEqual([]);
    expect(result.rejected).toEqual([
      { field: 'rows[3].csid', link: expect.any(String), reason: 'row has no valid csid' },
    ]);
  });

  it.each([null, 'row', 42, []])('refuses a row that is not an object: %j', (value) => {
    expect(extractFromExport(value, files)).toEqual({
      jobs: [],
      rejected: [{ field: 'row', link: expect.any(String), reason: 'row is not an object' }],
    });
  });

  it('reports bad links with their place and keeps the good ones', () => {
    const { jobs, rejected } = extractFromExport(
      {
        ...row,
        attached_files: ['/private/o/ok', 'https://files.dixa.io:8443/private/o/x', 5],
        recording_url: 'javascript:alert(1)',
        voicemail_url: '/PUBLIC/o/vm',
      },
      files,
      'export[0]',
    );
    expect(jobs.map((j) => j.url)).toEqual([`${FILES}/private/o/ok`]);
    expect(rejected).toEqual([
      {
        field: 'export[0].attached_files[1]',
        link: 'https://files.dixa.io:8443/private/o/x',
        reason: 'link names an explicit port',
      },
      { field: 'export[0].attached_files[2]', link: '5', reason: 'link is not a string' },
      {
        field: 'export[0].recording_url',
        link: 'javascript:alert(1)',
        reason: expect.stringMatching(/neither absolute/),
      },
      { field: 'export[0].voicemail_url', link: '/PUBLIC/o/vm', reason: expect.stringMatching(/outside/) },
    ]);
  });

  it('makes one job of a link repeated within a row', () => {
    const { jobs } = extractFromExport(
      {
        csid: 1,
        attached_files: ['/private/o/a', `${FILES}/private/o/a`, '/private/o/a'],
        recording_url: '/private/o/a',
      },
      files,
    );
    expect(jobs).toHaveLength(1);
  });

  it('ignores an unusable created_at and drops ids the contract cannot carry', () => {
    for (const created_at of [Number.NaN, 1e20, '2021-12-01', null]) {
      const [job] = extractFromExport({ csid: 1, id: '', created_at, attached_files: ['/private/o/a'] }, files).jobs;
      expect(job).not.toHaveProperty('createdAt');
      expect(job).not.toHaveProperty('messageId');
    }
  });
});

describe('one file, three roads', () => {
  it('yields the same url from a webhook, the message API and the export', () => {
    const [fromHook] = extracted(
      messageAdded({ attachments: [{ url: '/private/org-1/f 1', prettyName: 'Nice name.pdf' }] }),
    ).jobs;
    const [fromApi] = extractFromMessageApi(
      '12345',
      [
        {
          id: 'msg-1',
          attributes: { attachments: [{ url: `${FILES}/private/org-1/f%201`, prettyName: 'other.pdf' }] },
        },
      ],
      files,
    ).jobs;
    const [fromExport] = extractFromExport({ csid: 12345, attached_files: ['/private/org-1/f%201'] }, files).jobs;
    expect(fromApi!.url).toBe(fromHook!.url);
    expect(fromExport!.url).toBe(fromHook!.url);
    expect(new Set([fromHook!.conversationId, fromApi!.conversationId, fromExport!.conversationId]).size).toBe(1);
  });
});

describe('conversation ids have one spelling', () => {
  const link = '/private/org-1/attachments/a.pdf';
  const csids = [12, '12', '0012', '00000000000000000012'];

  it.each(csids)('webhook csid %j lands on conversation "12"', (csid) => {
    const envelope = parseWebhookEnvelope(messageAdded({ conversation: { csid }, attachments: [link] }));
    if (!envelope.ok) throw new Error(envelope.reason);
    const result = extractFromWebhook(envelope.envelope, files);
    expect(result.ok && result.jobs.map((job) => job.conversationId)).toEqual(['12']);
  });

  it.each(csids)('export csid %j and message API csid %j land on conversation "12"', (csid) => {
    expect(extractFromExport({ csid, attached_files: [link] }, files).jobs[0]?.conversationId).toBe('12');
    const rows = [{ id: 'm1', attributes: { attachments: [{ url: link }] } }];
    expect(extractFromMessageApi(csid, rows, files).jobs[0]?.conversationId).toBe('12');
  });

  it('the job contract refuses a non-canonical csid, so no other road can split a conversation', () => {
    const job = {
      v: 1,
      url: `${FILES}${link}`,
      visibility: 'private',
      kind: 'attachment',
      conversationId: '012',
      source: 'export',
    };
    expect(parseFileJob(JSON.stringify(job), files)).toMatchObject({ ok: false });
    expect(parseFileJob(JSON.stringify({ ...job, conversationId: '0' }), files)).toMatchObject({ ok: true });
  });
});
