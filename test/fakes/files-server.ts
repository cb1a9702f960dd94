/**
 * A fake files.dixa.io on 127.0.0.1 (port 0), for tests, local mode and the soak run.
 *
 * - Private paths (`/private/...`) require `Authorization: Basic base64("bearer:" + token)` exactly, as Dixa
 *   documents it (401 otherwise); public paths are served without auth.
 * - Private downloads are redirected (302) to a SECOND loopback server (another origin, like a pre-signed
 *   storage URL). That server records every Authorization header it ever receives as a leak and refuses the
 *   request; tests call `assertNoLeaks()`. An Authorization header on a public path is a leak too.
 * - File contents are generated deterministically from a seed, block by block, so any size costs no memory or
 *   disk and a test can compute the expected SHA-256 by streaming the same generator (`contentSha256`).
 * - Faults per file, one per request in order (then the file is served normally), or on every request:
 *   status (500, 404, 410, 403, 401, 429 ± Retry-After), reset mid-body, stall, truncated body with the full
 *   Content-Length, gzip-encoded body, a gzip bomb, a close-delimited (unframed) body, a slow drip, wrong or
 *   missing Content-Type, a custom redirect Location, a body held on a latch mid-way (a download in flight at a
 *   moment the test chooses).
 * - Request counters per path (files host only) and a request log without header values.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  /** TCP reset after sending `afterBytes` of the body. */
  | { kind: 'reset'; afterBytes: number }
  /** Sends `afterBytes` of the body, then nothing, keeping the connection open. */
  | { kind: 'stall'; afterBytes: number }
  /**
   * A download in flight on a latch: sends `afterBytes`, calls `onHold`, waits for `until`, then sends the rest —
   * so a test can act (e.g. erase the conversation) at a known point of a download.
   */
  | { kind: 'hold'; afterBytes: number; until: Promise<void>; onHold?: () => void }
  /** Announces the full Content-Length, sends `afterBytes`, then closes the connection cleanly. */
  | { kind: 'truncate'; afterBytes: number }
  /** Content-Encoding: gzip (chunked), whatever the client asked for. */
  | { kind: 'gzip' }
  /** Content-Encoding: gzip of `size` zero bytes instead of the file (a decompression bomb: ~1000:1). */
  | { kind: 'gzip-zeros' }
  /** HTTP/1.0-style close-delimited body (no Content-Length, not chunked); `afterBytes` cuts it short. */
  | { kind: 'unframed'; afterBytes?: number }
  /** Sends `bytes` bytes at a time every `everyMs` ms (a drip that beats any idle timeout). */
  | { kind: 'drip'; everyMs: number; bytes?: number }
  /** This Content-Type instead of the file's (null: no Content-Type header at all). */
  | { kind: 'content-type'; value: string | null }
  /** A redirect to `location`, verbatim (hostile redirects, loops). */
  | { kind: 'redirect'; location: string; status?: number };

export interface FakeFile {
  size: number;
  /** Seed of the generated content; defaults to the path. */
  seed?: string;
  contentType?: string;
  /** Private files are redirected to the storage server unless this is false. */
  redirect?: boolean;
  /** Consumed one per request to the files host, in order. */
  faults?: Fault[];
  /** Applies to every request once `faults` are used up. */
  always?: Fault;
}

export interface LoggedRequest {
  server: 'files' | 'storage';
  method: string;
  path: string;
  /** Whether an Authorization header was present (the value is never kept). */
  authorized: boolean;
  status: number;
}

export interface FilesServer {
  /** `http://127.0.0.1:<port>`: set DIXA_FILES_BASE_URL to this. */
  baseUrl: string;
  /** Origin of the second server private downloads are redirected to. */
  storageUrl: string;
  token: string;
  /** Adds or replaces a file; returns its absolute URL on the files host. */
  addFile(path: string, file: FakeFile): string;
  /** Requests the files host received for `path` (any status). */
  requestCount(path: string): number;
  readonly log: readonly LoggedRequest[];
  /** Authorization headers seen where none may go (storage server, public paths). */
  readonly leaks: readonly string[];
  assertNoLeaks(): void;
  close(): Promise<void>;
}

export interface FilesServerOptions {
  token?: string;
}

