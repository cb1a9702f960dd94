import { request } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpEndpoint, MAX_PAYLOAD_BYTES, startHttpEndpoint } from '../../../cli/local/api-gateway.ts';
import type { LocalLog } from '../../../cli/local/log.ts';

const quiet: LocalLog = { debug() {}, info() {}, warn() {}, error() {} };

interface Sent {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string | string[]>; body?: Buffer | string },
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${options.path ?? '/webhook'}`,
      { method: options.method ?? 'POST', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('local API Gateway endpoint', () => {
  let endpoint: HttpEndpoint;
  const events: APIGatewayProxyEventV2[] = [];
  let next: () => Promise<APIGatewayProxyResultV2> = async () => ({ statusCode: 202, body: '{"status":"queued"}' });

  beforeAll(async () => {
    endpoint = await startHttpEndpoint({
      port: 0,
      log: quiet,
      handler: async (event, context) => {
        expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
        events.push(event);
        return next();
      },
    });
  });
  afterAll(() => endpoint.stop());

  it('builds a payload 2.0 event: raw UTF-8 body, lower-cased and joined headers, cookies apart, query', async () => {
    const body = '{"event_fqn":"CONVERSATION_MESSAGE_ADDED","text":"høj ✓"}';
    const res = await send(endpoint.url, {
      path: '/webhook?a=1&a=2&b=x',
      headers: {
        'Content-Type': 'application/json',
        'X-DIXA-SIGNATURE': 't=1,v1=ab',
        'X-Repeated': ['one', 'two'],
        Cookie: 'c1=v1; c2=v2',
      },
      body,
    });
    expect(res.status).toBe(202);
    expect(res.body.toString()).toBe('{"status":"queued"}');
    const event = events.at(-1)!;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /webhook',
      rawPath: '/webhook',
      rawQueryString: 'a=1&a=2&b=x',
      queryStringParameters: { a: '1,2', b: 'x' },
      cookies: ['c1=v1', 'c2=v2'],
      body,
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/webhook', sourceIp: '127.0.0.1' }, stage: '$default' },
    });
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers['x-dixa-signature']).toBe('t=1,v1=ab');
    expect(event.headers['x-repeated']).toBe('one,two');
    expect(event.headers.cookie).toBeUndefined();
  });

  it('passes a body that is not valid UTF-8 as base64, byte for byte', async () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
    await send(endpoint.url, { body: bytes });
    const event = events.at(-1)!;
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64')).toEqual(bytes);
  });

  it('omits the body of an empty request', async () => {
    await send(endpoint.url, {});
    expect(events.at(-1)!.body).toBeUndefined();
    expect(events.at(-1)!.isBase64Encoded).toBe(false);
  });

  it('writes structured results: status, headers, cookies, base64 bodies', async () => {
    next = async () => ({
      statusCode: 401,
      headers: { 'Content-Type': 'application/json', 'X-Reason': 'bad signature' },
      cookies: ['a=1', 'b=2'],
      body: Buffer.from('{"error":"invalid signature"}').toString('base64'),
      isBase64Encoded: true,
    });
    const res = await send(endpoint.url, { body: '{}' });
    expect(res.status).toBe(401);
    expect(res.headers['x-reason']).toBe('bad signature');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(res.body.toString()).toBe('{"error":"invalid signature"}');
  });

  it('answers 200 JSON for a result without statusCode, and 500 when the handler throws', async () => {
    next = async () => ({ hello: 'world' }) as unknown as APIGatewayProxyResultV2;
    const plain = await send(endpoint.url, { body: '{}' });
    expect([plain.status, plain.body.toString(), plain.headers['content-type']]).toEqual([
      200,
      '{"hello":"world"}',
      'application/json',
    ]);
    next = async () => {
      throw new Error('boom with details');
    };
    const crashed = await send(endpoint.url, { body: '{}' });
    expect(crashed.status).toBe(500);
    expect(crashed.body.toString()).toBe('{"message":"Internal Server Error"}');
  });

  it('answers 413 above API Gateway’s payload limit without calling the handler', async () => {
    const before = events.length;
    const res = await send(endpoint.url, { body: Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20) });
    expect(res.status).toBe(413);
    expect(events.length).toBe(before);
  });

  it('serves /health and 404s every other route without calling the handler', async () => {
    const before = events.length;
    expect((await send(endpoint.url, { method: 'GET', path: '/health' })).status).toBe(200);
    expect((await send(endpoint.url, { method: 'GET', path: '/webhook' })).status).toBe(404);
    expect((await send(endpoint.url, { path: '/other' })).status).toBe(404);
    expect(events.length).toBe(before);
  });
});
