/**
 * Dixa file links: the only way a URL enters the pipeline.
 *
 * Dixa hands out three forms — `https://files.dixa.io/private/...`, `/private/...` and `/public/...` — and every
 * one of them is normalized here against the configured files base URL. Anything that does not normalize to that
 * exact origin and to a clean `/private/` or `/public/` path is rejected with a reason (no SSRF, no traversal).
 */

export const DEFAULT_FILES_BASE_URL = 'https://files.dixa.io';
export const MAX_LINK_LENGTH = 2048;
/** Bound of a normalized URL (percent-encoding can multiply a link's length by 9): what a FileJob may carry. */
export const MAX_URL_LENGTH = 4096;

export type Visibility = 'private' | 'public';

export interface NormalizedLink {
  /** Absolute URL on the files host, e.g. `https://files.dixa.io/private/org/abc`. */
  url: string;
  /** Path and query only: the same on every deployment, so it is what file identity is built from. */
  path: string;
  visibility: Visibility;
}

export type LinkResult = ({ ok: true } & NormalizedLink) | { ok: false; reason: string };

/** The origin links are resolved against, parsed once from configuration. */
export interface FilesOrigin {
  /** `https://files.dixa.io` (no trailing slash). */
  origin: string;
  protocol: string;
  /** host[:port] exactly as an absolute link must spell it (lowercase). */
  authority: string;
}

/** Plain http is for tests and local mode only: the fakes of Dixa listen on loopback. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const isLoopbackHostname = (hostname: string): boolean => LOOPBACK_HOSTS.has(hostname.toLowerCase());

/**
 * A Dixa origin from configuration (files host, API, exports): credentials are sent there, so https only (plain
 * http only on loopback), and an origin without userinfo, path, query or fragment. Errors name `what`.
 */
export function parseDixaOrigin(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${what} is not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHostname(url.hostname))) {
    throw new Error(`${what} must be https (http only on a loopback host: 127.0.0.1, localhost, [::1])`);
  }
  if (url.username || url.password) throw new Error(`${what} must not carry credentials`);
  if (url.pathname !== '/' || url.search || url.hash) throw new Error(`${what} must be an origin only`);
  return url;
}

export function parseFilesBaseUrl(value: string = DEFAULT_FILES_BASE_URL): FilesOrigin {
  const url = parseDixaOrigin(value, 'files base URL');
  return { origin: url.origin, protocol: url.protocol, authority: url.host.toLowerCase() };
}

