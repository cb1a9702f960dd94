/**
 * The Dixa read APIs the backfill, the sweep and the person lookup use, behind one careful HTTP client:
 * - the Exports API (`Authorization: Bearer <token>`), ≤ 10 requests a minute for both of its endpoints:
 *   `GET {exports}/v1/message_export` and `GET {exports}/v1/conversation_export` (anonymized conversations);
 * - the Dixa API (`Authorization: <token>`), ≤ 10 requests a second: the message API
 *   `GET {api}/v1/conversations/{csid}/messages`, the conversation resource `GET {api}/v1/conversations/{csid}`, the
 *   organization's activity log `GET {api}/v1/conversations/activitylog` (paged), and end users
 *   `GET {api}/v1/endusers?email=|phone=|externalId=` and `GET {api}/v1/endusers/{id}/conversations`, paged
 *   (`pageKey`, `meta.next`).
 * Every attempt, retries included, takes a slot from that API's Pacer, so retries count against the limit.
 * 429 waits for Retry-After (seconds or an HTTP date) or backs off; 5xx, resets, timeouts and unreadable
 * bodies back off exponentially with jitter; 401/403 is fatal for the whole run; other 4xx fail the one request.
 * Redirects are not followed: the token is only ever sent to the configured origins.
 */
import { STATUS_CODES } from 'node:http';
import { UserError } from '../commons/errors.ts';
import { parseDixaOrigin } from '../core/links.ts';
import { type Clock, Pacer, systemClock } from './pacer.ts';
import { exportQuery, type Window } from './windows.ts';

export const DEFAULT_EXPORTS_BASE_URL = 'https://exports.dixa.io';
export const DEFAULT_API_BASE_URL = 'https://dev.dixa.io';
export const EXPORT_REQUESTS_PER_MINUTE = 10;
export const MESSAGE_API_REQUESTS_PER_SECOND = 10;
/** Entries asked for per activity-log page (Dixa caps it as it likes; fewer pages, fewer requests). */
export const ACTIVITY_PAGE_LIMIT = 1000;
/** A runaway guard: a few days of an organization's activity log are far fewer pages. */
const MAX_ACTIVITY_PAGES = 10_000;

export type DixaApi = 'export' | 'messages';

/** A guard against runaway paging (a Dixa bug or a loop): far more pages than one person has. */
export const MAX_PAGES = 1000;

export interface EndUserQuery {
  field: 'email' | 'phone' | 'externalId';
  value: string;
}

/** An end user as Dixa returns it (the fields a person search uses; the rest is ignored). */
export interface EndUser {
  id: string;
  email?: string;
  phoneNumber?: string;
  externalId?: string;
  additionalEmails: string[];
  additionalPhoneNumbers: string[];
}

/** A request that failed for good. `fatal` (401/403) means no other request can succeed either. */
export class DixaError extends Error {
  constructor(
    message: string,
    readonly fatal = false,
  ) {
    super(message);
    this.name = 'DixaError';
  }
}

export interface DixaClientOptions {
  token: string;
  exportsBaseUrl?: string;
  apiBaseUrl?: string;
  clock?: Clock;
  /** [0, 1): jitter source, injectable for tests. */
  random?: () => number;
  /** Attempts per request, the first one included. */
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** A Retry-After longer than this fails the request instead of stalling the run. */
  maxRetryAfterMs?: number;
  timeoutMs?: number;
  /** Called whenever a request has to wait before its retry (for progress output). */
  onRetry?: (event: { api: DixaApi; reason: string; waitMs: number }) => void;
}

export class DixaClient {
  readonly exportPacer: Pacer;
  readonly messagesPacer: Pacer;
  private readonly exportsBase: URL;
  private readonly apiBase: URL;
  private readonly clock: Clock;

