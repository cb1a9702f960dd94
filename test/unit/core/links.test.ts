import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FILES_BASE_URL,
  isFilesOrigin,
  MAX_LINK_LENGTH,
  MAX_URL_LENGTH,
  normalizeLink,
  parseFilesBaseUrl,
} from '../../../lambdas/core/links.ts';

const dixa = parseFilesBaseUrl();
const LOOPBACK = 'http://127.0.0.1:4567';
const loopback = parseFilesBaseUrl(LOOPBACK);

function accepted(raw: unknown, files = dixa) {
  const result = normalizeLink(raw, files);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be accepted, got: ${result.reason}`);
  return result;
}

function reason(raw: unknown, files = dixa): string {
  const result = normalizeLink(raw, files);
  if (result.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected, got ${result.url}`);
  return result.reason;
}

describe('parseFilesBaseUrl', () => {
  it('defaults to https://files.dixa.io', () => {
    expect(DEFAULT_FILES_BASE_URL).toBe('https://files.dixa.io');
    expect(parseFilesBaseUrl()).toEqual({
      origin: 'https://files.dixa.io',
      protocol: 'https:',
      authority: 'files.dixa.io',
    });
  });

  it.each([
    ['https://files.dixa.io/', 'https://files.dixa.io', 'files.dixa.io'],
    ['https://FILES.Dixa.io', 'https://files.dixa.io', 'files.dixa.io'],
    ['https://files.dixa.io:443', 'https://files.dixa.io', 'files.dixa.io'],
    ['http://127.0.0.1:4567', 'http://127.0.0.1:4567', '127.0.0.1:4567'],
    ['http://localhost:80', 'http://localhost', 'localhost'],
    ['http://[::1]:9000/', 'http://[::1]:9000', '[::1]:9000'],
  ])('accepts %s', (value, origin, authority) => {
    expect(parseFilesBaseUrl(value)).toMatchObject({ origin, authority });
  });

  it.each([
    ['not a url', /not a URL/],
    ['ftp://files.dixa.io', /must be https/],
    ['https://user:pw@files.dixa.io', /credentials/],
    ['https://files.dixa.io/base', /origin only/],
    ['https://files.dixa.io/?x=1', /origin only/],
    ['https://files.dixa.io/#f', /origin only/],
    ['http://files.dixa.io', /http only on a loopback host/],
    ['http://10.0.0.1:8080', /http only on a loopback host/],
    ['http://169.254.169.254', /http only on a loopback host/],
  ])('rejects %s', (value, message) => {
    expect(() => parseFilesBaseUrl(value)).toThrow(message);
  });
});

describe('normalizeLink: the three documented forms', () => {
  it.each([
    ['https://files.dixa.io/private/org-1/a1b2c3', 'private'],
    ['/private/org-1/a1b2c3', 'private'],
    ['/public/org-1/d4e5f6', 'public'],
    ['https://files.dixa.io/public/org-1/d4e5f6', 'public'],
    ['/private/org-1/email_original_data/77', 'private'],
    ['/private/a/b/c/d/report.pdf', 'private'],
  ] as const)('%s against the default base', (raw, visibility) => {
    const path = raw.replace('https://files.dixa.io', '');
    expect(accepted(raw)).toEqual({ ok: true, url: `https://files.dixa.io${path}`, path, visibility });
  });

  it.each([
    [`${LOOPBACK}/private/org-1/a1b2c3`, 'private'],
    ['/private/org-1/a1b2c3', 'private'],
    ['/public/org-1/d4e5f6', 'public'],
  ] as const)('%s against a loopback base', (raw, visibility) => {
    const path = raw.replace(LOOPBACK, '');
    expect(accepted(raw, loopback)).toEqual({ ok: true, url: `${LOOPBACK}${path}`, path, visibility });
  });

  it('gives a file the same path in form 1 and form 2, on every deployment', () => {
    const absolute = accepted('https://files.dixa.io/private/org-1/file%20one.pdf?v=2');
    const relative = accepted('/private/org-1/file%20one.pdf?v=2');
    const local = accepted('/private/org-1/file%20one.pdf?v=2', loopback);
    const localAbsolute = accepted(`${LOOPBACK}/private/org-1/file%20one.pdf?v=2`, loopback);
    expect(relative.path).toBe(absolute.path);
    expect(local.path).toBe(absolute.path);
    expect(localAbsolute.path).toBe(absolute.path);
    expect(relative.url).toBe(absolute.url);
  });

  it('treats scheme and host case-insensitively (they are), paths case-sensitively (they are not)', () => {
    expect(accepted('HTTPS://Files.DIXA.io/private/o/AbC').url).toBe('https://files.dixa.io/private/o/AbC');
    expect(accepted(`HTTP://127.0.0.1:4567/public/o/x`, loopback).url).toBe(`${LOOPBACK}/public/o/x`);
  });

  it('keeps the query string (part of the file identity)', () => {
    expect(accepted('/private/o/f.pdf?token=abc&x=1')).toMatchObject({
      path: '/private/o/f.pdf?token=abc&x=1',
      url: 'https://files.dixa.io/private/o/f.pdf?token=abc&x=1',
    });
    expect(accepted('/private/o/f.pdf?token=abc').path).not.toBe(accepted('/private/o/f.pdf?token=abd').path);
  });

  it('accepts a link of exactly the maximum length', () => {
    const raw = `/private/o/${'a'.repeat(MAX_LINK_LENGTH - '/private/o/'.length)}`;
    expect(raw).toHaveLength(MAX_LINK_LENGTH);
    expect(accepted(raw).path).toBe(raw);
  });
});

