/**
 * A fast loopback file source for the throughput runs: node:http on 127.0.0.1 (port 0) serving bytes from one
 * preallocated 1 MiB chunk, so serving a file costs socket writes, not per-byte work. It runs in a child process
 * of its own, like files.dixa.io runs on another machine: it never shares an event loop with the code measured.
 *
 * A file's size is in its path, `/<public|private>/bench/<bytes>/<name>`; any other path is 1 MiB (warm-ups).
 * Every file is the chunk repeated and cut at its size; `contentSha256` computes what the archive must hold.
 * Authorization headers are accepted and ignored: this measures transfer, not Dixa's auth (the fake in
 * test/fakes/files-server.ts checks that).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { forkChild, serveUntilStopped } from './child.ts';

export const MIB = 1024 * 1024;
const CHUNK_SIZE = MIB;
/** Chunks handed to consumers of `generatedStream`, the size a socket typically delivers. */
const STREAM_PIECE = 64 * 1024;
export const DEFAULT_SIZE = MIB;

let chunk: Buffer | undefined;

/** 1 MiB of incompressible, deterministic bytes (a SHA-256 chain), built once per process. */
export function sourceChunk(): Buffer {
  if (!chunk) {
    chunk = Buffer.alloc(CHUNK_SIZE);
    let block = createHash('sha256').update('dixa-archiver bench').digest();
    for (let offset = 0; offset < CHUNK_SIZE; offset += block.length) {
      block.copy(chunk, offset);
      block = createHash('sha256').update(block).digest();
    }
  }
  return chunk;
}

export function sourcePath(visibility: 'public' | 'private', bytes: number, name = 'file.bin'): string {
  return `/${visibility}/bench/${bytes}/${name}`;
}

export function sizeOfPath(path: string): number {
  const match = /^\/(?:public|private)\/bench\/(\d{1,13})\//.exec(path);
  return match ? Number(match[1]) : DEFAULT_SIZE;
}

/** The source's bytes as a local stream (the upload-only runs), in socket-sized pieces of the same chunk. */
export function generatedStream(bytes: number): Readable {
  const source = sourceChunk();
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < bytes; ) {
        const at = sent % CHUNK_SIZE;
        const piece = source.subarray(at, at + Math.min(STREAM_PIECE, bytes - sent, CHUNK_SIZE - at));
        sent += piece.length;
        yield piece;
      }
    })(),
    { objectMode: false },
  );
}

/** SHA-256 (hex) of a file of `bytes` from this source. */
export function contentSha256(bytes: number): string {
  const source = sourceChunk();
  const hash = createHash('sha256');
  for (let left = bytes; left > 0; left -= CHUNK_SIZE) hash.update(source.subarray(0, Math.min(CHUNK_SIZE, left)));
  return hash.digest('hex');
}

export function createSourceServer(): http.Server {
  const source = sourceChunk();
  return http.createServer(async (req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    const bytes = sizeOfPath((req.url ?? '/').split('?')[0] ?? '/');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes) });
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    try {
      for (let left = bytes; left > 0; left -= CHUNK_SIZE) {
        const more = res.write(left >= CHUNK_SIZE ? source : source.subarray(0, left));
        if (!more) await once(res, 'drain', { signal: gone.signal });
      }
      res.end();
    } catch {
      res.destroy(); // the client went away
    }
  });
}

export interface SourceServer {
  baseUrl: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Starts the source in a child process. */
export async function startSourceServer(): Promise<SourceServer> {
  const child = await forkChild<{ baseUrl: string }>(new URL(import.meta.url), ['--serve']);
  return { baseUrl: child.info.baseUrl, pid: child.process.pid, stop: child.stop };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--serve')) {
  const server = createSourceServer();
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    serveUntilStopped({ baseUrl: `http://127.0.0.1:${port}` }, () => {
      server.closeAllConnections();
      server.close();
    });
  });
}
