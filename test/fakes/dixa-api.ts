/**
 * A fake of Dixa's read APIs on loopback (node:http, port 0), for the backfill's tests and local runs:
 * - `GET /v1/message_export?created_after=&created_before=` (Message Export API): `Authorization: Bearer <token>`
 *   (or the Basic `bearer:<token>` form), a bare JSON array, 400 beyond 31 days, its own limit of 10 requests in
 *   any sliding minute (429 + Retry-After);
 * - `GET /v1/conversations/{csid}/messages` (message API): `Authorization: <token>`, `{ data: [...] }`, 10 per second;
 * - `GET /v1/endusers?email=|phone=|externalId=` and `GET /v1/endusers/{id}/conversations` (end users, added with
 *   `addEndUser`): `Authorization: <token>`, paged with `pageLimit`/`pageKey` and `meta.next` (a path, a URL or a bare page key),
 *   400 for email and phone together, 404 for an unknown user; same token, so the same 10 per second as the message API.
 * - for the anonymization follower: the conversation export `GET /v1/conversation_export?updated_after=&updated_before=`
 *   (as the message export: Bearer, a bare array with `anonymized_at`, 31 days, the same limit, shared), the
 *   conversation resource `GET /v1/conversations/{csid}` (`_type: AnonymizedConversation` + `anonymizedAt` once
 *   anonymized) and the activity log `GET /v1/conversations/activitylog?fromDatetime=&toDatetime=&pageLimit=&pageKey=`
 *   (paged with an opaque page key, the server capping pageLimit; `ConversationMessageRedacted` among other entries),
 *   both with the message API's auth and limit. Tests anonymize conversations and redact messages with methods.
 * Rows are generated deterministically from a seed (so a year needs no fixture files) in the shapes of
 * /work/shared/dixa-api.md, and the fake knows its own ground truth: which valid file links it handed out and how
 * many invalid ones. Time comes from an injectable clock so rate-limit tests run on fake time. Faults (any status,
 * Retry-After, connection reset before or in the middle of the body) can be queued per API.
 *
 * With `serveFiles` it is also the files host its links point to: `GET /private/…` (Dixa's Basic `bearer:<token>`)
 * and `/public/…` answer deterministic content (`fakeFileContent`), so a backfill can be archived end to end.
 *
 * Run it on its own to try `dixa-archiver backfill` without a Dixa account (the README's local recipe); on its own
 * it serves the files too, and its links name itself unless --files-base-url says otherwise:
 *   npx tsx test/fakes/dixa-api.ts [--port 4010] [--token fake-token] [--files-base-url <origin>] [--seed 1]
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { contentDigestSync } from './files-server.ts';

export const DAY_MS = 86_400_000;
const MAX_SPAN_MS = 31 * DAY_MS;

export type FakeApi = 'export' | 'messages' | 'endusers';

/** An end user the fake knows, and the conversations they requested. */
export interface FakeEndUser {
  id: string;
  name?: string;
  email?: string | null;
  phoneNumber?: string | null;
  externalId?: string | null;
  additionalEmails?: string[];
  additionalPhoneNumbers?: string[];
  conversations: number[];
}
export type FakeRoute = 'message-export' | 'conversation-export' | 'messages' | 'conversation' | 'activitylog';
export type FakeKind = 'attachment' | 'recording' | 'voicemail' | 'inline-image' | 'original-email' | 'email-content';

/** A file link the fake handed out that the pipeline must archive (url as normalized against the files host). */
export interface ExpectedFile {
  conversationId: string;
  url: string;
  kind: FakeKind;
  /** For a MessengerForm FileMeta: the size and SHA-256 the fake published, of the files host's generated content. */
  size?: number;
  sha256?: string;
}

/** The size of every MessengerForm upload the fake describes (its FileMeta's `bytesLength`). */
export const FORM_FILE_SIZE = 5_000;

export interface FakeClock {
  now(): number;
  /** Advances fake time by `ms` and yields once, so tests never wait for real. */
  sleep(ms: number): Promise<void>;
  advance(ms: number): void;
}