  constructor(private readonly options: DixaClientOptions) {
    this.clock = options.clock ?? systemClock;
    this.exportsBase = new URL(options.exportsBaseUrl ?? DEFAULT_EXPORTS_BASE_URL);
    this.apiBase = new URL(options.apiBaseUrl ?? DEFAULT_API_BASE_URL);
    this.exportPacer = Pacer.perPeriod(EXPORT_REQUESTS_PER_MINUTE, 60_000, this.clock);
    this.messagesPacer = Pacer.perPeriod(MESSAGE_API_REQUESTS_PER_SECOND, 1_000, this.clock);
  }

  /** The export rows Dixa returns for a window's query (a superset of the window; see windows.ts). */
  async exportMessages(window: Window): Promise<unknown[]> {
    const url = new URL('/v1/message_export', this.exportsBase);
    for (const [name, value] of Object.entries(exportQuery(window))) url.searchParams.set(name, value);
    const body = await this.getJson('export', url, `Bearer ${this.options.token}`);
    if (!Array.isArray(body)) throw new DixaError(`${url.host} answered with ${describe(body)}, not a JSON array`);
    return body;
  }

  /**
   * Conversation export rows updated within a window (`updated_after` / `updated_before`, with the same 1 ms widening
   * as the message export: a superset of the window). A conversation Dixa anonymized carries `anonymized_at`.
   */
  async exportConversations(window: Window): Promise<unknown[]> {
    const url = new URL('/v1/conversation_export', this.exportsBase);
    const { created_after: after, created_before: before } = exportQuery(window);
    url.searchParams.set('updated_after', after);
    url.searchParams.set('updated_before', before);
    const body = await this.getJson('export', url, `Bearer ${this.options.token}`);
    if (!Array.isArray(body)) throw new DixaError(`${url.host} answered with ${describe(body)}, not a JSON array`);
    return body;
  }

