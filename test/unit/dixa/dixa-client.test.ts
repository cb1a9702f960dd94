import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../lambdas/commons/errors.ts';
import { DixaClient, DixaError, parseDixaBaseUrl, parseRetryAfter } from '../../../lambdas/dixa/dixa-client.ts';
import { planWindows } from '../../../lambdas/dixa/windows.ts';
import { createFakeClock, type FakeDixaApi, type FakeDixaOptions, startFakeDixaApi } from '../../fakes/dixa-api.ts';

const TOKEN = 'unit-test-token';
const [march] = planWindows('2024-03-01', '2024-03-30');

let api: FakeDixaApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function setup(options: Partial<FakeDixaOptions> = {}, client: { token?: string; maxAttempts?: number } = {}) {
  const clock = createFakeClock();
  api = await startFakeDixaApi({ token: TOKEN, clock, ...options });
  const retries: string[] = [];
  const dixa = new DixaClient({
    token: client.token ?? TOKEN,
    exportsBaseUrl: api.url,
    apiBaseUrl: api.url,
    clock,
    random: () => 0.5,
    maxAttempts: client.maxAttempts,
    onRetry: ({ reason }) => retries.push(reason),
  });
  return { api, dixa, clock, retries };
}

describe('DixaClient against the fake Dixa APIs', () => {
  it('reads a window of the export with a Bearer token and a message-API conversation with the bare token', async () => {
    const { api, dixa } = await setup();
    const rows = await dixa.exportMessages(march!);
    expect(rows.length).toBeGreaterThan(100);
    const data = await dixa.conversationMessages('4242');
    expect(data).toEqual(api.conversationData('4242').rows);
    expect(api.requests.map((r) => r.status)).toEqual([200, 200]);
    expect(api.requests[0]!.query).toEqual({
      created_after: String(march!.startMs - 1),
      created_before: String(march!.endMs),
    });
  });

  it('makes a 401 fatal, with a line that names the host and never the token', async () => {
    const { dixa } = await setup({}, { token: 'wrong-token' });
    const error = await dixa.exportMessages(march!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DixaError);
    expect((error as DixaError).fatal).toBe(true);
    expect((error as DixaError).message).toMatch(
      /^Dixa rejected the API token: 127\.0\.0\.1:\d+ answered 401 Unauthorized/,
    );
    expect((error as DixaError).message).not.toContain('wrong-token');
    expect(api!.requests).toHaveLength(1);
  });

  it('waits for Retry-After in seconds before retrying a 429', async () => {
    const { api, dixa } = await setup();
    api.queueFaults('export', { status: 429, retryAfter: '42' });
    await dixa.exportMessages(march!);
    const [first, second] = api.requests;
    expect(first!.status).toBe(429);
    expect(second!.status).toBe(200);
    expect(second!.at - first!.at).toBe(42_000);
  });

  it('waits for Retry-After given as an HTTP date', async () => {
    const { api, dixa, clock } = await setup();
    const at = new Date(Math.ceil((clock.now() + 95_000) / 1000) * 1000);
    api.queueFaults('messages', { status: 429, retryAfter: at.toUTCString() });
    await dixa.conversationMessages('7');
    expect(api.requests[1]!.at).toBe(at.getTime());
  });

  it('honours the fake server’s own 429s and finishes', async () => {
    const { api, dixa } = await setup({ exportLimit: { requests: 2, windowMs: 60_000 } });
    for (let i = 0; i < 5; i++) await dixa.exportMessages(march!);
    const statuses = api.requests.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses).toContain(429);
    expect(api.maxRequestsInWindow('export', 60_000)).toBeLessThanOrEqual(10);
  });

  it('retries 5xx and connection resets with growing backoff, every attempt paced', async () => {
    const { api, dixa, retries } = await setup();
    api.queueFaults('export', { status: 503 }, { reset: 'before-headers' }, { reset: 'mid-body' }, { status: 500 });
    const rows = await dixa.exportMessages(march!);
    expect(rows.length).toBeGreaterThan(0);
    expect(api.requests.map((r) => r.status)).toEqual([503, 'reset', 'reset', 500, 200]);
    expect(retries).toHaveLength(4);
    expect(retries[0]).toMatch(/answered 503 Service Unavailable/);
    const gaps = api.requests.slice(1).map((r, i) => r.at - api.requests[i]!.at);
    // Backoff is 1.5, 3, 6, 12 s here (jitter pinned at 0.5); the 6 s pace is the floor.
    expect(gaps).toEqual([6_000, 6_000, 6_000, 12_000]);
  });

  it('gives up after maxAttempts with the last problem, without making the run fatal', async () => {
    const { api, dixa } = await setup({}, { maxAttempts: 3 });
    api.queueFaults('messages', { status: 502 }, { status: 502 }, { status: 502 });
    const error = (await dixa.conversationMessages('9').catch((e: unknown) => e)) as DixaError;
    expect(error.fatal).toBe(false);
    expect(error.message).toMatch(/^gave up after 3 attempts, last: 127\.0\.0\.1:\d+ answered 502 Bad Gateway/);
    expect(api.requests).toHaveLength(3);
  });

  it('does not retry other 4xx, and reports what Dixa said', async () => {
    const { api, dixa } = await setup({ missingConversations: ['404'] });
    await expect(dixa.conversationMessages('404')).rejects.toThrow(
      /answered 404 Not Found: Conversation 404 not found$/,
    );
    api.queueFaults('export', { status: 400, body: '{"message":"created_after is invalid"}' });
    await expect(dixa.exportMessages(march!)).rejects.toThrow(/answered 400 Bad Request: created_after is invalid$/);
    expect(api.requests).toHaveLength(2);
  });

  it('does not follow redirects (the token stays with the configured origin)', async () => {
    const { dixa } = await setup();
    api!.queueFaults('export', { status: 302 });
    await expect(dixa.exportMessages(march!)).rejects.toThrow(/answered 302 Found/);
  });

  it('rejects answers of the wrong shape', async () => {
    const { dixa } = await setup();
    api!.queueFaults('export', { status: 200, body: '{"data":[]}' });
    await expect(dixa.exportMessages(march!)).rejects.toThrow(/answered with an object, not a JSON array/);
    api!.queueFaults('messages', { status: 200, body: '[]' });
    await expect(dixa.conversationMessages('1')).rejects.toThrow(/answered with an array, not \{"data": \[\.\.\.\]\}/);
  });

  it('fails instead of stalling when Retry-After is absurdly long', async () => {
    const { dixa } = await setup();
    api!.queueFaults('export', { status: 429, retryAfter: '86400' });
    await expect(dixa.exportMessages(march!)).rejects.toThrow(/asks to wait 86400 s: run the backfill later/);
  });
});

