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