const reject = (reason: string): LinkResult => ({ ok: false, reason });
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function normalizeLink(raw: unknown, files: FilesOrigin): LinkResult {
  if (typeof raw !== 'string') return reject('link is not a string');
  if (raw.length === 0) return reject('link is empty');
  if (raw.length > MAX_LINK_LENGTH) return reject(`link is longer than ${MAX_LINK_LENGTH} characters`);
  if (CONTROL.test(raw)) return reject('link contains control characters');
  if (raw.includes('\\')) return reject('link contains a backslash');
  if (raw.includes('#')) return reject('link contains a fragment');

  let pathAndQuery: string;
  if (raw.startsWith('/')) {
    if (raw.startsWith('//')) return reject('protocol-relative link');
    pathAndQuery = raw;
  } else {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
    if (!scheme) return reject('link is neither absolute nor a /private/ or /public/ path');
    const protocol = `${scheme[1]!.toLowerCase()}:`;
    const web = protocol === 'http:' || protocol === 'https:';
    if (!web) return reject(`scheme ${scheme[1]} is not allowed`);
    const rest = raw.slice(scheme[0].length);
    const slash = rest.indexOf('/');
    const authority = slash === -1 ? rest : rest.slice(0, slash);
    if (authority.includes('@')) return reject('link carries userinfo');
    // The host first: a link to another host is refused for its host, whichever of http/https it uses.
    const sameAuthority = authority.toLowerCase() === files.authority;
    if (sameAuthority && protocol !== files.protocol) return reject(`scheme ${scheme[1]} is not allowed`);
    if (!sameAuthority) {
      const bareHost = authority.replace(/:\d*$/, '').toLowerCase();
      if (bareHost === files.authority.replace(/:\d+$/, '') && bareHost !== authority.toLowerCase()) {
        return reject('link names an explicit port');
      }
      return reject(`host ${JSON.stringify(authority)} is not the files host`);
    }
    if (slash === -1) return reject('link has no path');
    pathAndQuery = rest.slice(slash);
  }

  const queryAt = pathAndQuery.indexOf('?');
  const path = queryAt === -1 ? pathAndQuery : pathAndQuery.slice(0, queryAt);
  const query = queryAt === -1 ? '' : pathAndQuery.slice(queryAt);

  const pathProblem = checkPath(path);
  if (pathProblem) return reject(pathProblem);

  // Re-serialize through WHATWG URL so non-ASCII is percent-encoded, then make sure nothing about the result moved
  // (it cannot, after the checks above, but this is the last line of defence). Spaces are encoded first: WHATWG
  // strips trailing ones, which would silently name another file (`/private/o/ ` is not the folder `/private/o/`).
  const url = new URL((path + query).replaceAll(' ', '%20'), files.origin);
  if (url.origin !== files.origin || url.pathname.split('/').includes('..'))
    return reject('link escapes the files host');
  const normalizedPath = canonicalEncoding(url.pathname, PATH_LITERAL) + canonicalEncoding(url.search, QUERY_LITERAL);
  const normalizedUrl = files.origin + normalizedPath;
  if (normalizedUrl.length > MAX_URL_LENGTH)
    return reject(`link is longer than ${MAX_URL_LENGTH} characters once encoded`);
  const visibility = url.pathname.startsWith('/private/') ? 'private' : 'public';
  return { ok: true, url: normalizedUrl, path: normalizedPath, visibility };
}

/** RFC 3986 unreserved characters: encoding them changes nothing, so they are always decoded. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
/** What a path (pchar and "/") or a query (also "?") may hold unencoded; anything else is percent-encoded. */
const PATH_LITERAL = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]$/;
const QUERY_LITERAL = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?]$/;

/**
 * One spelling per file (RFC 3986 §6.2.2): uppercase hex digits, unreserved characters decoded, characters a URI
 * may not hold raw (WHATWG leaves `|`, `^`, `[`, `]`, ... as they are) encoded. Reserved characters keep the form
 * they were sent in, since `%2B` and `+` may mean different things to the server. The input is WHATWG output: ASCII.
 */
function canonicalEncoding(text: string, literal: RegExp): string {
  return text.replace(/%([0-9A-Fa-f]{2})|[\s\S]/g, (match, hex: string | undefined) => {
    if (hex !== undefined) {
      const char = String.fromCharCode(Number.parseInt(hex, 16));
      return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
    }
    // A stray "%" (possible only in a query: paths with one are rejected) becomes %25, as lenient servers read it;
    // left alone, decoding its neighbours could turn `%%41` into `%A` and then `%AA` on the next pass.
    if (literal.test(match)) return match;
    return `%${match.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  });
}

function checkPath(path: string): string | undefined {
  if (!path.startsWith('/private/') && !path.startsWith('/public/')) return 'path is outside /private/ and /public/';
  const segments = path.split('/').slice(1);
  if (segments.length < 2) return 'path names no file';
  for (const [i, segment] of segments.entries()) {
    if (segment === '')
      return i === segments.length - 1 ? 'path names a folder, not a file' : 'path has an empty segment';
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return 'path has malformed percent-encoding';
    }
    if (decoded === '.' || decoded === '..') return 'path has a dot segment (traversal)';
    if (/[/\\]/.test(decoded)) return 'path has an encoded slash or backslash';
    if (CONTROL.test(decoded)) return 'path has encoded control characters';
  }
  return undefined;
}

/** Origin check for a URL we are about to send credentials to. */
export function isFilesOrigin(url: URL, files: FilesOrigin): boolean {
  return url.origin === files.origin && url.username === '' && url.password === '';
}
