import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Extraction,
  extractFromExport,
  extractFromMessageApi,
  extractFromWebhook,
  MESSAGE_ADDED,
  parseWebhookEnvelope,
} from '../../lambdas/core/extract.ts';
import { parseFileJob } from '../../lambdas/core/job.ts';
import { normalizeLink, parseFilesBaseUrl } from '../../lambdas/core/links.ts';
import { anyLink, anyText, runs } from './arbitraries.ts';

const files = parseFilesBaseUrl();

const maybe = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary }, fc.constant(null), fc.constant(undefined), fc.anything());
const anyId = maybe(fc.oneof(fc.uuid(), anyText(300), fc.constant('')));
const anyCsid = fc.oneof(
  fc.nat(),
  fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }).map(String),
  fc.integer({ min: -5, max: -1 }),
  fc.double(),
  anyText(25),
  fc.anything(),
);

const attachment = fc.oneof(
  { weight: 3, arbitrary: anyLink },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        url: anyLink,
        prettyName: maybe(anyText(1500)),
        pretty_name: maybe(anyText(50)),
        name: maybe(anyText(50)),
        contentType: maybe(anyText(400)),
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.anything() },
);

/** The value a link is read from, as dixa-api.md describes each attachment shape. */
function linkOf(element: unknown): unknown {
  if (element !== null && typeof element === 'object' && !Array.isArray(element)) {
    return (element as Record<string, unknown>).url;
  }
  return element;
}

function expectContract(extraction: Extraction): void {
  for (const job of extraction.jobs) expect(parseFileJob(JSON.stringify(job), files)).toEqual({ ok: true, job });
  expect(new Set(extraction.jobs.map((job) => job.url)).size).toBe(extraction.jobs.length);
}

/** Every candidate is a job (or a duplicate of one) or a reported rejection at its own field: nothing vanishes. */
function expectAccounted(extraction: Extraction, candidates: Array<[field: string, value: unknown]>): void {
  const urls = new Set(extraction.jobs.map((job) => job.url));
  for (const [field, value] of candidates) {
    const link = normalizeLink(value, files);
    if (link.ok) expect(urls.has(link.url)).toBe(true);
    else expect(extraction.rejected.some((r) => r.field === field || r.field === `${field}.url`)).toBe(true);
  }
}

const envelope = fc.record(
  {
    event_id: fc.oneof({ weight: 4, arbitrary: fc.uuid() }, anyText(200), fc.anything()),
    event_fqn: fc.oneof({ weight: 5, arbitrary: fc.constant(MESSAGE_ADDED) }, anyText(40), fc.anything()),
    event_version: maybe(fc.constant('1')),
    event_timestamp: maybe(anyText(80)),
    organization: maybe(fc.record({ id: anyId, name: maybe(anyText(40)) }, { requiredKeys: [] })),
    data: fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record(
          {
            conversation: maybe(fc.record({ csid: anyCsid }, { requiredKeys: [] })),
            message_id: anyId,
            created_at: maybe(anyText(80)),
            attachments: fc.oneof(
              { weight: 5, arbitrary: fc.array(attachment, { maxLength: 8 }) },
              maybe(fc.anything()),
            ),
            content: maybe(fc.record({ original_content_url: maybe(anyLink) }, { requiredKeys: [] })),
          },
          { requiredKeys: [] },
        ),
      },
      fc.anything(),
    ),
  },
  { requiredKeys: [] },
);

/** A well-formed CONVERSATION_MESSAGE_ADDED whose links, names and optional ids are hostile. */
const messageAdded = fc.record({
  event_id: fc.uuid(),
  event_fqn: fc.constant(MESSAGE_ADDED),
  event_timestamp: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  organization: fc.record({ id: fc.oneof(fc.uuid(), fc.constant(''), fc.string({ maxLength: 128 })) }),
  data: fc.record({
    conversation: fc.record({ csid: fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }).map(String)) }),
    message_id: fc.oneof(fc.uuid(), fc.constant(''), fc.constant(null), fc.string({ maxLength: 256 })),
    created_at: fc.oneof(fc.constant(null), fc.string({ maxLength: 64 })),
    attachments: fc.array(attachment, { maxLength: 8 }),
    content: fc.record({ original_content_url: maybe(anyLink) }, { requiredKeys: [] }),
  }),
});

