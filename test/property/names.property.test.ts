import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  conversationPrefix,
  linkHash,
  MAX_NAME_BYTES,
  normalizePrefix,
  objectKey,
  recordKey,
  sanitizeName,
} from '../../lambdas/core/keys.ts';
import { normalizeLink, parseFilesBaseUrl } from '../../lambdas/core/links.ts';
import { anyText, filesLink, linkLike, runs } from './arbitraries.ts';

const HOSTILE_NAME_PIECES = [
  '.',
  '..',
  '...',
  '/',
  '\\',
  ' ',
  '\t',
  '\n',
  '\u0000',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u200b',
  '\u200d',
  '\u202e',
  '\u2066',
  '\u2028',
  '\ufe0f',
  '\ufeff',
  '\ud800',
  '\udc00',
  '%2e',
  '%2f',
  ':',
  '*',
  '?',
  '"',
  '<',
  '>',
  '|',
  '∕',
  '／',
  'a',
  'Z',
  '9',
  'é',
  'e\u0301',
  '\u0301',
  '\u0338',
  '日本語',
  '👍',
  '👍🏽',
  '𝒳',
  'CON',
  'nul',
  'com1',
  '.pdf',
  '.tar.gz',
  '_',
  '-',
];

const hostileName = fc
  .array(fc.constantFrom(...HOSTILE_NAME_PIECES), { maxLength: 80 })
  .map((pieces) => pieces.join(''));
const anyName = fc.oneof(hostileName, anyText(400), fc.string({ unit: 'binary', minLength: 100, maxLength: 600 }));

const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Variation_Selector}]/u;

function expectSafeName(safe: string): void {
  expect(safe.length).toBeGreaterThan(0);
  expect(safe).not.toMatch(/[/\\]/);
  expect(safe).not.toContain('..');
  expect(safe).not.toMatch(FORBIDDEN);
  expect(safe).not.toMatch(/^[. ]|[. ]$/);
  expect(safe).not.toMatch(/^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i);
  expect(Buffer.byteLength(safe, 'utf8')).toBeLessThanOrEqual(MAX_NAME_BYTES);
  expect(safe.normalize('NFC')).toBe(safe);
}

describe('sanitizeName properties', () => {
  it('never throws; the result is a non-empty, bounded, single safe segment', () => {
    fc.assert(
      fc.property(anyName, (name) => {
        expectSafeName(sanitizeName(name));
      }),
      { numRuns: runs(1500) },
    );
  });

  it('is idempotent (a restored name sanitizes to itself)', () => {
    fc.assert(
      fc.property(anyName, (name) => {
        const once = sanitizeName(name);
        expect(sanitizeName(once)).toBe(once);
      }),
      { numRuns: runs(1000) },
    );
  });

  it('keeps a short extension made of letters and digits', () => {
    fc.assert(
      fc.property(anyName, fc.stringMatching(/^[a-z0-9]{1,8}$/), (stem, ext) => {
        const safe = sanitizeName(`x${stem}.${ext}`);
        expect(safe.endsWith(`.${ext}`)).toBe(true);
      }),
      { numRuns: runs(1000) },
    );
  });

  it('returns the fallback only when nothing usable is left, and a safe one whatever the fallback', () => {
    fc.assert(
      fc.property(anyName, anyName, (name, fallback) => {
        expectSafeName(sanitizeName(name, fallback));
      }),
      { numRuns: runs(500) },
    );
  });
});

const prefix = fc
  .array(fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/), { maxLength: 4 })
  .map((segments) => normalizePrefix(segments.filter((s) => !/^\.+$/.test(s)).join('/')));
const csid = fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }).map(String);
const S3_MAX_KEY_BYTES = 1024;

function expectSafeKey(key: string, prefixValue: string, csidValue: string, path: string): void {
  const segments = key.split('/');
  for (const segment of segments) {
    expect(segment).not.toBe('');
    expect(segment).not.toBe('.');
    expect(segment).not.toBe('..');
  }
  expect(key.slice(prefixValue.length)).not.toContain('..');
  for (const segment of segments) expect(segment).not.toMatch(/^\.+$/);
  expect(key).not.toMatch(/\\|[\p{Cc}]/u);
  expect(key.startsWith(conversationPrefix(prefixValue, csidValue))).toBe(true);
  expect(segments.at(-2)).toBe(linkHash(path));
  expect(segments).toHaveLength((prefixValue ? prefixValue.split('/').length : 0) + 4);
  expect(Buffer.byteLength(recordKey(key), 'utf8')).toBeLessThanOrEqual(S3_MAX_KEY_BYTES);
}

describe('objectKey properties', () => {
  const files = parseFilesBaseUrl();

  it('never has empty, dot or dot-dot segments, whatever the link path', () => {
    fc.assert(
      fc.property(prefix, csid, anyText(300), (p, c, path) => {
        expectSafeKey(objectKey(p, c, path), p, c, path);
      }),
      { numRuns: runs(1000) },
    );
  });

  it('is safe and a function of (prefix, csid, path) for every accepted link', () => {
    fc.assert(
      fc.property(prefix, csid, fc.oneof(filesLink, linkLike), (p, c, raw) => {
        const link = normalizeLink(raw, files);
        fc.pre(link.ok);
        if (!link.ok) return;
        const key = objectKey(p, c, link.path);
        expectSafeKey(key, p, c, link.path);
        expect(objectKey(p, c, link.path)).toBe(key);
      }),
      { numRuns: runs(500) },
    );
  });
});
