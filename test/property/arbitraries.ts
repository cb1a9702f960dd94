/**
 * Generators shared by the property suites: arbitrary text, and link-shaped text built from the pieces that
 * SSRF and traversal attacks are made of, so the interesting corners are reached in a few hundred runs.
 */
import fc from 'fast-check';

/** Any string: every code point, lone surrogates included. */
export const anyText = (maxLength = 300) =>
  fc.oneof(
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ maxLength }),
  );

const LINK_STARTS = [
  '',
  '/',
  '/private/',
  '/public/',
  '/private/org-1/',
  'https://files.dixa.io',
  'https://files.dixa.io/private/',
  'HTTPS://FILES.DIXA.IO/public/',
  'http://files.dixa.io/private/',
  'https://files.dixa.io:443/private/',
  'https://files.dixa.io:/private/',
  'https://files.dixa.io./private/',
  'https://files.dixa.io.evil.com/private/',
  'https://evil.com/files.dixa.io/private/',
  'https://x@files.dixa.io/private/',
  'https://files.dixa.io@evil.com/private/',
  'https://files.dixa.io\\@evil.com/private/',
  'https://files.dixa.io%2f@evil.com/private/',
  'https://127.0.0.1/private/',
  'https://[::1]/private/',
  'https://169.254.169.254/',
  'https://localhost/private/',
  'https://xn--fles-8na.dixa.io/private/',
  '//evil.com/private/',
  '///files.dixa.io/private/',
  'https:/files.dixa.io/private/',
  'https:files.dixa.io/private/',
  'file:///private/',
  'javascript:',
  'data:text/html,',
  'http://127.0.0.1:4567/private/',
  'http://127.0.0.1:4568/private/',
  'http://localhost:4567/private/',
  ' https://files.dixa.io/private/',
  '\thttps://files.dixa.io/private/',
];

const LINK_PIECES = [
  'a',
  'B',
  '0',
  'file.pdf',
  '/',
  '//',
  '.',
  '..',
  '/../',
  '/./',
  '%2e',
  '%2E',
  '%2e%2e',
  '.%2e',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '%25',
  '%252e',
  '%00',
  '%0a',
  '%0D',
  '%7f',
  '%c2%85',
  '%c0%ae',
  '%',
  '%z',
  '%c3%a9',
  '%C3%A9',
  '%7e',
  '%41',
  '%2B',
  '+',
  '\\',
  '?',
  '?x=1',
  '&',
  '=',
  '#',
  '@',
  ':',
  ':443',
  ';',
  'é',
  'e\u0301',
  '日本',
  '👍',
  '\ud800',
  ' ',
  '\t',
  '\n',
  '\u0000',
  '\u0085',
  '\u00a0',
  '\u202e',
  '\u200b',
  '\ufeff',
  '。',
  '／',
  '~',
  '|',
  '^',
  '[',
  ']',
  '{',
  '"',
  "'",
  '<',
  '`',
  'private',
  'public',
  'PRIVATE',
  'files.dixa.io',
  'evil.com',
  'localhost',
];

/** Text shaped like a link, made of the pieces attacks are made of. */
export const linkLike = fc
  .tuple(fc.constantFrom(...LINK_STARTS), fc.array(fc.constantFrom(...LINK_PIECES), { maxLength: 24 }))
  .map(([start, pieces]) => start + pieces.join(''));

/** Well-formed web URLs with any authority (IPv4/IPv6 literals, ports, userinfo), query and fragment. */
export const webUrl = fc.webUrl({
  validSchemes: ['https', 'http', 'ftp', 'file'],
  withQueryParameters: true,
  withFragments: true,
  authoritySettings: { withIPv4: true, withIPv6: true, withIPv4Extended: true, withPort: true, withUserInfo: true },
});

/** Paths and queries on the files host, in forms 1, 2 and 3. */
export const filesLink = fc
  .tuple(
    fc.constantFrom('https://files.dixa.io/private', '/private', '/public', 'https://files.dixa.io/public'),
    fc.webPath(),
    fc.option(fc.webQueryParameters(), { nil: undefined }),
  )
  .map(([start, path, query]) => `${start}${path}${query === undefined ? '' : `?${query}`}`);

/** Anything a link field could hold. */
export const anyLink = fc.oneof(
  { weight: 4, arbitrary: linkLike },
  { weight: 2, arbitrary: filesLink },
  { weight: 1, arbitrary: webUrl },
  { weight: 1, arbitrary: anyText(100) },
  { weight: 1, arbitrary: fc.anything() },
);

/** Characters whose percent-encoded and literal forms mean the same thing (unreserved, or never valid raw). */
const EQUIVALENT_CHARS = [...'abcXYZ019-._~ |^[]{}"<>`', 'é', 'ß', '日', '👍', 'Ω'];

function percentEncode(char: string, upper: boolean): string {
  const hex = [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  return upper ? hex.toUpperCase() : hex;
}

/** One file name spelled two ways: each character literal, or percent-encoded in upper or lower case. */
export const twoSpellings = fc
  .array(
    fc.tuple(
      fc.constantFrom(...EQUIVALENT_CHARS),
      fc.constantFrom('raw', 'upper', 'lower'),
      fc.constantFrom('raw', 'upper', 'lower'),
    ),
    { minLength: 1, maxLength: 20 },
  )
  .filter((chars) => !/^\.{1,2}$/.test(chars.map(([c]) => c).join('')))
  .map((chars) => {
    const spell = (choice: 'raw' | 'upper' | 'lower', char: string) =>
      choice === 'raw' ? char : percentEncode(char, choice === 'upper');
    return [chars.map(([c, a]) => spell(a, c)).join(''), chars.map(([c, , b]) => spell(b, c)).join('')] as const;
  });

/** numRuns for a property: small enough for CI, multiplied by PROPERTY_RUNS_FACTOR for a deep run. */
export function runs(count: number): number {
  const factor = Number(process.env.PROPERTY_RUNS_FACTOR ?? '1');
  return Number.isFinite(factor) && factor > 0 ? Math.ceil(count * factor) : count;
}