function checkWebhook(body: unknown): number {
  const parsed = parseWebhookEnvelope(body);
  if (!parsed.ok) return 0;
  const result = extractFromWebhook(parsed.envelope, files);
  if (!result.ok || result.ignored) return 0;
  expectContract(result);
  const data = parsed.envelope.data as { attachments?: unknown[]; content?: { original_content_url?: unknown } };
  const candidates: Array<[string, unknown]> = (data.attachments ?? []).map((element, i) => [
    `data.attachments[${i}]`,
    linkOf(element),
  ]);
  const original = data.content?.original_content_url;
  if (original != null) candidates.push(['data.content.original_content_url', original]);
  expectAccounted(result, candidates);
  return result.jobs.length;
}

describe('webhook extraction properties', () => {
  it('every job passes the contract and every link is a job or a reported rejection', () => {
    let jobs = 0;
    fc.assert(
      fc.property(messageAdded, (body) => {
        jobs += checkWebhook(body);
      }),
      { numRuns: runs(500) },
    );
    expect(jobs).toBeGreaterThan(0);
  });

  it('never throws on arbitrary envelopes', () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 9, arbitrary: envelope }, fc.anything()), (body) => {
        checkWebhook(body);
      }),
      { numRuns: runs(1000) },
    );
  });
});

const messageRow = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        id: anyId,
        createdAt: maybe(
          fc.oneof(
            anyText(40),
            fc.date({ noInvalidDate: true }).map((d) => `${d.toISOString()}[GMT]`),
          ),
        ),
        attributes: maybe(
          fc.record(
            {
              _type: fc.constantFrom('EmailAttributes', 'ChatAttributes', 'CallRecordingAttributes', 'Other'),
              attachments: maybe(fc.array(attachment, { maxLength: 5 })),
              inlineImages: maybe(fc.array(attachment, { maxLength: 3 })),
              originalContentUrl: maybe(anyLink),
              recording: maybe(anyLink),
            },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: [] },
    ),
  },
  fc.anything(),
);

describe('message API extraction properties', () => {
  it('never throws, and every job passes the contract', () => {
    fc.assert(
      fc.property(anyCsid, fc.array(messageRow, { maxLength: 6 }), (conversationId, rows) => {
        const result = extractFromMessageApi(conversationId as string, rows, files);
        expectContract(result);
      }),
      { numRuns: runs(500) },
    );
  });
});

const exportRow = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        id: anyId,
        csid: anyCsid,
        created_at: maybe(fc.oneof(fc.integer(), fc.double(), fc.nat({ max: 4_102_444_800_000 }))),
        attached_files: fc.oneof({ weight: 4, arbitrary: fc.array(anyLink, { maxLength: 6 }) }, maybe(fc.anything())),
        recording_url: maybe(anyLink),
        voicemail_url: maybe(anyLink),
      },
      { requiredKeys: [] },
    ),
  },
  fc.anything(),
);

describe('Message Export extraction properties', () => {
  it('never throws; every job passes the contract; every link is a job or a reported rejection', () => {
    fc.assert(
      fc.property(exportRow, (row) => {
        const result = extractFromExport(row, files);
        expectContract(result);
        const record = row as Record<string, unknown> | null;
        if (result.jobs.length === 0 || record === null || typeof record !== 'object') return;
        const candidates: Array<[string, unknown]> = [];
        if (Array.isArray(record.attached_files)) {
          record.attached_files.forEach((value, i) => {
            candidates.push([`row.attached_files[${i}]`, value]);
          });
        }
        if (record.recording_url != null) candidates.push(['row.recording_url', record.recording_url]);
        if (record.voicemail_url != null) candidates.push(['row.voicemail_url', record.voicemail_url]);
        expectAccounted(result, candidates);
      }),
      { numRuns: runs(500) },
    );
  });
});
