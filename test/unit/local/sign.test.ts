import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { command, SAMPLE_WEBHOOK } from '../../../cli/commands/sign.ts';
import { decodeSigningSecret, verifySignature } from '../../../lambdas/core/signature.ts';

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const SECRET = '00112233445566778899aabbccddeeff';

describe('dixa-archiver sign', () => {
  let server: Server;
  let url: string;
  let status = 202;
  const received: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const out: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(status, { 'content-type': 'application/json' }).end('{"status":"queued","jobs":2}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
  });
  afterAll(() => {
    vi.restoreAllMocks();
    server.close();
  });
  afterEach(() => {
    out.length = 0;
    status = 202;
    vi.unstubAllEnvs();
  });

  it('posts the sample webhook byte for byte with a signature Dixa’s scheme verifies', async () => {
    expect(await command.run(['--url', url, '--secret-hex', SECRET])).toBe(0);
    const last = received.at(-1)!;
    expect(last.body).toEqual(await readFile(SAMPLE_WEBHOOK));
    expect(last.headers['content-type']).toBe('application/json');
    expect(last.headers['x-dixa-subscription-id']).toBeTruthy();
    const check = verifySignature({
      header: last.headers['x-dixa-signature'],
      rawBody: last.body,
      key: decodeSigningSecret(SECRET),
    });
    expect(check).toEqual({ ok: true });
    expect(out.join('')).toBe('HTTP 202 {"status":"queued","jobs":2}\n');
  });

  it('finds the secret local mode generated in ARCHIVE_DIR/local-secret and the port in PORT', async () => {
    const archiveDir = await mkdtemp(join(tmpdir(), 'sign-'));
    await writeFile(join(archiveDir, 'local-secret'), `${SECRET}\n`);
    vi.stubEnv('ARCHIVE_DIR', archiveDir);
    vi.stubEnv('DIXA_WEBHOOK_SECRET', '');
    vi.stubEnv('PORT', new URL(url).port);
    expect(await command.run([])).toBe(0);
    const last = received.at(-1)!;
    expect(
      verifySignature({
        header: last.headers['x-dixa-signature'],
        rawBody: last.body,
        key: decodeSigningSecret(SECRET),
      }).ok,
    ).toBe(true);
  });

  it('sends another file when asked, and exits 1 on a non-2xx answer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sign-'));
    const file = join(dir, 'body.json');
    await writeFile(file, '{"event_fqn":"CONVERSATION_CREATED"}');
    status = 401;
    expect(await command.run(['--file', file, '--url', url, '--secret-hex', SECRET])).toBe(1);
    expect(received.at(-1)!.body.toString()).toBe('{"event_fqn":"CONVERSATION_CREATED"}');
    expect(out.join('')).toMatch(/^HTTP 401 /);
  });

  it('--print prints a curl command instead of sending', async () => {
    const before = received.length;
    expect(await command.run(['--print', '--url', url, '--secret-hex', SECRET])).toBe(0);
    expect(received.length).toBe(before);
    expect(out.join('')).toMatch(
      new RegExp(
        `^curl -sS -X POST '${url}' .*-H 'x-dixa-signature: t=\\d+,v1=[0-9a-f]{64}' .*--data-binary @'${SAMPLE_WEBHOOK}'\\n$`,
      ),
    );
  });

  it('fails with one line when there is no secret, the secret is not hex, or nothing listens', async () => {
    vi.stubEnv('ARCHIVE_DIR', await mkdtemp(join(tmpdir(), 'sign-')));
    vi.stubEnv('DIXA_WEBHOOK_SECRET', '');
    await expect(command.run(['--url', url])).rejects.toThrow(/^no signing secret: pass --secret-hex/);
    await expect(command.run(['--url', url, '--secret-hex', 'xyz'])).rejects.toThrow(
      '--secret-hex: webhook signing secret must be a hex string',
    );
    await expect(command.run(['--url', url, '--secret-hex', 'ab12'])).rejects.toThrow(
      '--secret-hex: webhook signing secret is 2 bytes; at least 16 bytes (32 hex digits) are required',
    );
    const closed = `http://127.0.0.1:${await freePort()}/webhook`;
    await expect(command.run(['--url', closed, '--secret-hex', SECRET])).rejects.toThrow(
      `cannot reach ${closed} (is \`npm start\` running?): ECONNREFUSED`,
    );
    await expect(command.run(['--bogus'])).rejects.toMatchObject({ exitCode: 2 });
  });
});