export async function startFilesServer(options: FilesServerOptions = {}): Promise<FilesServer> {
  const files = new Map<string, FakeFile & { served: number }>();
  const counts = new Map<string, number>();
  const log: LoggedRequest[] = [];
  const leaks: string[] = [];
  /** One-time tickets the storage server redeems: ticket → (file, fault for this download). */
  const tickets = new Map<string, { path: string; fault: Fault | undefined }>();
  const state = { token: options.token ?? 'fake-dixa-token' };

  const expectedAuthorization = () => `Basic ${Buffer.from(`bearer:${state.token}`).toString('base64')}`;

  const files$ = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const done = (status: number) =>
      log.push({ server: 'files', method: req.method ?? '', path, authorized: !!req.headers.authorization, status });
    const file = files.get(path);
    if (req.method !== 'GET') return respond(res, 405, done);
    if (!file) return respond(res, 404, done);
    const isPrivate = path.startsWith('/private/');
    if (isPrivate && req.headers.authorization !== expectedAuthorization()) return respond(res, 401, done);
    if (!isPrivate && req.headers.authorization !== undefined) {
      leaks.push(`Authorization sent for public path ${path}`);
    }
    const fault = file.faults?.[file.served] ?? file.always;
    file.served++;
    if (fault?.kind === 'status') {
      if (fault.retryAfter !== undefined) res.setHeader('Retry-After', fault.retryAfter);
      return respond(res, fault.status, done);
    }
    if (fault?.kind === 'redirect') {
      res.setHeader('Location', fault.location);
      return respond(res, fault.status ?? 302, done);
    }
    if (isPrivate && file.redirect !== false) {
      const ticket = randomBytes(12).toString('hex');
      tickets.set(ticket, { path, fault });
      res.setHeader('Location', `${storageUrl}/blob/${ticket}?X-Amz-Signature=${randomBytes(8).toString('hex')}`);
      return respond(res, 302, done);
    }
    done(200);
    serveContent(res, file, fault);
  });

  const storage$ = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const done = (status: number) =>
      log.push({ server: 'storage', method: req.method ?? '', path, authorized: !!req.headers.authorization, status });
    if (req.headers.authorization !== undefined) {
      leaks.push(`Authorization sent to the storage server for ${path}`);
      return respond(res, 400, done);
    }
    const ticket = tickets.get(path.replace(/^\/blob\//, ''));
    const file = ticket && files.get(ticket.path);
    if (!ticket || !file) return respond(res, 403, done);
    tickets.delete(path.replace(/^\/blob\//, ''));
    done(200);
    serveContent(res, file, ticket.fault);
  });

  const baseUrl = await listen(files$);
  const storageUrl = await listen(storage$);

  return {
    baseUrl,
    storageUrl,
    get token() {
      return state.token;
    },
    set token(value: string) {
      state.token = value;
    },
    addFile(path, file) {
      files.set(path, { seed: path, ...file, served: 0 });
      return `${baseUrl}${path}`;
    },
    requestCount: (path) => counts.get(path) ?? 0,
    log,
    leaks,
    assertNoLeaks() {
      if (leaks.length > 0) throw new Error(`Authorization leaked: ${leaks.join('; ')}`);
    },
    async close() {
      for (const server of [files$, storage$]) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}

function respond(res: ServerResponse, status: number, done: (status: number) => void): void {
  done(status);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain');
  res.end(`${status} ${http.STATUS_CODES[status] ?? ''}\n`);
}

function serveContent(res: ServerResponse, file: FakeFile, fault: Fault | undefined): void {
  const seed = file.seed ?? '';
  const contentType = fault?.kind === 'content-type' ? fault.value : (file.contentType ?? 'application/octet-stream');
  if (contentType !== null) res.setHeader('Content-Type', contentType);
  res.statusCode = 200;
  const socket = res.socket;

  if (fault?.kind === 'gzip' || fault?.kind === 'gzip-zeros') {
    res.setHeader('Content-Encoding', 'gzip');
    const content = fault.kind === 'gzip' ? generateContent(seed, file.size) : zeros(file.size);
    pipeline(content, createGzip(), res).catch(() => {});
    return;
  }
  if (fault?.kind === 'unframed' && socket) {
    // Node's server would frame the body: write the response by hand, then close the connection to end it.
    const head = [`HTTP/1.0 200 OK`, ...(contentType === null ? [] : [`Content-Type: ${contentType}`]), '', ''];
    socket.write(head.join('\r\n'));
    const size = Math.min(fault.afterBytes ?? file.size, file.size);
    pipeline(generateContent(seed, size), socket).catch(() => {});
    return;
  }
  if (fault?.kind === 'drip') {
    res.setHeader('Content-Length', String(file.size));
    res.flushHeaders();
    const drip = async () => {
      const step = fault.bytes ?? 1;
      for await (const chunk of generateContent(seed, file.size)) {
        for (let at = 0; at < chunk.length && !res.destroyed; at += step) {
          res.write((chunk as Buffer).subarray(at, at + step));
          await new Promise((resolve) => setTimeout(resolve, fault.everyMs));
        }
      }
      res.end();
    };
    drip().catch(() => {});
    return;
  }
  res.setHeader('Content-Length', String(file.size));
  if (fault?.kind === 'hold') {
    const held = async () => {
      res.flushHeaders();
      let sent = 0;
      let waited = false;
      const wait = async () => {
        waited = true;
        fault.onHold?.();
        await fault.until;
      };
      for await (const chunk of generateContent(seed, file.size)) {
        if (!waited && sent >= fault.afterBytes) await wait();
        const flushed = new Promise((resolve) => res.write(chunk, resolve));
        if (res.writableNeedDrain) await once(res, 'drain');
        await flushed;
        sent += (chunk as Buffer).length;
      }
      if (!waited) await wait();
      res.end();
    };
    held().catch(() => {});
    return;
  }
  if (fault?.kind === 'reset' || fault?.kind === 'stall' || fault?.kind === 'truncate') {
    const { kind } = fault;
    const partial = async () => {
      res.flushHeaders();
      for await (const chunk of generateContent(seed, Math.min(fault.afterBytes, file.size))) {
        const flushed = new Promise((resolve) => res.write(chunk, resolve));
        if (res.writableNeedDrain) await once(res, 'drain');
        await flushed;
      }
      if (kind === 'reset') socket?.resetAndDestroy();
      else if (kind === 'truncate') socket?.end();
      // stall: the connection stays open and silent; close() tears it down.
    };
    partial().catch(() => {});
    return;
  }
  pipeline(generateContent(seed, file.size), res).catch(() => {});
}

// ---------------------------------------------------------------------------------------------- content

const BLOCK_SIZE = 64 * 1024;
const baseBlocks = new Map<string, Buffer>();

/** 64 KiB of seed-derived bytes; block k of a file is this block with k written into its first 8 bytes. */
function baseBlock(seed: string): Buffer {
  let block = baseBlocks.get(seed);
  if (!block) {
    const parts: Buffer[] = [];
    for (let i = 0; i < BLOCK_SIZE / 32; i++) parts.push(createHash('sha256').update(`${seed}:${i}`).digest());
    block = Buffer.concat(parts);
    baseBlocks.set(seed, block);
  }
  return block;
}

/** The deterministic content of a generated file, as ≤ 64 KiB chunks. */
function* contentBlocks(seed: string, size: number): Generator<Buffer> {
  const base = baseBlock(seed);
  for (let offset = 0, k = 0; offset < size; offset += BLOCK_SIZE, k++) {
    const chunk = Buffer.from(base.subarray(0, Math.min(BLOCK_SIZE, size - offset)));
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64LE(BigInt(k));
    counter.copy(chunk, 0, 0, Math.min(8, chunk.length));
    yield chunk;
  }
}

/** The deterministic content of a generated file, as a stream of ≤ 64 KiB chunks. */
export function generateContent(seed: string, size: number): Readable {
  return Readable.from(contentBlocks(seed, size), { objectMode: false });
}

/** A digest (hex) of a generated file, computed synchronously (for fakes that publish a checksum, like Dixa's FileMeta). */
export function contentDigestSync(seed: string, size: number, algorithm = 'sha256'): string {
  const hash = createHash(algorithm);
  for (const chunk of contentBlocks(seed, size)) hash.update(chunk);
  return hash.digest('hex');
}

function zeros(size: number): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < size; offset += BLOCK_SIZE) yield Buffer.alloc(Math.min(BLOCK_SIZE, size - offset));
    })(),
    { objectMode: false },
  );
}

/** SHA-256 (hex) of a generated file, computed by streaming the generator (no buffering). */
export async function contentSha256(seed: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of generateContent(seed, size)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}
