import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFileJob } from '../../lambdas/core/job.ts';
import {
  type FilesOrigin,
  isFilesOrigin,
  MAX_URL_LENGTH,
  type NormalizedLink,
  normalizeLink,
  parseFilesBaseUrl,
} from '../../lambdas/core/links.ts';
import { anyLink, anyText, filesLink, linkLike, runs, twoSpellings, webUrl } from './arbitraries.ts';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Everything an accepted link must be, checked from the outside with WHATWG URL. */
function expectOnFilesHost(raw: unknown, link: NormalizedLink, files: FilesOrigin): void {
  const base = new URL(files.origin);
  const url = new URL(link.url);
  expect(url.origin).toBe(files.origin);
  expect(url.protocol).toBe(base.protocol);
  expect(url.host).toBe(base.host);
  expect(url.port).toBe(base.port);
  expect(url.username).toBe('');
  expect(url.password).toBe('');
  expect(url.hash).toBe('');
  expect(isFilesOrigin(url, files)).toBe(true);
  expect(link.url).toBe(files.origin + link.path);
  expect(link.url.length).toBeLessThanOrEqual(MAX_URL_LENGTH);
  // Canonical: parsing does not change it.
  expect(url.pathname + url.search).toBe(link.path);

  expect(url.pathname).toMatch(/^\/(private|public)\/./);
  expect(link.visibility).toBe(url.pathname.startsWith('/private/') ? 'private' : 'public');
  for (const segment of url.pathname.split('/').slice(1)) {
    expect(segment).not.toBe('');
    const decoded = decodeURIComponent(segment);
    expect(['.', '..']).not.toContain(decoded);
    expect(decoded).not.toMatch(/[/\\]/);
    expect(decoded).not.toMatch(CONTROL);
  }

  // What a fetch client would make of the raw text points at the files host too.
  expect(new URL(raw as string, files.origin).origin).toBe(files.origin);

  // Normalizing again changes nothing, from the url or from the path.
  expect(normalizeLink(link.url, files)).toEqual({ ok: true, ...link });
  expect(normalizeLink(link.path, files)).toEqual({ ok: true, ...link });

  // And it fits the job contract the archiver checks.
  const job = {
    v: 1,
    url: link.url,
    visibility: link.visibility,
    kind: 'attachment',
    conversationId: '1',
    source: 'webhook',
  };
  expect(parseFileJob(JSON.stringify(job), files)).toMatchObject({ ok: true, job: { url: link.url } });
}

function check(raw: unknown, files: FilesOrigin): boolean {
  const result = normalizeLink(raw, files);
  if (result.ok) {
    const { ok: _, ...link } = result;
    expectOnFilesHost(raw, link, files);
  } else {
    expect(typeof result.reason).toBe('string');
    expect(result.reason.length).toBeGreaterThan(0);
  }
  return result.ok;
}

describe.each([
  ['default base', parseFilesBaseUrl()],
  ['loopback base', parseFilesBaseUrl('http://127.0.0.1:4567')],
])('normalizeLink properties (%s)', (_, files) => {
  it('never throws on anything, and every accepted link is on the files host only', () => {
    fc.assert(
      fc.property(anyLink, (raw) => {
        check(raw, files);
      }),
      { numRuns: runs(1500) },
    );
  });

  it('never throws on arbitrary unicode text', () => {
    fc.assert(
      fc.property(anyText(), (raw) => {
        check(raw, files);
      }),
      { numRuns: runs(500) },
    );
  });

  it('holds on attack-shaped links (and some of them are accepted, so the checks run)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(linkLike, (raw) => {
        if (check(raw, files)) accepted += 1;
      }),
      { numRuns: runs(1500) },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('accepts no other host, whatever the URL looks like', () => {
    fc.assert(
      fc.property(webUrl, (raw) => {
        const result = normalizeLink(raw, files);
        if (result.ok) expect(new URL(raw).host.toLowerCase()).toBe(new URL(files.origin).host);
      }),
      { numRuns: runs(500) },
    );
  });
});

describe('normalizeLink identity properties', () => {
  const files = parseFilesBaseUrl();
  const loopback = parseFilesBaseUrl('http://127.0.0.1:4567');

  it('gives a file the same path in form 1 and form 2, and on every deployment', () => {
    fc.assert(
      fc.property(filesLink, (raw) => {
        const result = normalizeLink(raw, files);
        fc.pre(result.ok);
        if (!result.ok) return;
        const relative = raw.replace('https://files.dixa.io', '');
        expect(normalizeLink(relative, files)).toEqual(result);
        expect(normalizeLink(relative, loopback)).toMatchObject({ ok: true, path: result.path });
        expect(normalizeLink(`http://127.0.0.1:4567${relative}`, loopback)).toMatchObject({
          ok: true,
          path: result.path,
        });
      }),
      { numRuns: runs(500) },
    );
  });

  it('gives one file one url however its name is percent-encoded', () => {
    fc.assert(
      fc.property(twoSpellings, fc.constantFrom('/private/org-1/', '/public/x/'), ([one, other], folder) => {
        const a = normalizeLink(folder + one, files);
        const b = normalizeLink(folder + other, files);
        expect(a.ok && b.ok).toBe(true);
        expect(a).toEqual(b);
      }),
      { numRuns: runs(1000) },
    );
  });
});