export function createFakeClock(start = Date.UTC(2025, 0, 15, 12)): FakeClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    async sleep(ms) {
      now += Math.max(0, ms);
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

export type Fault = { status: number; retryAfter?: string; body?: string } | { reset: 'before-headers' | 'mid-body' };

export interface RecordedRequest {
  api: FakeApi | 'unknown';
  route?: FakeRoute;
  path: string;
  query: Record<string, string>;
  at: number;
  status: number | 'reset';
  retryAfter?: string;
}

export interface FakeDixaOptions {
  token: string;
  seed?: number;
  clock?: { now(): number };
  /** Absolute links in rows use this origin; relative ones resolve against it. */
  filesBaseUrl?: string;
  /** Also answer the file links (`/private/…`, `/public/…`) with `fakeFileContent`. */
  serveFiles?: boolean;
  /** Export rows per UTC day. */
  messagesPerDay?: number;
  /** How the fake reads created_after / created_before: both inclusive (default) or both exclusive. */
  boundaries?: 'inclusive' | 'exclusive';
  exportLimit?: { requests: number; windowMs: number };
  messagesLimit?: { requests: number; windowMs: number };
  retryAfter?: 'seconds' | 'http-date' | 'none';
  /** Conversations the message API answers 404 for. */
  missingConversations?: string[];
  /** Adds a few links that must be rejected (another host, traversal, another scheme). Default true. */
  badLinks?: boolean;
  /** Page size of the end-user endpoints (a client's larger pageLimit is capped to it). Default 2, to page early. */
  endUsersPageSize?: number;
  /** How `meta.next` names the next page: a path with its query (default), an absolute URL, or a bare page key. */
  nextPage?: 'path' | 'url' | 'key';
  /** The most activity-log entries one page holds, whatever pageLimit asks (small, so tests cross pages). Default 2. */
  activityPageMax?: number;
  /** How `meta.next` names the next activity-log page: a URL (default) or the bare page key. */
  activityNext?: 'url' | 'key';
}

export interface Generated<Row> {
  rows: Row[];
  files: ExpectedFile[];
  /** How many invalid links the rows carry. */
  badLinks: number;
}

export interface FakeDixaApi {
  /** Serves both APIs: use it as DIXA_EXPORTS_BASE_URL and DIXA_API_BASE_URL. */
  url: string;
  requests: RecordedRequest[];
  /** The next requests to `api` get these faults, one each, in order (after auth and the rate limit). */
  queueFaults(api: FakeApi, ...faults: Fault[]): void;
  /** Every request to `api` whose URL matches gets `fault`. */
  alwaysFail(api: FakeApi, match: (url: URL) => boolean, fault: Fault): void;
  /** Forgets every queued and standing fault (Dixa recovered). */
  clearFaults(): void;
  /** Ground truth: export rows with start ≤ created_at < end, and their files. */
  exportData(startMs: number, endMs: number): Generated<ExportRow>;
  conversationData(csid: string): Generated<MessageRow>;
  /** Dixa anonymizes a conversation at `atMs`: the resource, the conversation export and its update time change. */
  anonymizeConversation(csid: string, atMs: number): void;
  /**
   * Dixa redacts one message at `atMs`: an activity-log entry `ConversationMessageRedacted`, and the message's text
   * and files disappear from the message export.
   */
  redactMessage(csid: string, messageId: string, atMs: number, numberOfDeletedFiles: number): void;
  /** Dixa knows this end user (replaces one with the same id). */
  addEndUser(user: FakeEndUser): void;
  /** The most requests to `api` (or to any of several; any outcome) that fell in one sliding window of `windowMs`. */
  maxRequestsInWindow(api: FakeApi | FakeApi[], windowMs: number): number;
  close(): Promise<void>;
}

export interface ExportRow {
  id: string;
  csid: number;
  created_at: number;
  initial_channel: string;
  author_name: string | null;
  author_email: string | null;
  direction: string;
  text: string | null;
  from: string | null;
  to: string[];
  cc: string[];
  bcc: string[];
  duration: number | null;
  is_automated_message: boolean;
  attached_files: string[] | null;
  recording_url: string | null;
  voicemail_url: string | null;
}

export interface MessageRow {
  id: string;
  authorId: string;
  externalId: string | null;
  createdAt: string;
  attributes: Record<string, unknown>;
}

export async function startFakeDixaApi(options: FakeDixaOptions, port = 0): Promise<FakeDixaApi> {
  const clock = options.clock ?? { now: () => Date.now() };
  const seed = options.seed ?? 1;
  const files = new URL(options.filesBaseUrl ?? 'https://files.dixa.io').origin;
  const generator = new RowGenerator(seed, files, options.messagesPerDay ?? 4, options.badLinks ?? true);
  const limits = {
    export: options.exportLimit ?? { requests: 10, windowMs: 60_000 },
    messages: options.messagesLimit ?? { requests: 10, windowMs: 1_000 },
  };
  // One token, one limit: the end-user API counts against the message API's 10 a second.
  const served: Record<'export' | 'messages', number[]> = { export: [], messages: [] };
  const faults: Record<FakeApi, Fault[]> = { export: [], messages: [], endusers: [] };
  const endUsers = new Map<string, FakeEndUser>();
  const pageSize = options.endUsersPageSize ?? 2;
  const standing: { api: FakeApi; match: (url: URL) => boolean; fault: Fault }[] = [];
  const requests: RecordedRequest[] = [];
  const missing = new Set(options.missingConversations ?? []);
  const anonymized = new Map<string, number>();
  const redacted = new Set<string>();
  const activity: { at: number; entry: Record<string, unknown> }[] = [];
  let activitySequence = 0;
  const logActivity = (at: number, activityType: string, csid: string, attributes: Record<string, unknown>) => {
    activity.push({
      at,
      entry: {
        id: `activity-${++activitySequence}`,
        activityTimestamp: new Date(at).toISOString(),
        activityType,
        conversationId: Number(csid),
        author: { id: 'agent-1', name: 'Ada Agent' },
        attributes,
      },
    });
    activity.sort((a, b) => a.at - b.at);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const at = clock.now();
    const conversation = /^\/v1\/conversations\/([^/]+)\/messages$/.exec(url.pathname);
    const userConversations = /^\/v1\/endusers\/([^/]+)\/conversations$/.exec(url.pathname);
    const resource = /^\/v1\/conversations\/(\d+)$/.exec(url.pathname);
    const route: FakeRoute | undefined =
      url.pathname === '/v1/message_export'
        ? 'message-export'
        : url.pathname === '/v1/conversation_export'
          ? 'conversation-export'
          : url.pathname === '/v1/conversations/activitylog'
            ? 'activitylog'
            : conversation
              ? 'messages'
              : resource
                ? 'conversation'
                : undefined;
    const api: FakeApi | 'unknown' =
      route === 'message-export' || route === 'conversation-export'
        ? 'export'
        : route
          ? 'messages'
          : url.pathname === '/v1/endusers' || userConversations
            ? 'endusers'
            : 'unknown';
    const record: RecordedRequest = {
      api,
      ...(route ? { route } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      at,
      status: 0,
    };
    requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        ...headers,
      });
      res.end(text);
    };

    if (req.method !== 'GET') return send(405, { message: 'Method Not Allowed' });
    if (api === 'unknown' && options.serveFiles && /^\/(private|public)\//.test(url.pathname)) {
      const basic = `Basic ${Buffer.from(`bearer:${options.token}`).toString('base64')}`;
      if (url.pathname.startsWith('/private/') && req.headers.authorization !== basic) {
        return send(401, { message: 'Unauthorized' });
      }
      const body = fakeFileContent(url.pathname);
      record.status = 200;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      return res.end(body);
    }
    if (api === 'unknown') return send(404, { message: 'Not Found' });
    if (!authorized(api, req.headers.authorization, options.token)) return send(401, { message: 'Unauthorized' });

    const bucket = api === 'export' ? 'export' : 'messages';
    const limit = limits[bucket];
    const recent = served[bucket].filter((t) => t > at - limit.windowMs);
    served[bucket] = recent;
    if (recent.length >= limit.requests) {
      const waitMs = recent[0]! + limit.windowMs - at;
      const headers: Record<string, string> = {};
      if (options.retryAfter === 'http-date') {
        headers['retry-after'] = new Date(Math.ceil((at + waitMs) / 1000) * 1000).toUTCString();
      } else if (options.retryAfter !== 'none') {
        headers['retry-after'] = String(Math.max(1, Math.ceil(waitMs / 1000)));
      }
      record.retryAfter = headers['retry-after'];
      return send(429, { message: 'Too Many Requests' }, headers);
    }
    served[bucket].push(at);

    const fault = faults[api].shift() ?? standing.find((s) => s.api === api && s.match(url))?.fault;
    if (fault && 'reset' in fault) {
      record.status = 'reset';
      if (fault.reset === 'before-headers') return req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
      res.write('[{"id":"partial","csid":1,');
      setImmediate(() => req.socket.destroy());
      return;
    }
    if (fault) {
      record.status = fault.status;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (fault.retryAfter) headers['retry-after'] = record.retryAfter = fault.retryAfter;
      res.writeHead(fault.status, headers);
      return res.end(fault.body ?? JSON.stringify({ message: `injected ${fault.status}` }));
    }

    if (api === 'endusers') {
      const nextPage = (next: URL, key: string) =>
        options.nextPage === 'key'
          ? key
          : options.nextPage === 'url'
            ? `http://${req.headers.host}${next.pathname}${next.search}`
            : `${next.pathname}${next.search}`;
      const page = <T>(rows: T[]) => {
        const offset = Number(Buffer.from(url.searchParams.get('pageKey') ?? 'MA', 'base64url').toString()) || 0;
        const size = Math.min(pageSize, Number(url.searchParams.get('pageLimit')) || pageSize);
        const more = offset + size < rows.length;
        const key = Buffer.from(String(offset + size)).toString('base64url');
        const next = new URL(url);
        next.searchParams.set('pageKey', key);
        return {
          data: rows.slice(offset, offset + size),
          meta: more ? { next: nextPage(next, key) } : {},
        };
      };
      if (userConversations) {
        const user = endUsers.get(decodeURIComponent(userConversations[1]!));
        if (!user) return send(404, { message: 'End user not found' });
        return send(
          200,
          page(
            user.conversations.map((csid) => ({
              id: csid,
              requesterId: user.id,
              channel: 'EMAIL',
              createdAt: '2024-01-01T00:00:00.000Z',
            })),
          ),
        );
      }
      const email = url.searchParams.get('email');
      const phone = url.searchParams.get('phone');
      const externalId = url.searchParams.get('externalId');
      if (email !== null && phone !== null) return send(400, { message: 'email and phone cannot be combined' });
      const matches = [...endUsers.values()].filter((u) =>
        email !== null
          ? u.email?.toLowerCase() === email.toLowerCase()
          : phone !== null
            ? u.phoneNumber === phone
            : externalId !== null && u.externalId === externalId,
      );
      return send(
        200,
        page(
          matches.map(({ conversations: _, ...user }) => ({
            additionalEmails: [],
            additionalPhoneNumbers: [],
            ...user,
          })),
        ),
      );
    }
    if (route === 'conversation') {
      const csid = resource![1]!;
      if (missing.has(csid)) return send(404, { message: `Conversation ${csid} not found` });
      const anonymizedAt = anonymized.get(csid);
      const base = { id: Number(csid), requesterId: uuidOf(csid), channel: 'Email', createdAt: '2024-12-01T09:00:00Z' };
      return send(200, {
        data:
          anonymizedAt === undefined
            ? { ...base, _type: 'EmailConversation', state: 'Closed' }
            : // Dixa's own time format, as in its API reference: ISO 8601 with a zone suffix.
              {
                ...base,
                _type: 'AnonymizedConversation',
                anonymizedAt: `${new Date(anonymizedAt).toISOString()}[GMT]`,
              },
      });
    }
    if (route === 'activitylog') {
      const from = Date.parse(url.searchParams.get('fromDatetime') ?? '');
      const to = Date.parse(url.searchParams.get('toDatetime') ?? '');
      if (Number.isNaN(from) || Number.isNaN(to)) {
        return send(400, { message: 'fromDatetime and toDatetime are required (ISO 8601)' });
      }
      const entries = activity.filter((e) => e.at >= from && e.at <= to).map((e) => e.entry);
      let start = 0;
      const key = url.searchParams.get('pageKey');
      if (key) {
        const decoded = JSON.parse(Buffer.from(key, 'base64').toString() || '{}') as { offset?: unknown };
        if (typeof decoded.offset !== 'number') return send(400, { message: 'Invalid pageKey' });
        start = decoded.offset;
      }
      const asked = Number(url.searchParams.get('pageLimit') ?? '50') || 50;
      const size = Math.min(asked, options.activityPageMax ?? 2);
      const nextKey = Buffer.from(JSON.stringify({ offset: start + size })).toString('base64');
      const next = new URL(url.pathname, 'https://dev.dixa.io');
      for (const name of ['fromDatetime', 'toDatetime', 'pageLimit']) {
        const value = url.searchParams.get(name);
        if (value !== null) next.searchParams.set(name, value);
      }
      next.searchParams.set('pageKey', nextKey);
      return send(200, {
        data: entries.slice(start, start + size),
        meta: start + size < entries.length ? { next: options.activityNext === 'key' ? nextKey : next.href } : {},
      });
    }

    if (api === 'messages') {
      const csid = decodeURIComponent(conversation![1]!);
      if (!/^\d+$/.test(csid) || missing.has(csid)) return send(404, { message: `Conversation ${csid} not found` });
      return send(200, { data: generator.conversation(csid).rows });
    }

    const field = route === 'conversation-export' ? 'updated' : 'created';
    const after = parseBound(url.searchParams.get(`${field}_after`));
    const before = parseBound(url.searchParams.get(`${field}_before`));
    if (after === undefined || before === undefined) {
      return send(400, { message: `${field}_after and ${field}_before are required (YYYY-MM-DD or unix ms)` });
    }
    if (before < after) return send(400, { message: 'created_before must not be before created_after' });
    if (before - after > MAX_SPAN_MS) {
      return send(400, { message: 'The period between created_after and created_before must not exceed 31 days' });
    }
    const exclusive = options.boundaries === 'exclusive';
    const inRange = (at: number) => (exclusive ? at > after && at < before : at >= after && at <= before);
    if (route === 'conversation-export') {
      // Conversations updated in the range: those with a message then (never anonymized), and those anonymized then.
      const rows = new Map<number, Record<string, unknown>>();
      for (const row of generator.exportRange(after, before + 1).rows) {
        if (inRange(row.created_at) && !anonymized.has(String(row.csid))) {
          rows.set(row.csid, conversationRow(row.csid, row.created_at, null));
        }
      }
      for (const [csid, at] of anonymized)
        if (inRange(at)) rows.set(Number(csid), conversationRow(Number(csid), at, at));
      return send(200, [...rows.values()]);
    }
    const rows = generator
      .exportRange(after, before + 1)
      .rows.filter((row) => (exclusive ? row.created_at > after && row.created_at < before : true))
      .map((row) =>
        redacted.has(row.id)
          ? { ...row, text: null, attached_files: [], recording_url: null, voicemail_url: null }
          : row,
      );
    return send(200, rows);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    queueFaults: (api, ...list) => {
      faults[api].push(...list);
    },
    alwaysFail: (api, match, fault) => {
      standing.push({ api, match, fault });
    },
    addEndUser: (user) => {
      endUsers.set(user.id, user);
    },
    clearFaults: () => {
      faults.export.length = 0;
      faults.messages.length = 0;
      faults.endusers.length = 0;
      standing.length = 0;
    },
    exportData: (startMs, endMs) => generator.exportRange(startMs, endMs),
    anonymizeConversation(csid, atMs) {
      anonymized.set(csid, atMs);
    },
    redactMessage(csid, messageId, atMs, numberOfDeletedFiles) {
      redacted.add(messageId);
      logActivity(atMs - 1, 'ConversationNoteAdded', csid, { noteId: `note-${messageId}` }); // a real log has others too
      logActivity(atMs, 'ConversationMessageRedacted', csid, {
        messageId,
        wasTextRedacted: true,
        numberOfDeletedFiles,
      });
    },
    conversationData: (csid) => generator.conversation(csid),
    maxRequestsInWindow(api, windowMs) {
      const apis: string[] = Array.isArray(api) ? api : [api];
      const times = requests.filter((r) => apis.includes(r.api)).map((r) => r.at);
      let max = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[j]! <= times[i]! - windowMs) j++;
        max = Math.max(max, i - j + 1);
      }
      return max;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A conversation export row, in the documented shape (a subset of its fields); anonymized rows lose the requester. */
