import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { extractFromExport, extractFromMessageApi, extractFromWebhook } from '../../../lambdas/core/extract.ts';
import {
  conversationPrefix,
  linkHash,
  MAX_NAME_BYTES,
  normalizePrefix,
  objectKey,
  RECORD_SUFFIX,
  receiptPrefix,
  recordKey,
  sanitizeName,
} from '../../../lambdas/core/keys.ts';
import { normalizeLink, parseFilesBaseUrl } from '../../../lambdas/core/links.ts';

const sha16 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16);
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('objectKey', () => {
  it('is <prefix>/conversations/<csid>/<16 hex of sha256(link path)>/<safe last segment>', () => {
    const path = '/private/org-1/a1b2/report.pdf';
    expect(objectKey('dixa', '12345', path)).toBe(`dixa/conversations/12345/${sha16(path)}/report.pdf`);
    expect(linkHash(path)).toBe(sha16(path));
    expect(linkHash(path)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('has no leading slash with an empty prefix, and nests a multi-segment prefix', () => {
    const path = '/private/o/f';
    expect(objectKey('', '1', path)).toBe(`conversations/1/${sha16(path)}/f`);
    expect(objectKey('a/b', '1', path)).toBe(`a/b/conversations/1/${sha16(path)}/f`);
  });

  it('is deterministic', () => {
    const path = '/private/o/a%20b.pdf?x=1';
    expect(objectKey('dixa', '9', path)).toBe(objectKey('dixa', '9', path));
  });

  it('separates different links with the same last segment', () => {
    const a = objectKey('dixa', '1', '/private/org/a/file.pdf');
    const b = objectKey('dixa', '1', '/private/org/b/file.pdf');
    const pub = objectKey('dixa', '1', '/public/org/a/file.pdf');
    expect(new Set([a, b, pub]).size).toBe(3);
    for (const key of [a, b, pub]) expect(key.endsWith('/file.pdf')).toBe(true);
  });

  it('separates links that differ only in their query, and conversations', () => {
    expect(objectKey('p', '1', '/private/o/f?v=1')).not.toBe(objectKey('p', '1', '/private/o/f?v=2'));
    expect(objectKey('p', '1', '/private/o/f')).not.toBe(objectKey('p', '2', '/private/o/f'));
  });

  it('names the object after the decoded, sanitized last segment, without the query', () => {
    const path = '/private/o/R%C3%A9sum%C3%A9%20final.pdf?sig=abc/def';
    expect(objectKey('p', '1', path)).toBe(`p/conversations/1/${sha16(path)}/Résumé final.pdf`);
    expect(objectKey('p', '1', '/private/o/%E2%80%AEfdp.exe').endsWith('/fdp.exe')).toBe(true);
    expect(objectKey('p', '1', '/private/o/bad%zz').endsWith('/bad_zz')).toBe(true);
    expect(objectKey('p', '1', '/private/o/...').endsWith('/file')).toBe(true);
  });

  it('depends on the identity only: the same file by webhook, message API and export lands on one key', () => {
    const files = parseFilesBaseUrl();
    const hook = extractFromWebhook(
      {
        event_id: 'e1',
        event_fqn: 'CONVERSATION_MESSAGE_ADDED',
        organization: { id: 'org-1' },
        data: {
          conversation: { csid: 5 },
          message_id: 'm1',
          attachments: [{ url: '/private/org-1/x y', prettyName: 'Nice.pdf' }],
        },
      },
      files,
    );
    if (!hook.ok) throw new Error(hook.reason);
    const api = extractFromMessageApi(
      '5',
      [
        {
          id: 'm1',
          attributes: { attachments: [{ url: 'https://files.dixa.io/private/org-1/x%20y', prettyName: 'Other.pdf' }] },
        },
      ],
      files,
    );
    const exported = extractFromExport({ id: 'x', csid: 5, attached_files: ['/private/org-1/x%20y'] }, files);
    const keys = [hook.jobs[0]!, api.jobs[0]!, exported.jobs[0]!].map((job) => {
      const link = normalizeLink(job.url, files);
      if (!link.ok) throw new Error(link.reason);
      return objectKey('dixa', job.conversationId, link.path);
    });
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^dixa\/conversations\/5\/[0-9a-f]{16}\/x y$/);
  });
});

describe('recordKey and folders', () => {
  it('puts the record beside the object', () => {
    expect(RECORD_SUFFIX).toBe('.json');
    expect(recordKey('dixa/conversations/1/abc/f.pdf')).toBe('dixa/conversations/1/abc/f.pdf.json');
  });

  it('lists a conversation and the receipts under the prefix', () => {
    expect(conversationPrefix('dixa', '12')).toBe('dixa/conversations/12/');
    expect(conversationPrefix('', '12')).toBe('conversations/12/');
    expect(receiptPrefix('dixa')).toBe('dixa/erasure-receipts/');
    expect(receiptPrefix('')).toBe('erasure-receipts/');
    expect(objectKey('dixa', '12', '/private/o/f').startsWith(conversationPrefix('dixa', '12'))).toBe(true);
  });
});

describe('normalizePrefix', () => {
  it.each([
    ['dixa', 'dixa'],
    ['/dixa/', 'dixa'],
    ['a/b/c', 'a/b/c'],
    ['a//b/', 'a/b'],
    ['', ''],
    ['/', ''],
    ['my-archive_v1.2', 'my-archive_v1.2'],
    ['.well', '.well'],
  ])('%j → %j', (prefix, expected) => {
    expect(normalizePrefix(prefix)).toBe(expected);
  });

  it.each([
    '..',
    'a/../b',
    '.',
    'a/./b',
    '...',
    'a/..../b',
    'a b',
    'a\\b',
    'é',
    'a/*',
    'a?b',
    'a%2fb',
    'a\u0000b',
    'a\nb',
  ])('rejects %j', (prefix) => {
    expect(() => normalizePrefix(prefix)).toThrow(/archive prefix segment .* is not allowed/);
  });
});

describe('sanitizeName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['Résumé.pdf', 'Résumé.pdf'],
    ['Re\u0301sume\u0301.pdf', 'Résumé.pdf'], // NFC: the same name in either Unicode form
    ['Re\u200b\u0301sume\u0000\u0301.pdf', 'Résumé.pdf'], // ... also once invisible characters are gone
    ['日本語のファイル.txt', '日本語のファイル.txt'],
    ['Ελληνικά.doc', 'Ελληνικά.doc'],
    ['العربية.pdf', 'العربية.pdf'],
    ['Ärger & Co (2).xlsx', 'Ärger _ Co (2).xlsx'],
    ['a+b=c,d@e.txt', 'a+b=c,d@e.txt'],
    ['a/b.pdf', 'a_b.pdf'],
    ['a\\b.pdf', 'a_b.pdf'],
    ['../../etc/passwd', '_._etc_passwd'],
    ['..\\..\\win.ini', '_._win.ini'],
    ['a..b', 'a.b'],
    ['a....pdf', 'a.pdf'],
    ['.hidden', 'hidden'],
    ['name. . .', 'name'],
    ['  spaced   out  .txt', 'spaced out .txt'],
    ['a:b*c?"<>|.txt', 'a_b_c_.txt'],
    ['tab\there\nnewline\u0000nul.txt', 'tabherenewlinenul.txt'],
    ['\u202Egnp.exe', 'gnp.exe'], // right-to-left override: the name cannot pretend to be exe.png
    ['a\u200Bb\u2066c\u2069\uFEFF.txt', 'abc.txt'],
    ['line\u2028sep\u2029.txt', 'linesep.txt'],
    ['nbsp\u00A0and\u3000wide.txt', 'nbsp_and_wide.txt'],
    ['full／width∕slash⧸.txt', 'full_width_slash_.txt'],
    ['emoji 👍.png', 'emoji _.png'], // symbols, emoji among them, become _
    ['I❤️NY.png', 'I_NY.png'],
    ['👍🏽 ok.jpg', '_ ok.jpg'],
    ['👨‍👩‍👧.png', '_.png'],
    ['CON', '_CON'], // Windows device names: the compliance CLI writes these names to disk
    ['con.txt', '_con.txt'],
    ['NUL.tar.gz', '_NUL.tar.gz'],
    ['COM1.log', '_COM1.log'],
    ['lpt9', '_lpt9'],
    ['console.txt', 'console.txt'],
    ['CONTRACT.pdf', 'CONTRACT.pdf'],
  ])('%j → %j', (name, expected) => {
    expect(sanitizeName(name)).toBe(expected);
  });

  it.each(['', '.', '..', '...', '   ', ' . ', '\u0000', '\u202E', '\u200B\u200B'])('%j → the fallback', (name) => {
    expect(sanitizeName(name)).toBe('file');
    expect(sanitizeName(name, 'attachment')).toBe('attachment');
  });

  it('never returns an unsafe fallback', () => {
    expect(sanitizeName('..', '..')).toBe('file');
    expect(sanitizeName('', '../x')).toBe('_x');
  });

  it('bounds the UTF-8 length and keeps the extension', () => {
    for (const stem of ['a'.repeat(300), '日'.repeat(100), 'é'.repeat(200), '𝒳'.repeat(80)]) {
      const safe = sanitizeName(`${stem}.pdf`);
      expect(bytes(safe)).toBeLessThanOrEqual(MAX_NAME_BYTES);
      expect(bytes(safe)).toBeGreaterThan(MAX_NAME_BYTES - 4);
      expect(safe.endsWith('.pdf')).toBe(true);
      expect(stem.startsWith(safe.slice(0, -4))).toBe(true); // cut at a character boundary
      expect(Buffer.from(safe, 'utf8').toString('utf8')).toBe(safe);
    }
  });

  it('cuts a name without a short extension at the byte bound', () => {
    const safe = sanitizeName(`${'x'.repeat(200)}.averyveryverylongextension`);
    expect(bytes(safe)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(safe).toBe('x'.repeat(MAX_NAME_BYTES));
  });

  it('does not end a truncated stem with a dot or a space', () => {
    const safe = sanitizeName(`${'a'.repeat(MAX_NAME_BYTES - 5)} .  b.pdf`);
    expect(safe).not.toMatch(/[. ]\.pdf$/);
    expect(safe.endsWith('.pdf')).toBe(true);
  });

  it('keeps a name exactly at the bound unchanged', () => {
    const name = `${'a'.repeat(MAX_NAME_BYTES - 4)}.pdf`;
    expect(sanitizeName(name)).toBe(name);
  });
});
