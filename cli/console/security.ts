/**
 * Who may talk to the console, and how. It serves an archive of personal data from the officer's own machine, so:
 * - it listens on 127.0.0.1 only (server.ts);
 * - the Host header must name this console (a DNS-rebinding page reaches 127.0.0.1 under a foreign name);
 * - a browser request from another origin is refused (Origin / Sec-Fetch-Site), whatever its method;
 * - the one-time token printed in the start URL is exchanged, once, for a session cookie (HttpOnly, SameSite=Strict);
 *   every other request needs that cookie;
 * - a request that changes or exports anything is a POST carrying the session's CSRF token (a header for fetch, a
 *   form field for the zip download), and its Origin must be this console's; other methods are refused;
 * - every response carries a strict Content-Security-Policy (no inline script, nothing from another origin, Trusted
 *   Types so that no string ever becomes markup) and is not cached.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';

export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = 'csrf';
const TOKEN_PARAM = 'token';

export interface Session {
  csrf: string;
}

export class Gatekeeper {
  readonly origins: ReadonlySet<string>;
  private readonly hosts: ReadonlySet<string>;
  private startToken: string | undefined;
  private readonly sessions = new Map<string, Session>();
  readonly cookieName: string;

  constructor(
    readonly port: number,
    startToken = newSecret(),
  ) {
    this.hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    this.origins = new Set([...this.hosts].map((host) => `http://${host}`));
    this.startToken = startToken;
    // Cookies are shared by every port of a host: a name per port keeps two consoles apart.
    this.cookieName = `dixa_console_${port}`;
  }

  /** The URL to open: the one-time token rides in it once, and is replaced by a cookie at the first visit. */
  startUrl(): string {
    if (!this.startToken) throw new Error('the start token was already used');
    return `http://127.0.0.1:${this.port}/?${TOKEN_PARAM}=${this.startToken}`;
  }

  /** The whole gate, as one middleware in front of every route. */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const host = c.req.header('host') ?? '';
      if (!this.hosts.has(host.toLowerCase())) return refuse(c, 421, 'This console answers only to 127.0.0.1.');
      const origin = c.req.header('origin');
      if (origin !== undefined && !this.origins.has(origin))
        return refuse(c, 403, 'Requests from other sites are refused.');
      const site = c.req.header('sec-fetch-site');
      if (site !== undefined && site !== 'same-origin' && site !== 'none') {
        return refuse(c, 403, 'Requests from other sites are refused.');
      }

      const offered = c.req.query(TOKEN_PARAM);
      if (offered !== undefined && c.req.method === 'GET' && c.req.path === '/') return this.exchange(c, offered);

      const session = this.session(c);
      if (!session) {
        return refuse(
          c,
          401,
          'Open the link that "dixa-archiver console" printed (it works once); this browser has no session.',
        );
      }
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
        if (c.req.method !== 'POST') return refuse(c, 405, 'Method not allowed.');
        if (origin === undefined) return refuse(c, 403, 'A POST must say where it comes from (Origin).');
        if (!sameSecret(await csrfOffered(c), session.csrf)) return refuse(c, 403, 'Missing or wrong CSRF token.');
      }
      c.set('session' as never, session as never);
      await next();
    };
  }

  private exchange(c: Context, offered: string): Response {
    const existing = this.session(c);
    if (this.startToken && sameSecret(offered, this.startToken)) {
      this.startToken = undefined;
      const id = newSecret();
      this.sessions.set(id, { csrf: newSecret() });
      setCookie(c, this.cookieName, id, { httpOnly: true, sameSite: 'Strict', path: '/' });
      return c.redirect('/', 303);
    }
    // The link was used already (e.g. opened twice in the same browser): a browser with a session just goes on.
    if (existing) return c.redirect('/', 303);
    return refuse(c, 403, 'This link was already used or is wrong. Restart "dixa-archiver console" for a new one.');
  }

  session(c: Context): Session | undefined {
    const id = getCookie(c, this.cookieName);
    return id ? this.sessions.get(id) : undefined;
  }
}

/** Headers for every response; routes that serve archived files tighten the CSP further (files.ts). */
export const APP_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  mediaSrc: ["'self'"],
  connectSrc: ["'self'"],
  frameSrc: ["'self'"],
  formAction: ["'self'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
  requireTrustedTypesFor: ["'script'"],
  trustedTypes: ["'none'"],
};

export function securityHeaders(): MiddlewareHandler {
  const headers = secureHeaders({
    contentSecurityPolicy: APP_CSP,
    crossOriginResourcePolicy: 'same-origin',
    crossOriginOpenerPolicy: 'same-origin',
    referrerPolicy: 'same-origin', // no-referrer would make Chromium send "Origin: null" on the zip form's POST
    xFrameOptions: 'DENY',
    strictTransportSecurity: false,
    permissionsPolicy: { camera: [], microphone: [], geolocation: [] },
    overwrite: false, // file responses set their own, stricter CSP and allow being framed by the console
  });
  return async (c, next) => {
    await headers(c, async () => {
      await next();
      c.header('Cache-Control', 'no-store'); // personal data: never in the browser's disk cache
    });
  };
}

async function csrfOffered(c: Context): Promise<string | undefined> {
  const header = c.req.header(CSRF_HEADER);
  if (header !== undefined) return header;
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) return undefined;
  const form = await c.req.parseBody();
  const field = form[CSRF_FIELD];
  return typeof field === 'string' ? field : undefined;
}

function refuse(c: Context, status: 401 | 403 | 405 | 421, message: string): Response {
  return c.text(message, status);
}

function sameSecret(offered: string | undefined, expected: string): boolean {
  if (offered === undefined) return false;
  const a = Buffer.from(offered);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const newSecret = () => randomBytes(32).toString('base64url');
