/**
 * Local stand-in for the stack's API Gateway HTTP API: `POST /webhook` becomes an APIGatewayProxyEventV2 (payload
 * format 2.0) for the ingest handler, and the handler's result becomes the HTTP response, as API Gateway does it:
 * headers lower-cased (repeated ones joined by commas, cookies apart), the raw body as text or — when it is not
 * valid UTF-8 — base64 with isBase64Encoded, 413 above API Gateway's 10 MB payload limit, 500 when the handler
 * throws, 404 for any other route. `GET /health` answers 200 for scripts that wait for local mode.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { invoke } from './lambda-context.ts';
import type { LocalLog } from './log.ts';

export const WEBHOOK_ROUTE = 'POST /webhook';
/** API Gateway's maximum request payload. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

export interface HttpEndpointOptions {
  port: number;
  /** Loaded lazily so the handler module is imported only after local mode has set process.env. */
  handler: ApiHandler;
  log: LocalLog;
}

export interface HttpEndpoint {
  url: string;
  port: number;
  /** Stops accepting connections and resolves when the requests in progress have been answered. */
  stop(): Promise<void>;
}

export async function startHttpEndpoint(options: HttpEndpointOptions): Promise<HttpEndpoint> {
  const server = createServer((req, res) => {
    route(req, res, options).catch((error: unknown) => {
      options.log.error('request failed', { error: String(error) });
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });
  await listen(server, options.port);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function route(req: IncomingMessage, res: ServerResponse, options: HttpEndpointOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok' });
  if (`${req.method} ${path}` !== WEBHOOK_ROUTE) return sendJson(res, 404, { message: 'Not Found' });
  const body = await readBody(req, MAX_PAYLOAD_BYTES);
  if (body === undefined) {
    res.setHeader('connection', 'close');
    return sendJson(res, 413, { message: 'Request Entity Too Large' });
  }
  const event = toApiGatewayEvent(req, body);
  let result: APIGatewayProxyResultV2;
  try {
    result = await invoke('ingest', 30_000, (context) => options.handler(event, context));
  } catch (error) {
    options.log.error('ingest handler threw; answering 500 as API Gateway would', { error: String(error) });
    return sendJson(res, 500, { message: 'Internal Server Error' });
  }
  writeResult(res, result);
}

/** The body, or undefined when it exceeds `limit` (the rest is drained, not buffered). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= limit ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function toApiGatewayEvent(req: IncomingMessage, body: Buffer, now = new Date()): APIGatewayProxyEventV2 {
  const [rawPath = '/', rawQueryString = ''] = (req.url ?? '/').split(/\?(.*)/s);
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') cookies.push(...value.split(/;\s*/).filter(Boolean));
    else headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    query[key] = key in query ? `${query[key]},${value}` : value;
  }
  let text: string | undefined;
  try {
    text = utf8.decode(body);
  } catch {
    text = undefined;
  }
  const method = req.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: WEBHOOK_ROUTE,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: (headers.host ?? '127').split('.')[0]!,
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: WEBHOOK_ROUTE,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: text ?? body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && text === undefined,
  };
}

/** Writes a handler result the way API Gateway interprets payload format 2.0 results. */
export function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2): void {
  if (typeof result === 'string' || result === null || typeof result !== 'object' || !('statusCode' in result)) {
    // Not a structured result: API Gateway answers 200 with the value as a JSON body.
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  const body =
    result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
  res.writeHead(result.statusCode ?? 200, headers).end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}