  /** The conversation resource (`data` of `GET /v1/conversations/{csid}`); undefined when Dixa does not know it (404). */
  async conversation(csid: string): Promise<Record<string, unknown> | undefined> {
    const url = new URL(`/v1/conversations/${encodeURIComponent(csid)}`, this.apiBase);
    const body = await this.getJson('messages', url, this.options.token, { notFound: true });
    if (body === NOT_FOUND) return undefined;
    const data = body !== null && typeof body === 'object' ? (body as { data?: unknown }).data : undefined;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new DixaError(`${url.host} answered with ${describe(body)}, not {"data": {...}}`);
    }
    return data as Record<string, unknown>;
  }

  /**
   * The organization's activity log between two times, one page at a time (`data`), following `meta.next` — a URL
   * or a bare page key. Only the page key is taken from it: the token goes to the configured origin and nowhere else.
   */
  async *activityLog(from: Date, to: Date): AsyncGenerator<unknown[]> {
    let pageKey: string | undefined;
    for (let page = 0; page < MAX_ACTIVITY_PAGES; page++) {
      const url = new URL('/v1/conversations/activitylog', this.apiBase);
      url.searchParams.set('fromDatetime', from.toISOString());
      url.searchParams.set('toDatetime', to.toISOString());
      url.searchParams.set('pageLimit', String(ACTIVITY_PAGE_LIMIT));
      if (pageKey) url.searchParams.set('pageKey', pageKey);
      const body = await this.getJson('messages', url, this.options.token);
      const { data, meta } = (body ?? {}) as { data?: unknown; meta?: { next?: unknown } | null };
      if (!Array.isArray(data)) throw new DixaError(`${url.host} answered with ${describe(body)}, not {"data": [...]}`);
      yield data;
      const next = meta?.next;
      pageKey = typeof next === 'string' && next !== '' ? nextPageKey(next) : undefined;
      if (!pageKey) return;
    }
    throw new DixaError(`the activity log did not end within ${MAX_ACTIVITY_PAGES} pages`);
  }

  /** The messages of one conversation (`data` of the message API's answer). */
  async conversationMessages(csid: string): Promise<unknown[]> {
    const url = new URL(`/v1/conversations/${encodeURIComponent(csid)}/messages`, this.apiBase);
    const body = await this.getJson('messages', url, this.options.token);
    const data = body !== null && typeof body === 'object' ? (body as { data?: unknown }).data : undefined;
    if (!Array.isArray(data)) throw new DixaError(`${url.host} answered with ${describe(body)}, not {"data": [...]}`);
    return data;
  }

  /** Dixa's end users matching one identity (`email`, `phone` or `externalId`), every page. */
  async findEndUsers(by: EndUserQuery): Promise<EndUser[]> {
    const url = new URL('/v1/endusers', this.apiBase);
    url.searchParams.set(by.field, by.value);
    const users: EndUser[] = [];
    for await (const page of this.pages(url)) users.push(...page.map((row) => toEndUser(row, url)));
    return users;
  }

  /** The conversations an end user requested, as csids, every page. */
  async endUserConversations(userId: string): Promise<string[]> {
    const url = new URL(`/v1/endusers/${encodeURIComponent(userId)}/conversations`, this.apiBase);
    const csids: string[] = [];
    for await (const page of this.pages(url)) csids.push(...page.map((row) => toCsid(row, url)));
    return csids;
  }

  /**
   * Every page's `data` in turn, following `meta.next` (a page key, or a URL on the API's own origin: the token goes
   * nowhere else) until there is none. A page asked for twice, or more than MAX_PAGES, is an error, not a loop.
   */
  private async *pages(first: URL): AsyncGenerator<unknown[]> {
    const seen = new Set<string>();
    for (let url: URL | undefined = first; url; ) {
      if (seen.has(url.href)) throw new DixaError(`${first.host} pointed the next page back at a page already read`);
      if (seen.size >= MAX_PAGES) throw new DixaError(`${first.host} kept paging past ${MAX_PAGES} pages: stopped`);
      seen.add(url.href);
      const body = await this.getJson('messages', url, this.options.token);
      const data = body !== null && typeof body === 'object' ? (body as { data?: unknown }).data : undefined;
      if (!Array.isArray(data)) throw new DixaError(`${url.host} answered with ${describe(body)}, not {"data": [...]}`);
      yield data;
      const next = (body as { meta?: { next?: unknown } | null }).meta?.next;
      url = typeof next === 'string' && next !== '' ? this.nextPage(first, next) : undefined;
    }
  }

  private nextPage(first: URL, next: string): URL {
    if (/^https?:\/\//i.test(next) || next.startsWith('/')) {
      const url = new URL(next, this.apiBase);
      if (url.origin !== this.apiBase.origin) {
        throw new DixaError(`${this.apiBase.host} pointed the next page at another origin (${url.origin}): refused`);
      }
      return url;
    }
    const url = new URL(first);
    url.searchParams.set('pageKey', next);
    return url;
  }

  private async getJson(api: DixaApi, url: URL, authorization: string, { notFound = false } = {}): Promise<unknown> {
    const {
      maxAttempts = 8,
      baseBackoffMs = 2_000,
      maxBackoffMs = 60_000,
      maxRetryAfterMs = 10 * 60_000,
      timeoutMs = 5 * 60_000,
      random = Math.random,
    } = this.options;
    const pacer = api === 'export' ? this.exportPacer : this.messagesPacer;
    const retryLater = (reason: string, waitMs: number) => {
      pacer.holdUntil(this.clock.now() + waitMs);
      this.options.onRetry?.({ api, reason, waitMs });
    };
    const backoff = (attempt: number) => {
      const ceiling = Math.min(maxBackoffMs, baseBackoffMs * 2 ** (attempt - 1));
      return Math.round(ceiling / 2 + (random() * ceiling) / 2);
    };

    let lastProblem = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      await pacer.take();
      let status: number;
      let retryAfter: string | null;
      let text: string;
      try {
        const response = await fetch(url, {
          headers: { authorization, accept: 'application/json' },
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await response.text();
      } catch (error: unknown) {
        lastProblem = `${url.host}: ${networkProblem(error, timeoutMs)}`;
        retryLater(lastProblem, backoff(attempt));
        continue;
      }
      const answered = `${url.host} answered ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
      if (status >= 200 && status < 300) {
        try {
          return JSON.parse(text);
        } catch {
          lastProblem = `${answered} with a body that is not JSON`;
          retryLater(lastProblem, backoff(attempt));
          continue;
        }
      }
      if (status === 404 && notFound) return NOT_FOUND;
      if (status === 401 || status === 403) {
        throw new DixaError(`Dixa rejected the API token: ${answered}${detail(text)}`, true);
      }
      if (status === 429) {
        lastProblem = answered;
        const waitMs = parseRetryAfter(retryAfter, this.clock.now()) ?? backoff(attempt);
        if (waitMs > maxRetryAfterMs) {
          throw new DixaError(`${answered} and asks to wait ${Math.ceil(waitMs / 1000)} s: run the backfill later`);
        }
        retryLater(lastProblem, waitMs);
        continue;
      }
      if (status >= 500) {
        lastProblem = `${answered}${detail(text)}`;
        retryLater(lastProblem, backoff(attempt));
        continue;
      }
      throw new DixaError(`${answered}${detail(text)}`);
    }
    throw new DixaError(`gave up after ${maxAttempts} attempts, last: ${lastProblem}`);
  }
}

/** What `getJson` returns for a 404 its caller expects (an unknown conversation). */
const NOT_FOUND = Symbol('not found');

/** The page key of `meta.next`: the `pageKey` parameter of a URL, or the value itself when it is no URL. */
function nextPageKey(next: string): string | undefined {
  if (!URL.canParse(next)) return next;
  return new URL(next).searchParams.get('pageKey') || undefined;
}

/** Retry-After as delay-seconds or an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP dates start with a day name ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse alone would take "-3" as a year.
  const at = /^[A-Za-z]{3}/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function networkProblem(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no complete answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  return cause?.code && !message.includes(cause.code) ? `${message} (${cause.code})` : message;
}

/** The error text Dixa sent, on one short line. */
function detail(text: string): string {
  let message = text;
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof body?.message === 'string') message = body.message;
    else if (typeof body?.error === 'string') message = body.error;
  } catch {}
  const line = message.replace(/\s+/g, ' ').trim();
  if (!line) return '';
  return `: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`;
}

/** An end-user row; one without an id fails the whole answer (a search that silently drops people cannot be trusted). */
function toEndUser(row: unknown, url: URL): EndUser {
  const r = (row !== null && typeof row === 'object' ? row : {}) as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id === '') throw new DixaError(`${url.host} listed an end user without an id`);
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const texts = (value: unknown) =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
  const [email, phoneNumber, externalId] = [text(r.email), text(r.phoneNumber), text(r.externalId)];
  return {
    id: r.id,
    ...(email ? { email } : {}),
    ...(phoneNumber ? { phoneNumber } : {}),
    ...(externalId ? { externalId } : {}),
    additionalEmails: texts(r.additionalEmails),
    additionalPhoneNumbers: texts(r.additionalPhoneNumbers),
  };
}

/** A conversation row's csid (`id`, a number or a numeric string); a row without one fails the whole answer. */
function toCsid(row: unknown, url: URL): string {
  const id = row !== null && typeof row === 'object' ? (row as { id?: unknown }).id : undefined;
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return String(id);
  if (typeof id === 'string' && /^\d{1,20}$/.test(id)) return BigInt(id).toString();
  throw new DixaError(`${url.host} listed a conversation without a numeric id`);
}

function describe(body: unknown): string {
  if (body === null) return 'null';
  if (Array.isArray(body)) return 'an array';
  return typeof body === 'object' ? 'an object' : `a ${typeof body}`;
}

/**
 * A Dixa API base URL from configuration: the token is sent there, so https only (plain http only on loopback,
 * for the fake in tests and local mode), an origin without credentials, path, query or fragment.
 */
export function parseDixaBaseUrl(value: string, name: string): string {
  try {
    return parseDixaOrigin(value, name).origin;
  } catch (error) {
    throw new UserError((error as Error).message);
  }
}