function conversationRow(csid: number, updatedAt: number, anonymizedAt: number | null): Record<string, unknown> {
  return {
    id: csid,
    created_at: updatedAt - DAY_MS,
    updated_at: updatedAt,
    initial_channel: 'email',
    requester_id: uuidOf(String(csid)),
    requester_name: anonymizedAt === null ? 'Carl Customer' : null,
    requester_email: anonymizedAt === null ? 'carl@example.org' : null,
    closed_at: updatedAt,
    anonymized_at: anonymizedAt,
  };
}

const uuidOf = (seed: string) => uuid(prng(hash('uuid', seed)));

function authorized(api: FakeApi, header: string | undefined, token: string): boolean {
  if (api !== 'export') return header === token;
  return header === `Bearer ${token}` || header === `Basic ${Buffer.from(`bearer:${token}`).toString('base64')}`;
}

function parseBound(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (/^\d{1,16}$/.test(value)) return Number(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------- data generation

/** mulberry32: a tiny deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(...parts: (string | number)[]): number {
  let h = 2166136261;
  for (const char of parts.join('|')) h = Math.imul(h ^ char.charCodeAt(0), 16777619);
  return h >>> 0;
}

class RowGenerator {
  private readonly org: string;

  constructor(
    private readonly seed: number,
    private readonly files: string,
    private readonly perDay: number,
    private readonly withBadLinks: boolean,
  ) {
    this.org = `org${hash(seed, 'org').toString(16)}`;
  }

  exportRange(startMs: number, endMs: number): Generated<ExportRow> {
    const out: Generated<ExportRow> = { rows: [], files: [], badLinks: 0 };
    for (let day = Math.floor(startMs / DAY_MS); day * DAY_MS < endMs; day++) {
      const one = this.exportDay(day);
      one.rows.forEach((row, i) => {
        if (row.created_at < startMs || row.created_at >= endMs) return;
        out.rows.push(row);
        out.files.push(...one.filesPerRow[i]!);
        out.badLinks += one.badPerRow[i]!;
      });
    }
    return out;
  }

  conversation(csid: string): Generated<MessageRow> {
    const random = prng(hash(this.seed, 'conversation', csid));
    const out: Generated<MessageRow> = { rows: [], files: [], badLinks: 0 };
    const link = this.linker(random, csid, out.files);
    let at = Date.UTC(2021, 11, 1, 9) + Math.floor(random() * 300 * DAY_MS);
    const message = (attributes: Record<string, unknown>): MessageRow => {
      at += 1000 + Math.floor(random() * 3_600_000);
      return {
        id: uuid(random),
        authorId: uuid(random),
        externalId: random() < 0.5 ? null : `ext-${Math.floor(random() * 1e6)}`,
        createdAt: `${new Date(at).toISOString()}[GMT]`,
        attributes,
      };
    };
    out.rows.push(
      message({
        _type: 'EmailAttributes',
        emailContent: { content: { value: 'Please see the attached invoice.', _type: 'Text' } },
        from: { email: 'customer@example.com', name: 'A Customer' },
        to: [{ email: 'support@example.com', name: null }],
        cc: [],
        bcc: [],
        isAutoReply: false,
        attachments: [
          { prettyName: 'Invoice March.pdf', url: link('attachment', 'private', 'Invoice March.pdf', 'relative') },
        ],
        inlineImages: [{ prettyName: 'logo.png', url: link('inline-image', 'private', 'logo.png', 'absolute') }],
        // A File, as Dixa's message API types it (not a bare link).
        originalContentUrl: {
          prettyName: 'original.eml',
          url: link('original-email', 'private', 'email_original_data', 'relative'),
        },
      }),
    );
    // An e-mail too large for Dixa to keep inline: its content is a file of its own.
    out.rows.push(
      message({
        _type: 'EmailAttributes',
        emailContent: {
          _type: 'TooLarge',
          file: { prettyName: 'content.html', url: link('email-content', 'private', 'content.html', 'relative') },
        },
        from: { email: 'customer@example.com', name: 'A Customer' },
        to: [{ email: 'support@example.com', name: null }],
        attachments: [],
        originalContentUrl: null,
      }),
    );
    // A MessengerForm submission whose file answer is a FileMeta with Dixa's own checksum.
    const formUrl = link('attachment', 'public', 'receipt.pdf', 'absolute');
    const formFile = out.files.at(-1)!;
    formFile.size = FORM_FILE_SIZE;
    formFile.sha256 = contentDigestSync(new URL(formFile.url).pathname, FORM_FILE_SIZE);
    out.rows.push(
      message({
        _type: 'MessengerFormAttributes',
        formSubmission: {
          values: [
            { fieldId: 'name', value: 'A Customer' },
            {
              fieldId: 'receipt',
              value: [
                {
                  url: formUrl,
                  name: 'receipt.pdf',
                  mediaType: 'application/pdf',
                  bytesLength: FORM_FILE_SIZE,
                  checksum: { algorithm: 'SHA-256', hex: formFile.sha256.toUpperCase() },
                },
              ],
            },
          ],
        },
      }),
    );
    const chats = 1 + Math.floor(random() * 3);
    for (let i = 0; i < chats; i++) {
      const attachments =
        random() < 0.6
          ? [{ prettyName: 'screenshot.png', url: link('attachment', 'public', 'screenshot.png', 'relative') }]
          : [];
      out.rows.push(message({ _type: 'ChatAttributes', content: { value: `chat ${i}`, _type: 'Text' }, attachments }));
    }
    if (random() < 0.8 || csid.endsWith('0')) {
      out.rows.push(
        message({
          _type: 'CallRecordingAttributes',
          recording: link('recording', 'private', 'recording.mp3', 'absolute'),
          duration: 30 + Math.floor(random() * 900),
        }),
      );
    }
    out.rows.push(message({ _type: 'ChatAttributes', content: { value: 'Thanks, solved!', _type: 'Text' } }));
    if (this.withBadLinks && random() < 0.5) {
      out.badLinks++;
      out.rows.push(
        message({
          _type: 'EmailAttributes',
          attachments: [{ prettyName: 'x.pdf', url: 'https://evil.example.com/private/x.pdf' }],
          originalContentUrl: null,
        }),
      );
    }
    return out;
  }

  /** One UTC day's rows, from a PRNG seeded by the day. */
  private exportDay(day: number) {
    const random = prng(hash(this.seed, 'day', day));
    const start = day * DAY_MS;
    const rows: ExportRow[] = [];
    const filesPerRow: ExpectedFile[][] = [];
    const badPerRow: number[] = [];
    for (let i = 0; i < this.perDay; i++) {
      // The first and second rows of every day sit on its edges, where window gaps and overlaps would show.
      const createdAt = i === 0 ? start : i === 1 ? start + DAY_MS - 1 : start + Math.floor(random() * DAY_MS);
      const csid = 100_000 + Math.floor(random() * 500);
      const expected: ExpectedFile[] = [];
      const link = this.linker(random, String(csid), expected);
      const channel = pick(random, [
        'pstnphone',
        'pstnphone',
        'email',
        'email',
        'email',
        'widget_chat',
        'widget_chat',
        'sms',
      ]);
      const voice = channel === 'pstnphone';
      const row: ExportRow = {
        id: uuid(random),
        csid,
        created_at: createdAt,
        initial_channel: channel,
        author_name: voice ? null : pick(random, ['Ada Agent', 'Carl Customer', 'Bo Bot']),
        author_email: voice ? null : pick(random, ['ada@example.com', 'carl@example.org']),
        direction: pick(random, ['inbound', 'outbound']),
        text: voice ? null : 'Hello, about my order…',
        from: voice ? '+4512345678' : 'carl@example.org',
        to: voice ? ['+4587654321'] : ['support@example.com'],
        cc: [],
        bcc: [],
        duration: voice ? 20 + Math.floor(random() * 1200) : null,
        is_automated_message: false,
        attached_files: voice ? null : [],
        recording_url: null,
        voicemail_url: null,
      };
      if (voice) {
        if (random() < 0.7) row.recording_url = link('recording', 'private', 'call.mp3', 'absolute');
        else if (random() < 0.6) row.voicemail_url = link('voicemail', 'private', 'voicemail.wav', 'relative');
      } else if (channel === 'email') {
        const count = Math.floor(random() * 3);
        for (let j = 0; j < count; j++) {
          const name = pick(random, ['invoice.pdf', 'Scan 2024.pdf', 'photo.jpg']);
          row.attached_files!.push(link('attachment', 'private', name, random() < 0.5 ? 'relative' : 'absolute'));
        }
      } else if (channel === 'widget_chat' && random() < 0.6) {
        row.attached_files!.push(link('attachment', 'public', 'image.png', random() < 0.5 ? 'relative' : 'absolute'));
      }
      let bad = 0;
      if (this.withBadLinks && !voice && random() < 0.08) {
        bad++;
        row.attached_files!.push(
          pick(random, [
            'https://evil.example.com/private/stolen.pdf',
            `/private/${this.org}/../../etc/passwd`,
            `ftp://${new URL(this.files).host}/private/${this.org}/x.pdf`,
          ]),
        );
      }
      rows.push(row);
      filesPerRow.push(expected);
      badPerRow.push(bad);
    }
    return { rows, filesPerRow, badPerRow };
  }

  /** Makes a fresh file link in one of Dixa's forms and records it as expected. */
  private linker(random: () => number, conversationId: string, expected: ExpectedFile[]) {
    return (kind: FakeKind, visibility: 'private' | 'public', name: string, form: 'absolute' | 'relative') => {
      const folder = {
        attachment: 'attachments',
        recording: 'call_recordings',
        voicemail: 'voicemails',
        'inline-image': 'inline_images',
        'original-email': 'email_original_data',
        'email-content': 'email_stripped_content',
      }[kind];
      const path =
        kind === 'original-email' || kind === 'email-content'
          ? `/${visibility}/${this.org}/${folder}/${uuid(random)}`
          : `/${visibility}/${this.org}/${folder}/${uuid(random)}/${name}`;
      expected.push({ conversationId, url: new URL(path, this.files).href, kind });
      return form === 'absolute' ? `${this.files}${path}` : path;
    };
  }
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

/** The bytes the fake serves for a file link's path: a few KiB, different for every path. */
export function fakeFileContent(path: string): Buffer {
  const line = Buffer.from(`fake Dixa file ${path}\n`);
  return Buffer.concat(Array.from({ length: 1 + (line.length % 64) }, () => line));
}

function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      token: { type: 'string', default: 'fake-token' },
      'files-base-url': { type: 'string' },
      seed: { type: 'string', default: '1' },
    },
  });
  const self = `http://127.0.0.1:${values.port}`;
  const api = await startFakeDixaApi(
    {
      token: values.token,
      filesBaseUrl: values['files-base-url'] ?? self,
      serveFiles: values['files-base-url'] === undefined,
      seed: Number(values.seed),
    },
    Number(values.port),
  );
  process.stdout.write(
    `fake Dixa export + message APIs${values['files-base-url'] ? '' : ' and files host'} on ${api.url} (token ${values.token})\n` +
      `  DIXA_API_TOKEN=${values.token} DIXA_EXPORTS_BASE_URL=${api.url} DIXA_API_BASE_URL=${api.url}\n`,
  );
  const stop = () => void api.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
