/**
 * Finds secrets in output: known secret values, Dixa's Basic credentials (base64 of "bearer:<token>", which always
 * starts with `YmVhcmVyO`), Bearer tokens, and Authorization header values dumped by a logger or util.inspect.
 * A finding never contains the secret itself (it is reported, so it must not leak a second time).
 */

export interface Finding {
  /** Which rule matched, e.g. `known secret #3` or `Basic bearer: credentials`. */
  rule: string;
  /** The line around the match with the secret masked. */
  excerpt: string;
}

/** Values shorter than this are not scanned literally: they would match ordinary text. */
export const MIN_SECRET_LENGTH = 8;

const PATTERNS: [rule: string, pattern: RegExp][] = [
  ['Basic bearer: credentials', /YmVhcmVyO[A-Za-z0-9+/=]*/g],
  // A credential has a digit somewhere; "Bearer authentication" in prose does not.
  ['Bearer token', /\bBearer\s+(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}/gi],
  ['Authorization header value', /\bauthorization\s*:\s*(?:Basic|Bearer|Token)\s+\S+/gi],
  [
    'Authorization value in a dump',
    /\bauthorization["']?\s*[:=]\s*["'`](?!(?:\[?redacted\]?|<redacted>|\*+|present|absent|none)["'`])[^"'`\n]+["'`]/gi,
  ],
];

export interface SecretScanner {
  scan(text: string): Finding[];
}

export function createSecretScanner(secrets: readonly string[]): SecretScanner {
  const literals = [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))];
  const rules: [rule: string, pattern: RegExp][] = [
    ...literals.map((secret, i): [string, RegExp] => [`known secret #${i + 1}`, new RegExp(escapeRegExp(secret), 'g')]),
    ...PATTERNS,
  ];
  const mask = (line: string) =>
    rules.reduce((masked, [, pattern]) => masked.replace(pattern, (m) => `${m.slice(0, 3)}...[masked]`), line);
  return {
    scan(text) {
      const findings: Finding[] = [];
      for (const [rule, pattern] of rules) {
        for (const match of text.matchAll(pattern)) {
          findings.push({ rule, excerpt: excerpt(mask(lineAround(text, match.index))) });
        }
      }
      return findings;
    },
  };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function lineAround(text: string, at: number): string {
  const end = text.indexOf('\n', at);
  return text.slice(text.lastIndexOf('\n', at - 1) + 1, end === -1 ? text.length : end);
}

/** The masked line, from 60 characters before its first mask, at most 200 characters, printable ASCII only. */
function excerpt(masked: string): string {
  const from = Math.max(0, masked.indexOf('...[masked]') - 63);
  return masked
    .slice(from, from + 200)
    .replace(/[^\x20-\x7e]/g, ' ')
    .trim();
}
