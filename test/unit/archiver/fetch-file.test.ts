/**
 * The download's timeouts against loopback servers: a connect that never completes, a server that stops
 * sending, a slow drip, a consumer that is slow on purpose (back-pressure is neither idleness nor a slow host),
 * the invocation deadline; and the body's framing and encoding: close-delimited bodies, decompression bombs.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FetchSettings, openDownload } from '../../../lambdas/archiver/fetch-file.ts';
import { parseFilesBaseUrl } from '../../../lambdas/core/links.ts';
import { contentSha256, type FilesServer, startFilesServer } from '../../fakes/files-server.ts';

const secrets = { get: async () => ({ apiToken: 'fetch-token', webhookSecret: '' }) };
let files: FilesServer;
let settings: FetchSettings;
/** Accepts TCP connections and never says anything: a TLS handshake to it never completes. */
let silent: net.Server;
let silentPort: number;

beforeAll(async () => {
  files = await startFilesServer({ token: 'fetch-token' });
  settings = { files: parseFilesBaseUrl(files.baseUrl), connectTimeoutMs: 300, idleTimeoutMs: 300 };
  silent = net.createServer(() => {});
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  silentPort = (silent.address() as AddressInfo).port;
});
afterAll(async () => {
  files.assertNoLeaks();
  await files.close();
  silent.close();
});

async function drain(body: NodeJS.ReadableStream, pauseMs = 0): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let paused = false;
  for await (const chunk of body) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    if (pauseMs > 0 && !paused) {
      paused = true;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
  return { bytes, sha256: hash.digest('hex') };
}