describe('DixaClient: what the anonymization follower asks', () => {
  it('asks the conversation export by update time, with the Bearer token and the export limit', async () => {
    const { api, dixa } = await setup();
    api.anonymizeConversation('4242', march!.startMs + 3_600_000);
    const rows = (await dixa.exportConversations(march!)) as { id: number; anonymized_at: number | null }[];
    expect(rows.find((r) => r.id === 4242)).toMatchObject({ anonymized_at: march!.startMs + 3_600_000 });
    expect(api.requests[0]).toMatchObject({
      route: 'conversation-export',
      api: 'export',
      query: { updated_after: String(march!.startMs - 1), updated_before: String(march!.endMs) },
    });
  });

  it('reads the conversation resource, and an unknown conversation (404) as undefined', async () => {
    const { api, dixa } = await setup({ missingConversations: ['404'] });
    api.anonymizeConversation('4242', Date.UTC(2025, 0, 1));
    expect(await dixa.conversation('4242')).toMatchObject({
      id: 4242,
      _type: 'AnonymizedConversation',
      anonymizedAt: '2025-01-01T00:00:00.000Z[GMT]',
    });
    expect(await dixa.conversation('4243')).toMatchObject({ _type: 'EmailConversation' });
    expect(await dixa.conversation('404')).toBeUndefined();
    expect(api.requests.map((r) => [r.route, r.status])).toEqual([
      ['conversation', 200],
      ['conversation', 200],
      ['conversation', 404],
    ]);
  });

  it.each(['url', 'key'] as const)('pages through the activity log when meta.next is a %s', async (form) => {
    const { api, dixa } = await setup({ activityPageMax: 2, activityNext: form });
    const from = new Date(Date.UTC(2025, 0, 13));
    for (let i = 0; i < 3; i++) api.redactMessage('4242', `m${i}`, from.getTime() + 1000 * (i + 1), i);
    const pages: unknown[][] = [];
    for await (const page of dixa.activityLog(from, new Date(Date.UTC(2025, 0, 14)))) pages.push(page);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2]); // six entries: each redaction beside another entry
    const asked = api.requests.map((r) => r.query);
    expect(asked[0]).toEqual({
      fromDatetime: from.toISOString(),
      toDatetime: '2025-01-14T00:00:00.000Z',
      pageLimit: '1000',
    });
    expect(asked.slice(1).every((q) => typeof q.pageKey === 'string' && q.pageKey.length > 0)).toBe(true);
    expect(api.maxRequestsInWindow('messages', 1_000)).toBeLessThanOrEqual(10);
  });

  it('takes only the page key from meta.next: a next page on another host is asked of the configured one', async () => {
    const { api, dixa } = await setup({ activityPageMax: 1 });
    api.redactMessage('4242', 'm1', Date.UTC(2025, 0, 13, 1), 1); // two entries: two pages
    const pages: unknown[][] = [];
    for await (const page of dixa.activityLog(new Date(Date.UTC(2025, 0, 13)), new Date(Date.UTC(2025, 0, 14)))) {
      pages.push(page);
    }
    expect(pages).toHaveLength(2);
    expect(api.requests).toHaveLength(2); // the fake's next URL names https://dev.dixa.io; the request came here
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 0, 1);
  it('reads delay-seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter(new Date(now + 12_000).toUTCString(), now)).toBe(12_000);
    expect(parseRetryAfter(new Date(now - 5_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('parseDixaBaseUrl', () => {
  it('accepts https origins and plain http only on loopback', () => {
    expect(parseDixaBaseUrl('https://exports.dixa.io/', 'X')).toBe('https://exports.dixa.io');
    expect(parseDixaBaseUrl('http://127.0.0.1:4010', 'X')).toBe('http://127.0.0.1:4010');
    expect(parseDixaBaseUrl('http://localhost:4010', 'X')).toBe('http://localhost:4010');
  });

  it.each([
    ['http://exports.dixa.io', /must be https/],
    ['https://user:pw@exports.dixa.io', /must not carry credentials/],
    ['https://exports.dixa.io/v1', /must be an origin/],
    ['exports.dixa.io', /is not a URL/],
  ])('rejects %s', (value, message) => {
    expect(() => parseDixaBaseUrl(value, 'DIXA_EXPORTS_BASE_URL')).toThrow(UserError);
    expect(() => parseDixaBaseUrl(value, 'DIXA_EXPORTS_BASE_URL')).toThrow(message);
  });
});

// Dixa's end-user API: every page is read (meta.next as a path, an absolute URL or a bare page key), a next page on
// another origin is refused before anything is sent there, and the end-user calls share the message API's pace.

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('end users', () => {
  it('finds end users by e-mail and reads every page of their conversations, following meta.next', async () => {
    const { api, dixa } = await setup({ endUsersPageSize: 3 });
    api.addEndUser({
      id: 'u-1',
      email: 'jane@example.com',
      phoneNumber: '+4512345678',
      additionalEmails: ['j.doe@example.org'],
      conversations: range(100, 8),
    });
    api.addEndUser({ id: 'u-2', email: 'someone@example.com', conversations: [1] });
    const users = await dixa.findEndUsers({ field: 'email', value: 'jane@example.com' });
    expect(users).toEqual([
      {
        id: 'u-1',
        email: 'jane@example.com',
        phoneNumber: '+4512345678',
        additionalEmails: ['j.doe@example.org'],
        additionalPhoneNumbers: [],
      },
    ]);
    expect(await dixa.endUserConversations('u-1')).toEqual(range(100, 8).map(String));
    const pages = api.requests.filter((r) => r.path === '/v1/endusers/u-1/conversations');
    expect(pages).toHaveLength(3);
    expect(pages.map((r) => r.query.pageKey)).toEqual([undefined, expect.any(String), expect.any(String)]);
    expect(api.requests[0]!.query).toEqual({ email: 'jane@example.com' });
  });

  it('finds several end users across pages by external id and by phone', async () => {
    const { api, dixa } = await setup({ endUsersPageSize: 1 });
    for (const id of ['a', 'b', 'c']) api.addEndUser({ id, externalId: 'crm-7', conversations: [] });
    api.addEndUser({ id: 'p', phoneNumber: '+4512345678', conversations: [] });
    expect((await dixa.findEndUsers({ field: 'externalId', value: 'crm-7' })).map((u) => u.id)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect((await dixa.findEndUsers({ field: 'phone', value: '+4512345678' })).map((u) => u.id)).toEqual(['p']);
  });

  it.each(['url', 'key'] as const)('follows meta.next given as %s', async (nextPage) => {
    const { api, dixa } = await setup({ endUsersPageSize: 2, nextPage });
    api.addEndUser({ id: 'u-1', conversations: range(1, 5) });
    expect(await dixa.endUserConversations('u-1')).toEqual(['1', '2', '3', '4', '5']);
    expect(api.requests.map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('refuses a next page on another origin: the token is never sent there', async () => {
    const { api, dixa } = await setup();
    api.addEndUser({ id: 'u-1', conversations: [1] });
    const page = (next: string) => ({ status: 200, body: JSON.stringify({ data: [{ id: 1 }], meta: { next } }) });
    for (const next of ['https://evil.example/v1/endusers/u-1/conversations?pageKey=2', '//evil.example/steal']) {
      api.queueFaults('endusers', page(next));
      const error = await dixa.endUserConversations('u-1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DixaError);
      expect((error as Error).message).toMatch(
        /pointed the next page at another origin \(https?:\/\/evil\.example\): refused/,
      );
    }
    expect(api.requests).toHaveLength(2); // one page each; nothing followed
  });

  it('stops, as an error, when a next page points back at a page already read', async () => {
    const { api, dixa } = await setup();
    api.addEndUser({ id: 'u-1', conversations: [1] });
    api.queueFaults('endusers', {
      status: 200,
      body: JSON.stringify({ data: [{ id: 1 }], meta: { next: '/v1/endusers/u-1/conversations' } }),
    });
    await expect(dixa.endUserConversations('u-1')).rejects.toThrow(/pointed the next page back at a page already read/);
  });

  it('fails the whole answer for a row it cannot read, rather than leave a conversation or a person out', async () => {
    const { api, dixa } = await setup();
    api.queueFaults('endusers', { status: 200, body: JSON.stringify({ data: [{ id: 1 }, { id: 'x-2' }], meta: {} }) });
    await expect(dixa.endUserConversations('u-1')).rejects.toThrow(/listed a conversation without a numeric id/);
    api.queueFaults('endusers', { status: 200, body: JSON.stringify({ data: [{ email: 'a@b.co' }] }) });
    await expect(dixa.findEndUsers({ field: 'email', value: 'a@b.co' })).rejects.toThrow(/an end user without an id/);
    api.queueFaults('endusers', { status: 200, body: JSON.stringify({ users: [] }) });
    await expect(dixa.findEndUsers({ field: 'email', value: 'a@b.co' })).rejects.toThrow(/not \{"data": \[\.\.\.\]\}/);
  });

  it('reads csids given as numbers or numeric strings, in one spelling', async () => {
    const { api, dixa } = await setup();
    api.queueFaults('endusers', {
      status: 200,
      body: JSON.stringify({ data: [{ id: 12 }, { id: '0034' }, { id: '98765432109876543210' }] }),
    });
    expect(await dixa.endUserConversations('u-1')).toEqual(['12', '34', '98765432109876543210']);
  });

  it('makes a 401 fatal, naming the host and never the token', async () => {
    const { dixa } = await setup({}, { token: 'wrong-token' });
    const error = (await dixa.findEndUsers({ field: 'email', value: 'a@b.co' }).catch((e: unknown) => e)) as DixaError;
    expect(error.fatal).toBe(true);
    expect(error.message).toMatch(/^Dixa rejected the API token: 127\.0\.0\.1:\d+ answered 401 Unauthorized/);
    expect(error.message).not.toContain('wrong-token');
  });
});

describe('pacing: one token, 10 requests a second for the message API and the end-user API together', () => {
  it('keeps every sliding second at 10 requests or fewer over many pages, and never draws a 429', async () => {
    const { api, dixa } = await setup({ endUsersPageSize: 1 });
    api.addEndUser({ id: 'u-1', conversations: range(1, 30) });
    expect(await dixa.endUserConversations('u-1')).toHaveLength(30);
    await dixa.conversationMessages('11'); // the same token: it waits for the end-user calls' pace
    expect(api.requests).toHaveLength(31);
    expect(api.requests.every((r) => r.status === 200)).toBe(true);
    const gaps = api.requests.slice(1).map((r, i) => r.at - api.requests[i]!.at);
    expect(new Set(gaps)).toEqual(new Set([100])); // evenly spaced, never a burst
    expect(api.maxRequestsInWindow(['messages', 'endusers'], 1_000)).toBeLessThanOrEqual(10);
  });

  it('waits out a 429 for its Retry-After, then goes on where it was', async () => {
    const { api, dixa } = await setup({ endUsersPageSize: 2 });
    api.addEndUser({ id: 'u-1', conversations: range(1, 6) });
    api.queueFaults('endusers', {
      status: 200,
      body: JSON.stringify({ data: [{ id: 1 }, { id: 2 }], meta: { next: 'Mg' } }),
    });
    api.queueFaults('endusers', { status: 429, retryAfter: '3' });
    expect(await dixa.endUserConversations('u-1')).toEqual(['1', '2', '3', '4', '5', '6']);
    const [, limited, resumed] = api.requests;
    expect(limited!.status).toBe(429);
    expect(resumed!.at - limited!.at).toBe(3_000);
    expect(resumed!.query.pageKey).toBe('Mg');
  });

  it('honours the fake server’s own tighter limit and still reads everything', async () => {
    const { api, dixa } = await setup({ endUsersPageSize: 1, messagesLimit: { requests: 3, windowMs: 1_000 } });
    api.addEndUser({ id: 'u-1', conversations: range(1, 12) });
    expect(await dixa.endUserConversations('u-1')).toHaveLength(12);
    expect(api.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(api.requests.filter((r) => r.status === 200)).toHaveLength(12);
  });

  it('backs off on 5xx and resets, each retry paced, and gives up with the last problem', async () => {
    const { api, dixa } = await setup({}, { maxAttempts: 3 });
    api.addEndUser({ id: 'u-1', conversations: [1] });
    api.queueFaults('endusers', { status: 503 }, { reset: 'before-headers' });
    expect(await dixa.endUserConversations('u-1')).toEqual(['1']);
    const gaps = api.requests.slice(1).map((r, i) => r.at - api.requests[i]!.at);
    expect(gaps).toEqual([1_500, 3_000]); // 2 s and 4 s ceilings, jitter pinned at half
    api.queueFaults('endusers', { status: 502 }, { status: 502 }, { status: 502 });
    await expect(dixa.findEndUsers({ field: 'email', value: 'a@b.co' })).rejects.toThrow(
      /^gave up after 3 attempts, last: 127\.0\.0\.1:\d+ answered 502 Bad Gateway/,
    );
  });
});
