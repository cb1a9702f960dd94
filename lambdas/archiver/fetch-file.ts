/**
 * Opens the download of one file on files.dixa.io and returns its body as a stream.
 *
 * - Redirects are followed here (at most MAX_REDIRECTS), each hop checked by the hop policy first.
 * - `Authorization: Basic base64("bearer:" + token)` goes only to the configured files origin and only for
 *   private links; a 401/403 is answered with one fresh token before it counts as permanent.
 * - `Accept-Encoding: identity`: we archive the bytes as served. A server that encodes anyway is decoded, the
 *   Content-Length check applies to the encoded bytes on the wire, and the decoded size is bounded (a small
 *   compressed body must not become an enormous file): `maxDecodedRatio` times the bytes on the wire, at least 1 MiB.
 * - A body must be framed (Content-Length or chunked): a close-delimited body that is cut short looks complete.
 * - node:http(s), not fetch: it gives a real connect timeout, an idle watchdog that fails the body stream when
 *   the server stops sending, a minimum-throughput rule against a slow drip (neither counts the time we are the
 *   slow side), and no automatic decompression.
 */
import http, { type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import { pipeline, type Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { SecretSource } from '../aws/secrets.ts';
import { type FilesOrigin, isFilesOrigin } from '../core/links.ts';
import { PIPELINE_VERSION } from '../core/record.ts';
import { ByteMeter } from './byte-meter.ts';
import { type ArchiveFailure, permanent, retryable, throttled } from './failures.ts';
import { type HopPolicy, hopPolicy, NonPublicAddressError, publicOnlyLookup, refuseHop } from './hop-policy.ts';

export const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** A download slower than this over a whole window is failed (retryable): 1 byte every 200 ms is not a download. */
export const DEFAULT_MIN_BYTES_PER_SECOND = 16 * 1024;
export const DEFAULT_THROUGHPUT_WINDOW_MS = 30_000;
/** Decoded bytes per byte on the wire when a host compresses despite `identity` (gzip of text is 3–10). */
export const DEFAULT_MAX_DECODED_RATIO = 100;
/** Below this, any decoded size is allowed: small files compress unpredictably well. */
export const DECODED_SIZE_FLOOR = 1024 * 1024;

export interface FetchSettings {
  files: FilesOrigin;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Minimum average download rate over each `throughputWindowMs` (default DEFAULT_MIN_BYTES_PER_SECOND). */
  minBytesPerSecond?: number;
  throughputWindowMs?: number;
  /** Bound on decoded / wire bytes for an encoded body (default DEFAULT_MAX_DECODED_RATIO). */
  maxDecodedRatio?: number;
}

export interface DownloadRequest {
  url: string;
  visibility: 'private' | 'public';
  /** Epoch ms after which the download is failed, so the Lambda can still clean up before its timeout. */
  deadline?: number;
}

export interface Download {
  /** The file's bytes (decoded if the server encoded them). Fails with an ArchiveFailure on any problem. */
  body: Readable;
  contentType: string | undefined;
  /** Content-Length as sent, if any (of the encoded bytes when `encoding` is set). */
  contentLength: number | undefined;
  /** The Content-Encoding the server applied despite `identity`, if any. */
  encoding: string | undefined;
  /** Bytes received on the wire so far (the encoded size once the body has ended). */
  wireBytes(): number;
}

export function basicAuthorization(token: string): string {
  return `Basic ${Buffer.from(`bearer:${token}`, 'utf8').toString('base64')}`;
}

/** Opens a download; rejects with an ArchiveFailure that says what the queue should do. */
export async function openDownload(
  request: DownloadRequest,
  settings: FetchSettings,
  secrets: SecretSource,
): Promise<Download> {
  const policy = hopPolicy(settings.files);
  const isPrivate = request.visibility === 'private';
  const token = isPrivate ? await apiToken(secrets, false) : undefined;
  let response = await follow(new URL(request.url), token, policy, settings, request.deadline);
  if (isPrivate && isAuthRejection(response.res.statusCode)) {
    response.res.destroy();
    response = await follow(new URL(request.url), await apiToken(secrets, true), policy, settings, request.deadline);
    if (isAuthRejection(response.res.statusCode)) {
      response.res.destroy();
      throw permanent(
        response.res.statusCode === 401 ? 'unauthorized' : 'forbidden',
        `${describe(response.url, policy)} answered ${statusLine(response.res)} after a token refresh`,
      );
    }
  }
  return toDownload(response.res, response.url, policy, settings);
}

async function apiToken(secrets: SecretSource, fresh: boolean): Promise<string> {
  const { apiToken } = await secrets.get({ fresh });
  if (!apiToken) throw retryable('no-token', 'no Dixa API token is configured for private files');
  return apiToken;
}

const isAuthRejection = (status: number | undefined) => status === 401 || status === 403;

interface Response {
  res: IncomingMessage;
  url: URL;
}

async function follow(
  start: URL,
  token: string | undefined,
  policy: HopPolicy,
  settings: FetchSettings,
  deadline: number | undefined,
): Promise<Response> {
  let url = start;
  for (let redirects = 0; ; redirects++) {
    const refusal = refuseHop(url, policy);
    if (refusal) throw permanent('refused-redirect', `download refused: ${refusal}`);
    const headers: OutgoingHttpHeaders = {
      'accept-encoding': 'identity',
      'user-agent': `dixa-archiver/${PIPELINE_VERSION}`,
    };
    if (token !== undefined && isFilesOrigin(url, policy.files)) headers.authorization = basicAuthorization(token);
    const res = await get(url, headers, policy, settings, deadline);
    if (!REDIRECT_STATUSES.has(res.statusCode ?? 0)) return { res, url };
    res.destroy();
    const location = res.headers.location;
    if (!location)
      throw retryable('http-status', `${describe(url, policy)} answered ${statusLine(res)} without a Location`);
    if (redirects >= MAX_REDIRECTS) throw permanent('too-many-redirects', `more than ${MAX_REDIRECTS} redirects`);
    try {
      url = new URL(location, url);
    } catch {
      throw permanent('refused-redirect', `${describe(url, policy)} redirected to something that is not a URL`);
    }
  }
}

/** One GET with a connect timeout and an idle watchdog that lasts until the response body is done. */
function get(
  url: URL,
  headers: OutgoingHttpHeaders,
  policy: HopPolicy,
  settings: FetchSettings,
  deadline: number | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const req = (secure ? https : http).request(url, {
      method: 'GET',
      headers,
      agent: false,
      ...(policy.loopback ? {} : { lookup: publicOnlyLookup }),
    });
    const host = describe(url, policy);
    const connectTimer = setTimeout(
      () =>
        req.destroy(
          retryable('connect-timeout', `could not connect to ${host} within ${settings.connectTimeoutMs} ms`),
        ),
      settings.connectTimeoutMs,
    );
    req.once('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer);
      socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    watchProgress(req, host, settings, deadline);
    req.once('response', (res) => {
      clearTimeout(connectTimer);
      resolve(res);
    });
    // `on`, not `once`: a late second error (after the body was handed over) must not go unhandled.
    req.on('error', (error) => {
      clearTimeout(connectTimer);
      reject(networkFailure(error, host));
    });
    req.end();
  });
}

/**
 * Fails the exchange when the server sends nothing for `idleTimeoutMs` — while we wait for headers or body
 * bytes —, when the body arrives slower than `minBytesPerSecond` over a whole throughput window (a drip that
 * beats the idle timeout), or when the deadline passes. Time during which the body is paused by our own
 * back-pressure (S3 slower than the download) counts neither as idle nor as slow.
 */
function watchProgress(req: ClientRequest, host: string, settings: FetchSettings, deadline: number | undefined): void {
  const idleMs = settings.idleTimeoutMs;
  const windowMs = settings.throughputWindowMs ?? DEFAULT_THROUGHPUT_WINDOW_MS;
  const minRate = settings.minBytesPerSecond ?? DEFAULT_MIN_BYTES_PER_SECOND;
  let res: IncomingMessage | undefined;
  let lastBytes = -1;
  let lastProgress = Date.now();
  let lastCheck = lastProgress;
  /** The current throughput window: when it started and the socket's byte count then (undefined: not started). */
  let window: { at: number; bytes: number } | undefined;
  const every = Math.max(10, Math.min(1000, Math.floor(Math.min(idleMs, windowMs) / 4)));
  const fail = (failure: ArchiveFailure) => {
    stop();
    if (res) res.destroy(failure);
    else req.destroy(failure);
  };
  const timer = setInterval(() => {
    const now = Date.now();
    if (deadline !== undefined && now > deadline) {
      return fail(retryable('deadline', `download from ${host} did not finish before the invocation deadline`));
    }
    // A late tick means our own event loop was blocked: bytes may be waiting unread, so this is no evidence.
    const blocked = now - lastCheck > 2 * every;
    lastCheck = now;
    const socket = req.socket;
    if (!socket || socket.connecting) return; // the connect timeout owns this phase
    const bytes = socket.bytesRead;
    const waitingOnUs =
      res !== undefined && (res.readableFlowing === false || res.readableLength >= res.readableHighWaterMark);
    if (bytes !== lastBytes || waitingOnUs || blocked) {
      lastBytes = bytes;
      lastProgress = now;
    } else if (now - lastProgress >= idleMs) {
      return fail(retryable('idle-timeout', `${host} sent nothing for ${idleMs} ms`));
    }
    if (res === undefined || waitingOnUs || blocked || minRate <= 0) {
      window = undefined; // the body has not started, or we were the slow side: start measuring afresh
    } else if (window === undefined) {
      window = { at: now, bytes };
    } else if (now - window.at >= windowMs) {
      const rate = ((bytes - window.bytes) * 1000) / (now - window.at);
      if (rate < minRate) {
        return fail(
          retryable(
            'too-slow',
            `${host} sent ${Math.round(rate)} bytes/s over ${now - window.at} ms, less than the minimum ${minRate} bytes/s`,
          ),
        );
      }
      window = { at: now, bytes };
    }
  }, every);
  const stop = () => clearInterval(timer);
  req.once('response', (response) => {
    res = response;
    response.once('close', stop);
  });
  req.once('error', stop);
  req.once('close', () => {
    if (!res) stop();
  });
}

function toDownload(res: IncomingMessage, url: URL, policy: HopPolicy, settings: FetchSettings): Download {
  const status = res.statusCode ?? 0;
  const host = describe(url, policy);
  if (status !== 200) {
    res.destroy();
    throw statusFailure(res, url, policy);
  }
  const contentLength = parseContentLength(res.headers['content-length']);
  if (contentLength === undefined && !isChunked(res)) {
    // Close-delimited (e.g. HTTP/1.0): a connection that drops early would look like a complete, shorter file.
    res.destroy();
    throw retryable('unframed-body', `${host} sent a body with neither Content-Length nor chunked framing`);
  }
  const encoding = res.headers['content-encoding']?.trim().toLowerCase() || undefined;
  const stages: Transform[] = [];
  const onTheWire = new ByteMeter({ expectedBytes: contentLength, hash: false });
  stages.push(onTheWire);
  if (encoding !== undefined && encoding !== 'identity') {
    const decoder = decoderFor(encoding);
    if (!decoder) {
      res.destroy();
      throw permanent('unsupported-encoding', `${host} sent Content-Encoding ${encoding}`);
    }
    const ratio = settings.maxDecodedRatio ?? DEFAULT_MAX_DECODED_RATIO;
    stages.push(
      decoder,
      decodedSizeBound(() => Math.max(DECODED_SIZE_FLOOR, ratio * onTheWire.bytes), host),
    );
  }
  const body = stages.at(-1) as Transform;
  // Whatever breaks upstream reaches the consumer as one classified failure (pipeline would pass the raw error).
  for (const upstream of [res, ...stages.slice(0, -1)]) {
    upstream.once('error', (error) => body.destroy(bodyFailure(error, host)));
  }
  pipeline([res, ...stages], () => {});
  return {
    body,
    contentType: firstHeader(res.headers['content-type']),
    contentLength,
    encoding: encoding === 'identity' ? undefined : encoding,
    wireBytes: () => onTheWire.bytes,
  };
}

const isChunked = (res: IncomingMessage) => /(^|,)\s*chunked\s*$/i.test(String(res.headers['transfer-encoding'] ?? ''));

/** Fails the decoded stream as soon as it outgrows `limit()` (a decompression bomb): retrying cannot help. */
function decodedSizeBound(limit: () => number, host: string): Transform {
  let decoded = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      decoded += chunk.length;
      if (decoded > limit()) {
        callback(
          permanent('decoded-too-large', `${host} sent an encoded body that decodes to more than ${limit()} bytes`),
        );
        return;
      }
      callback(null, chunk);
    },
  });
}