describe('normalizeLink: percent-encoding is canonical, so one file has one spelling', () => {
  it.each([
    [
      'space',
      ['/private/o/a b.pdf', '/private/o/a%20b.pdf', 'https://files.dixa.io/private/o/a b.pdf'],
      '/private/o/a%20b.pdf',
    ],
    [
      'non-ASCII, any hex case',
      ['/private/o/résumé', '/private/o/r%C3%A9sum%C3%A9', '/private/o/r%c3%a9sum%c3%A9'],
      '/private/o/r%C3%A9sum%C3%A9',
    ],
    [
      'encoded unreserved characters',
      ['/private/o/~user/A-1_b.c', '/private/o/%7Euser/%41%2D1%5Fb%2Ec', '/private/o/%7euser/%41-1_b.c'],
      '/private/o/~user/A-1_b.c',
    ],
    [
      'characters a URI may not hold raw',
      ['/private/o/a|b^c[1]', '/private/o/a%7Cb%5Ec%5B1%5D', '/private/o/a%7cb%5ec%5b1%5d'],
      '/private/o/a%7Cb%5Ec%5B1%5D',
    ],
    ['query', ['/private/o/f?q=a b&n=%7e', '/private/o/f?q=a%20b&n=~'], '/private/o/f?q=a%20b&n=~'],
  ])('%s', (_, spellings, canonical) => {
    for (const raw of spellings) {
      expect(accepted(raw).path, raw).toBe(canonical);
      expect(accepted(raw).url, raw).toBe(`https://files.dixa.io${canonical}`);
    }
  });

  it('encodes a trailing space like any other (WHATWG URL would strip it and name another file or a folder)', () => {
    expect(accepted('/private/o/x.pdf ').path).toBe('/private/o/x.pdf%20');
    expect(accepted('/private/o/ ').path).toBe('/private/o/%20');
    expect(accepted('/private/o/x?q=1 ').path).toBe('/private/o/x?q=1%20');
    expect(accepted('/private/ ').path).toBe('/private/%20');
  });

  it('encodes a stray % in the query as %25, so normalizing twice changes nothing', () => {
    expect(accepted('/private/o/x?a=%zz&b=%').path).toBe('/private/o/x?a=%25zz&b=%25');
    const once = accepted('/public/a?%%41a');
    expect(once.path).toBe('/public/a?%25Aa');
    expect(accepted(once.url)).toEqual(once);
  });

  it('keeps reserved characters as they were sent: %2B and + are different paths', () => {
    expect(accepted('/private/o/a%2Bb').path).toBe('/private/o/a%2Bb');
    expect(accepted('/private/o/a+b').path).toBe('/private/o/a+b');
  });

  it('is idempotent', () => {
    for (const raw of ['/private/o/a b|c', '/public/o/%7e%c3%a9?x=a b', '/private/o/ok']) {
      const once = accepted(raw);
      expect(accepted(once.url)).toEqual(once);
      expect(accepted(once.path)).toEqual(once);
    }
  });
});

