/**
 * The download's timeouts against loopback servers: a connect that never completes, a server that stops
 * sending, a consumer that is slow on purpose (back-pressure is not idleness), the invocation deadline.
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
