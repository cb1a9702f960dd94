/**
 * Files in every field Dixa documents for the message API, shaped as Dixa documents them
 * (test/fixtures/messages/conversation-7002-documented-files.json): `originalContentUrl` as a `File`,
 * `emailContent { _type: "TooLarge", file }`, MessengerForm `FileMeta` with Dixa's checksum; and text SQS refuses,
 * wherever it sits in a job, repaired so the file is still archived.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  extractFromExport,
  extractFromMessageApi,
  extractFromWebhook,
  MESSAGE_ADDED,
} from '../../../lambdas/core/extract.ts';
import { boundedSqsText, isSqsText, parseFileJob, toSqsText } from '../../../lambdas/core/job.ts';
import { parseFilesBaseUrl } from '../../../lambdas/core/links.ts';

const files = parseFilesBaseUrl();
const FILES = 'https://files.dixa.io';
const documented = JSON.parse(
  readFileSync(new URL('../../fixtures/messages/conversation-7002-documented-files.json', import.meta.url), 'utf8'),
) as { data: unknown[] };

describe('message API files as Dixa documents them', () => {
  const { jobs, rejected } = extractFromMessageApi('7002', documented.data, files);

  it('rejects nothing', () => expect(rejected).toEqual([]));

  it('takes originalContentUrl as a File { prettyName, url }', () => {
    expect(jobs[0]).toMatchObject({
      url: `${FILES}/private/org-1/email_original_data/o7002`,
      kind: 'original-email',
      name: 'original.eml',
    });
  });

  it('still takes originalContentUrl as a bare link', () => {
    const row = {
      id: 'm',
      attributes: { _type: 'EmailAttributes', originalContentUrl: '/private/o/email_original_data/x' },
    };
    expect(extractFromMessageApi('1', [row], files).jobs).toMatchObject([
      { url: `${FILES}/private/o/email_original_data/x`, kind: 'original-email' },
    ]);
  });

  it('takes the file of an e-mail whose content Dixa stored as TooLarge', () => {
    expect(jobs[1]).toMatchObject({
      url: `${FILES}/private/org-1/email_stripped_content/s7002`,
      kind: 'email-content',
      name: 'content.html',
    });
  });

  it("takes MessengerForm FileMeta answers with Dixa's checksum, spelled one way", () => {
    expect(jobs[2]).toMatchObject({
      url: `${FILES}/public/org-1/form_uploads/f7002/receipt.pdf`,
      visibility: 'public',
      kind: 'attachment',
      name: 'receipt.pdf',
      contentType: 'application/pdf',
      checksum: { algorithm: 'sha256', hex: '3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b' },
    });
    expect(jobs).toHaveLength(3);
    for (const job of jobs) expect(parseFileJob(JSON.stringify(job), files)).toEqual({ ok: true, job });
  });

  it('reports a FileMeta without a usable link, and leaves a malformed checksum out', () => {
    const row = {
      id: 'f',
      attributes: {
        _type: 'MessengerFormAttributes',
        formSubmission: {
          values: {
            a: { url: null, name: 'x.pdf', checksum: { algorithm: 'SHA-256', hex: 'ab' } },
            b: { url: '/public/o/f/y.pdf', name: 'y.pdf', checksum: { algorithm: 'SHA-256', hex: 'not hex' } },
          },
        },
      },
    };
    const result = extractFromMessageApi('1', [row], files);
    expect(result.rejected).toEqual([
      { field: 'data[0].attributes.formSubmission.values.a.url', link: 'null', reason: 'attachment has no url' },
    ]);
    expect(result.jobs).toHaveLength(1);
    expect(result.jobs[0]!.checksum).toBeUndefined();
  });

  it('takes original_content_url of a webhook as a File too', () => {
    const result = extractFromWebhook(
      {
        event_id: 'e1',
        event_fqn: MESSAGE_ADDED,
        data: {
          conversation: { csid: 5 },
          content: { original_content_url: { prettyName: 'mail.eml', url: '/private/o/email_original_data/w' } },
        },
      },
      files,
    );
    expect(result).toMatchObject({ ok: true, rejected: [], jobs: [{ kind: 'original-email', name: 'mail.eml' }] });
  });
});

/** Characters SQS refuses: U+FFFE, U+FFFF, C0 controls but tab/LF/CR, lone surrogates. */
const REFUSED = ['\uFFFF', '\uFFFE', '\u0000', '\u001B', '\u0008', '\uD800', '\uDFFF'];