describe('normalizeLink: rejections, each with its reason', () => {
  it.each([
    'https://files.dixa.io.evil.com/private/o/x',
    'https://FILES.DIXA.IO.evil.com/private/o/x',
    'https://evil.com/files.dixa.io/private/o/x',
    'https://dixa.io/private/o/x',
    'https://xfiles.dixa.io/private/o/x',
    'https://cdn.files.dixa.io/private/o/x',
    'https://files.dixa.io./private/o/x',
    'https://files.dixa.iо/private/o/x', // Cyrillic о
    'https://fіles.dixa.io/private/o/x', // Cyrillic і
    'https://xn--fles-dixa-9db.io/private/o/x',
    'https://xn--fles-8na.dixa.io/private/o/x',
    'https://files。dixa。io/private/o/x', // ideographic full stops: WHATWG would map them to "."
    'https://ｆiles.dixa.io/private/o/x', // full-width f
    'https://files%2edixa.io/private/o/x',
    'https://files.dixa.io%2500.evil.com/private/o/x',
    'https://127.0.0.1/private/o/x',
    'https://2130706433/private/o/x',
    'https://0x7f.0.0.1/private/o/x',
    'https://[::1]/private/o/x',
    'https://[::ffff:127.0.0.1]/private/o/x',
    'https://[fd00:ec2::254]/private/o/x',
    'https://localhost/private/o/x',
    'https://169.254.169.254/latest/meta-data/',
    'https://metadata.google.internal/private/o/x',
    'https:///files.dixa.io/private/o/x',
    'https://files.dixa.io?/private/o/x',
  ])('other host: %s', (raw) => {
    expect(reason(raw)).toMatch(/is not the files host/);
  });

  it.each([
    ['http://files.dixa.io/private/o/x', /scheme http is not allowed/],
    ['HTTP://files.dixa.io/private/o/x', /scheme HTTP is not allowed/],
    ['ftp://files.dixa.io/private/o/x', /scheme ftp is not allowed/],
    ['file:///private/o/x', /scheme file is not allowed/],
    ['gopher://files.dixa.io/private/o/x', /scheme gopher is not allowed/],
    ['wss://files.dixa.io/private/o/x', /scheme wss is not allowed/],
    ['javascript://files.dixa.io/private/o/x', /scheme javascript is not allowed/],
    ['javascript:alert(1)', /neither absolute nor a \/private\/ or \/public\/ path/],
    ['data:text/plain;base64,aGk=', /neither absolute nor/],
    ['https:/files.dixa.io/private/o/x', /neither absolute nor/],
    ['files.dixa.io/private/o/x', /neither absolute nor/],
    ['private/o/x', /neither absolute nor/],
    [' /private/o/x', /neither absolute nor/],
  ])('other scheme or form: %s', (raw, why) => {
    expect(reason(raw)).toMatch(why);
  });

  it('rejects the production host when the base is a loopback fake (only the configured origin is fetched)', () => {
    // the cause is the host (a backfill against a loopback files host gets production links): say so
    expect(reason('https://files.dixa.io/private/o/x', loopback)).toBe('host "files.dixa.io" is not the files host');
    expect(reason('http://127.0.0.1/private/o/x', loopback)).toMatch(/is not the files host/);
    expect(reason('http://localhost:4567/private/o/x', loopback)).toMatch(/is not the files host/);
    expect(reason('http://127.0.0.1:4568/private/o/x', loopback)).toMatch(/port/);
  });

  it.each([
    'https://files.dixa.io:443/private/o/x',
    'https://files.dixa.io:8443/private/o/x',
    'https://files.dixa.io:/private/o/x',
    'https://files.dixa.io:0/private/o/x',
    'https://files.dixa.io:00443/private/o/x',
  ])('explicit port: %s', (raw) => {
    expect(reason(raw)).toMatch(/explicit port/);
  });

  it.each([
    'https://x@files.dixa.io/private/o/x',
    'https://@files.dixa.io/private/o/x',
    'https://files.dixa.io@evil.com/private/o/x',
    'https://user:pw@files.dixa.io/private/o/x',
    'https://files.dixa.io:443@evil.com/private/o/x',
  ])('userinfo: %s', (raw) => {
    expect(reason(raw)).toMatch(/userinfo/);
  });

  it.each(['//evil.com/private/o/x', '//files.dixa.io/private/o/x', '///evil.com/private/o/x'])(
    'protocol-relative: %s',
    (raw) => {
      expect(reason(raw)).toMatch(/protocol-relative/);
    },
  );

  it.each([
    ['/private/../../etc/passwd', /dot segment/],
    ['/private/..', /dot segment/],
    ['/private/o/..', /dot segment/],
    ['/private/./x', /dot segment/],
    ['/public/o/./x', /dot segment/],
    ['https://files.dixa.io/private/../admin', /dot segment/],
    ['/private/%2e%2e/x', /dot segment/],
    ['/private/%2E%2e/x', /dot segment/],
    ['/private/.%2e/x', /dot segment/],
    ['/private/%2e./x', /dot segment/],
    ['/private/%2e/x', /dot segment/],
    ['/private/o%2f..%2fx', /encoded slash or backslash/],
    ['/private/o/a%2Fb', /encoded slash or backslash/],
    ['/private/o/a%5cb', /encoded slash or backslash/],
    ['/private/o/a%5C..%5Cb', /encoded slash or backslash/],
    ['/private/o/%zz', /malformed percent-encoding/],
    ['/private/o/a%', /malformed percent-encoding/],
    ['/private/o/%c0%ae%c0%ae', /malformed percent-encoding/], // overlong UTF-8 for ".."
  ])('traversal: %s', (raw, why) => {
    expect(reason(raw)).toMatch(why);
  });

  it.each([
    '/private\\o\\x',
    '/private/o/..\\..\\x',
    '\\\\evil.com\\share',
    'https://files.dixa.io\\@evil.com/private/o/x',
    'https://evil.com\\@files.dixa.io/private/o/x',
  ])('backslash: %s', (raw) => {
    expect(reason(raw)).toMatch(/backslash/);
  });

  it.each([
    ['/private/o/a\u0000b', /contains control characters/],
    ['/private/o/a\nb', /contains control characters/],
    ['/private/o/a\rb', /contains control characters/],
    ['/private/o/a\tb', /contains control characters/],
    ['https://files.dixa.io\t.evil.com/private/o/x', /contains control characters/],
    ['/private/o/a\u007fb', /contains control characters/],
    ['/private/o/a\u0085b', /contains control characters/],
    ['/private/o/a%00b', /encoded control characters/],
    ['/private/o/a%0ab', /encoded control characters/],
    ['/private/o/a%0D%0Ab', /encoded control characters/],
    ['/private/o/a%7fb', /encoded control characters/],
    ['/private/o/a%c2%85b', /encoded control characters/],
  ])('control characters: %j', (raw, why) => {
    expect(reason(raw)).toMatch(why);
  });

  it.each([
    ['/privatex/o/x', /outside \/private\/ and \/public\//],
    ['/publicity/o/x', /outside/],
    ['/PRIVATE/o/x', /outside/], // case-sensitive on purpose: Dixa's paths are lowercase and the server decides
    ['/Public/o/x', /outside/],
    ['/private', /outside/],
    ['/public', /outside/],
    ['/', /outside/],
    ['/other/o/x', /outside/],
    ['/api/private/o/x', /outside/],
    ['https://files.dixa.io/', /outside/],
    ['https://files.dixa.io/x/private/o', /outside/],
    ['https://files.dixa.io', /no path/],
    ['/private/', /names a folder, not a file/],
    ['/public/', /names a folder, not a file/],
    ['/private/o/', /names a folder, not a file/],
    ['/private//x', /empty segment/],
    ['/private/o//x', /empty segment/],
    ['/private/o/x#frag', /fragment/],
    ['https://files.dixa.io/private/o/x#', /fragment/],
  ])('path: %s', (raw, why) => {
    expect(reason(raw)).toMatch(why);
  });

  it('rejects empty and absurdly long links', () => {
    expect(reason('')).toMatch(/empty/);
    expect(reason(`/private/o/${'a'.repeat(MAX_LINK_LENGTH)}`)).toMatch(/longer than 2048 characters/);
    expect(reason(`/private/o/${'a'.repeat(1_000_000)}`)).toMatch(/longer than 2048 characters/);
  });

  it('rejects a link that grows beyond the job contract once percent-encoded', () => {
    // 1,000 characters in, 9,000+ out: the url must still fit a FileJob (MAX_URL_LENGTH).
    const raw = `/private/o/${'é'.repeat(1000)}`;
    expect(raw.length).toBeLessThanOrEqual(MAX_LINK_LENGTH);
    expect(reason(raw)).toMatch(new RegExp(`longer than ${MAX_URL_LENGTH} characters once encoded`));
    expect(accepted(`/private/o/${'é'.repeat(400)}`).url.length).toBeLessThanOrEqual(MAX_URL_LENGTH);
  });

  it.each([
    null,
    undefined,
    42,
    true,
    {},
    ['/private/o/x'],
    { url: '/private/o/x' },
    new URL('https://files.dixa.io/private/o/x'),
  ])('non-string: %j', (raw) => {
    expect(reason(raw)).toBe('link is not a string');
  });
});

describe('isFilesOrigin (before credentials are sent)', () => {
  it.each([
    ['https://files.dixa.io/private/o/x', true],
    ['https://files.dixa.io:443/private/o/x', true],
    ['https://FILES.dixa.io/private/o/x', true],
    ['https://files.dixa.io:8443/private/o/x', false],
    ['http://files.dixa.io/private/o/x', false],
    ['https://x@files.dixa.io/private/o/x', false],
    ['https://x:y@files.dixa.io/private/o/x', false],
    ['https://:y@files.dixa.io/private/o/x', false],
    ['https://files.dixa.io.evil.com/private/o/x', false],
    ['https://s3.eu-west-1.amazonaws.com/bucket/x', false],
  ])('%s → %s', (url, expected) => {
    expect(isFilesOrigin(new URL(url), dixa)).toBe(expected);
  });

  it.each([
    [`${LOOPBACK}/private/o/x`, true],
    ['http://127.0.0.1:4568/private/o/x', false],
    ['http://localhost:4567/private/o/x', false],
    ['https://127.0.0.1:4567/private/o/x', false],
  ])('loopback base: %s → %s', (url, expected) => {
    expect(isFilesOrigin(new URL(url), loopback)).toBe(expected);
  });
});