describe('openDownload', () => {
  it('a consumer slower than the idle timeout is not a stalled server (back-pressure does not count)', async () => {
    const path = '/private/org/slow-consumer/big.bin';
    const size = 8 * 1024 * 1024;
    files.addFile(path, { size });
    const download = await openDownload({ url: `${files.baseUrl}${path}`, visibility: 'private' }, settings, secrets);
    expect(await drain(download.body, 1200)).toEqual({ bytes: size, sha256: await contentSha256(path, size) });
  });

  it('a server that stops sending fails the body with an idle timeout', async () => {
    const path = '/public/org/stall/f.bin';
    files.addFile(path, { size: 100_000, always: { kind: 'stall', afterBytes: 30_000 } });
    const download = await openDownload({ url: `${files.baseUrl}${path}`, visibility: 'public' }, settings, secrets);
    await expect(drain(download.body)).rejects.toMatchObject({ kind: 'retry', code: 'idle-timeout' });
  });

  it('a connection that never completes fails with a connect timeout', async () => {
    const path = '/public/org/tls-stall/f.bin';
    files.addFile(path, { size: 10, always: { kind: 'redirect', location: `https://127.0.0.1:${silentPort}/f` } });
    const started = Date.now();
    await expect(
      openDownload(
        { url: `${files.baseUrl}${path}`, visibility: 'public' },
        { ...settings, idleTimeoutMs: 60_000 },
        secrets,
      ),
    ).rejects.toMatchObject({
      kind: 'retry',
      code: 'connect-timeout',
      message: `could not connect to redirect target 127.0.0.1:${silentPort} within 300 ms`,
    });
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('a download still running at the deadline is failed', async () => {
    const path = '/public/org/deadline/f.bin';
    files.addFile(path, { size: 100_000, always: { kind: 'stall', afterBytes: 10 } });
    const download = await openDownload(
      { url: `${files.baseUrl}${path}`, visibility: 'public', deadline: Date.now() + 150 },
      { ...settings, idleTimeoutMs: 60_000 },
      secrets,
    );
    await expect(drain(download.body)).rejects.toMatchObject({ code: 'deadline' });
  });

  it('reports the served type, length and encoding', async () => {
    const path = '/public/org/meta/f.txt';
    files.addFile(path, { size: 1000, contentType: 'text/plain; charset=utf-8' });
    const download = await openDownload({ url: `${files.baseUrl}${path}`, visibility: 'public' }, settings, secrets);
    expect(download).toMatchObject({
      contentType: 'text/plain; charset=utf-8',
      contentLength: 1000,
      encoding: undefined,
    });
    await drain(download.body);
    files.addFile(path, { size: 1000, always: { kind: 'gzip' } });
    const gzipped = await openDownload({ url: `${files.baseUrl}${path}`, visibility: 'public' }, settings, secrets);
    expect(gzipped.encoding).toBe('gzip');
    expect(await drain(gzipped.body)).toEqual({ bytes: 1000, sha256: await contentSha256(path, 1000) });
  });

  it('a private link without a configured token is retried, not sent unauthenticated', async () => {
    const path = '/private/org/no-token/f.bin';
    files.addFile(path, { size: 10 });
    const none = { get: async () => ({ apiToken: '', webhookSecret: '' }) };
    await expect(
      openDownload({ url: `${files.baseUrl}${path}`, visibility: 'private' }, settings, none),
    ).rejects.toMatchObject({ code: 'no-token' });
    expect(files.requestCount(path)).toBe(0);
  });
});

describe('openDownload refuses bodies that could be archived wrong', () => {
  it('a close-delimited body (no Content-Length, not chunked) is refused as retryable, complete or cut short', async () => {
    for (const [name, fault] of [
      ['whole', { kind: 'unframed' }],
      ['cut', { kind: 'unframed', afterBytes: 4000 }],
    ] as const) {
      const path = `/public/org/unframed/${name}.bin`;
      files.addFile(path, { size: 10_000, always: fault });
      await expect(
        openDownload({ url: `${files.baseUrl}${path}`, visibility: 'public' }, settings, secrets),
      ).rejects.toMatchObject({ kind: 'retry', code: 'unframed-body' });
    }
  });

  it('a chunked body is framed and accepted', async () => {
    const path = '/public/org/chunked/f.bin';
    files.addFile(path, { size: 50_000, always: { kind: 'gzip' } }); // gzip is served chunked
    const download = await openDownload({ url: `${files.baseUrl}${path}`, visibility: 'public' }, settings, secrets);
    expect(await drain(download.body)).toEqual({ bytes: 50_000, sha256: await contentSha256(path, 50_000) });
  });

  it('an encoded body that decodes past the bound is refused permanently (a 5 KiB body must not become 5 MiB)', async () => {
    const path = '/public/org/bomb/zeros.bin';
    files.addFile(path, { size: 5 * 1024 * 1024, always: { kind: 'gzip-zeros' } });
    const download = await openDownload({ url: `${files.baseUrl}${path}`, visibility: 'public' }, settings, secrets);
    await expect(drain(download.body)).rejects.toMatchObject({ kind: 'permanent', code: 'decoded-too-large' });
    expect(download.wireBytes()).toBeLessThan(64 * 1024);
  });

  it('the decoded bound is configurable and counts the bytes on the wire', async () => {
    const path = '/public/org/bomb/allowed.bin';
    const size = 3 * 1024 * 1024;
    files.addFile(path, { size, always: { kind: 'gzip-zeros' } });
    const download = await openDownload(
      { url: `${files.baseUrl}${path}`, visibility: 'public' },
      { ...settings, maxDecodedRatio: 10_000 },
      secrets,
    );
    expect((await drain(download.body)).bytes).toBe(size);
    expect(download.encoding).toBe('gzip');
    expect(download.wireBytes()).toBeGreaterThan(0);
    expect(download.wireBytes()).toBeLessThan(size / 100);
  });

  it('a drip that beats the idle timeout fails the minimum-throughput rule as retryable', async () => {
    const path = '/public/org/drip/f.bin';
    files.addFile(path, { size: 100_000, always: { kind: 'drip', everyMs: 20, bytes: 1 } });
    const started = Date.now();
    const download = await openDownload(
      { url: `${files.baseUrl}${path}`, visibility: 'public' },
      { ...settings, idleTimeoutMs: 300, minBytesPerSecond: 1024, throughputWindowMs: 400 },
      secrets,
    );
    await expect(drain(download.body)).rejects.toMatchObject({ kind: 'retry', code: 'too-slow' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a consumer slower than the throughput rule is not a slow host (back-pressure does not count)', async () => {
    const path = '/private/org/slow-consumer/rate.bin';
    const size = 8 * 1024 * 1024;
    files.addFile(path, { size });
    const download = await openDownload(
      { url: `${files.baseUrl}${path}`, visibility: 'private' },
      { ...settings, minBytesPerSecond: 1024 * 1024 * 1024, throughputWindowMs: 200 },
      secrets,
    );
    expect(await drain(download.body, 1200)).toEqual({ bytes: size, sha256: await contentSha256(path, size) });
  });
});
