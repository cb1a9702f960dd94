import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contentSha256,
  createSourceServer,
  DEFAULT_SIZE,
  generatedStream,
  sizeOfPath,
  sourcePath,
} from '../../../bench/lib/source-server.ts';

const MIB = 1024 * 1024;
const server = createSourceServer();
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function sha256Of(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of chunks) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

describe('bench source server', () => {
  it('reads the size from the path; other paths are 1 MiB warm-ups', () => {
    expect(sizeOfPath(sourcePath('private', 12345, 'x.bin'))).toBe(12345);
    expect(sizeOfPath('/public/bench/7/a')).toBe(7);
    expect(sizeOfPath('/private/bench/warm-up.bin')).toBe(DEFAULT_SIZE);
  });

  it.each([1, 1000, 3.5 * MIB])(
    'serves %i bytes with a Content-Length, the same bytes as the local generator and contentSha256',
    async (size) => {
      const response = await fetch(`${base}${sourcePath('private', size)}`, {
        headers: { authorization: 'Basic ignored' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-length')).toBe(String(size));
      const served = await sha256Of(response.body as unknown as AsyncIterable<Uint8Array>);
      const generated = await sha256Of(generatedStream(size));
      expect(served).toEqual({ bytes: size, sha256: contentSha256(size) });
      expect(generated).toEqual(served);
    },
  );

  it('is not the same byte repeated (incompressible content)', async () => {
    const first = (await generatedStream(64).toArray())[0] as Buffer;
    expect(new Set(first).size).toBeGreaterThan(32);
  });

  it('answers only GET', async () => {
    expect((await fetch(`${base}/public/bench/10/x`, { method: 'POST' })).status).toBe(405);
  });
});