describe('every string in a job is text SQS accepts', () => {
  it('toSqsText replaces exactly what SQS refuses, and keeps emoji, tabs and newlines', () => {
    for (const char of REFUSED) {
      expect(isSqsText(`a${char}b`), JSON.stringify(char)).toBe(false);
      expect(toSqsText(`a${char}b`)).toBe('a\uFFFDb');
    }
    for (const ok of ['a😀b', 'tab\tnew\nline\r', '\u0085\u009B\u202E', '\uE000\uFFFD', '\u{10FFFF}']) {
      expect(isSqsText(ok), JSON.stringify(ok)).toBe(true);
      expect(toSqsText(ok)).toBe(ok);
    }
  });

  it('boundedSqsText never leaves half an emoji at the cut', () => {
    expect(boundedSqsText(`${'x'.repeat(9)}😀`, 10)).toBe('x'.repeat(9));
    expect(isSqsText(boundedSqsText(`${'x'.repeat(1023)}😀`, 1024))).toBe(true);
  });

  it.each(REFUSED)('a webhook whose name, ids and type hold %j still yields a valid job for the file', (char) => {
    const result = extractFromWebhook(
      {
        event_id: `evt${char}1`,
        event_fqn: MESSAGE_ADDED,
        organization: { id: `org${char}`, name: null },
        data: {
          conversation: { csid: 9 },
          message_id: `msg${char}`,
          created_at: `2024${char}`,
          attachments: [{ url: '/private/o/a/f.pdf', prettyName: `in${char}voice.pdf`, contentType: `text/x${char}` }],
        },
      },
      files,
    );
    if (!result.ok) throw new Error(result.reason);
    expect(result.jobs).toHaveLength(1);
    const job = result.jobs[0]!;
    for (const value of Object.values(job)) if (typeof value === 'string') expect(isSqsText(value)).toBe(true);
    expect(job).toMatchObject({ name: 'in\uFFFDvoice.pdf', eventId: 'evt\uFFFD1', messageId: 'msg\uFFFD' });
    expect(parseFileJob(JSON.stringify(job), files)).toEqual({ ok: true, job });
  });

  it('message API and export rows are repaired the same way', () => {
    const api = extractFromMessageApi(
      '3',
      [{ id: 'm\uFFFF', attributes: { attachments: [{ url: '/private/o/x', prettyName: 'a\uFFFF😀' }] } }],
      files,
    );
    expect(api.jobs).toMatchObject([{ messageId: 'm\uFFFD', name: 'a\uFFFD😀' }]);
    const exported = extractFromExport({ id: 'r\uFFFE', csid: 3, attached_files: ['/private/o/y'] }, files);
    expect(exported.jobs).toMatchObject([{ messageId: 'r\uFFFD' }]);
  });

  it('the job contract refuses text SQS would refuse, on both ends', () => {
    const job = {
      v: 1,
      url: `${FILES}/private/o/x`,
      visibility: 'private',
      kind: 'attachment',
      conversationId: '1',
      source: 'webhook',
    };
    expect(parseFileJob(JSON.stringify({ ...job, name: 'a\uFFFFb' }), files)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/name.*SQS/),
    });
    expect(parseFileJob(JSON.stringify({ ...job, name: 'a😀b' }), files)).toMatchObject({ ok: true });
  });
});