function statusFailure(res: IncomingMessage, url: URL, policy: HopPolicy): ArchiveFailure {
  const status = res.statusCode ?? 0;
  const message = `${describe(url, policy)} answered ${statusLine(res)}`;
  if (status === 404) return permanent('not-found', message);
  if (status === 410) return permanent('gone', message);
  if (status === 401) return permanent('unauthorized', message);
  if (status === 403) return permanent('forbidden', message);
  if (status === 429) return throttled(message, firstHeader(res.headers['retry-after']));
  return retryable('http-status', message);
}

function decoderFor(encoding: string): Transform | undefined {
  if (encoding === 'gzip' || encoding === 'x-gzip') return createGunzip();
  if (encoding === 'deflate') return createInflate();
  if (encoding === 'br') return createBrotliDecompress();
  return undefined;
}

function networkFailure(error: Error, host: string): ArchiveFailure {
  if ((error as ArchiveFailure).kind !== undefined) return error as ArchiveFailure;
  if (error instanceof NonPublicAddressError)
    return permanent('refused-redirect', `download refused: ${error.message}`);
  const code = (error as NodeJS.ErrnoException).code;
  return retryable('network', `request to ${host} failed: ${code ?? error.name} ${error.message}`);
}

function bodyFailure(error: Error, host: string): Error {
  if ((error as ArchiveFailure).kind !== undefined) return error;
  const code = (error as NodeJS.ErrnoException).code;
  return retryable('network', `download from ${host} broke off: ${code ?? error.name} ${error.message}`);
}

/** The files host by its configured name; any other host by its host name only (never a signed query string). */
function describe(url: URL, policy: HopPolicy): string {
  return isFilesOrigin(url, policy.files) ? policy.files.authority : `redirect target ${url.host}`;
}

const statusLine = (res: IncomingMessage) => `${res.statusCode} ${res.statusMessage ?? ''}`.trim();

function firstHeader(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

function parseContentLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value.trim())) return undefined;
  return Number(value.trim());
}
