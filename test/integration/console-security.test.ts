/**
 * The compliance console's gate and headers, over real HTTP against s3rver: loopback only, the one-time token and
 * the session cookie, Host and Origin checks, POST-only changes with a CSRF token, a strict CSP without inline
 * script, archived files never active (HTML and SVG download-only, nosniff, sandboxed), Range passed through to S3.
 * Each rule here has a test that fails without it.
 */
import { request as httpRequest } from 'node:http';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Jobs } from '../../cli/console/jobs.ts';
import { startConsole } from '../../cli/console/server.ts';
import { sanitizeName } from '../../lambdas/core/keys.ts';
import { XSS_NAMES } from '../fixtures/xss-names.ts';
import { BUCKET, type Emulator, PREFIX, type SeededFile, seedConversation, startS3 } from './compliance-fixture.ts';
import { type ConsoleClient, type Reply, startTestConsole } from './console-fixture.ts';

let emulator: Emulator;
let client: ConsoleClient;
let files: SeededFile[];
const CSID = '5150';
const HOSTILE_CSID = '5151';
const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

const fileUrl = (file: SeededFile, download = false) =>
  `/api/files/${CSID}/${file.key.split('/').at(-2)}${download ? '?download' : ''}`;

beforeAll(async () => {
  emulator = await startS3();
  files = await seedConversation(emulator.s3, CSID, [
    { name: 'photo.png', linkName: 'p.png', content: png, contentType: 'image/png' },
    {
      name: '<script>alert(1)</script>.html',
      linkName: 'x.html',
      content: '<script>alert(1)</script>',
      contentType: 'text/html',
    },
    {
      name: 'logo.svg',
      linkName: 'l.svg',
      content: '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
      contentType: 'image/svg+xml',
    },
    {
      name: 'call.mp3',
      linkName: 'c.mp3',
      content: Buffer.alloc(10_000, 3),
      contentType: 'audio/mpeg',
      kind: 'recording',
    },
  ]);
  client = await startTestConsole(emulator);
});
afterAll(async () => {
  await client?.running.stop();
  await emulator?.stop();
});

describe('who may come in', () => {
  it('listens on 127.0.0.1 only and prints a start URL there', () => {
    expect(client.running.url).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${client.running.port}/\\?token=[A-Za-z0-9_-]{43}$`),
    );
  });

  it('refuses every request without a session, the page and its script included', async () => {
    for (const path of ['/', '/assets/app.js', '/api/session', fileUrl(files[0]!)]) {
      const reply = await client.call(path);
      expect(reply.status, path).toBe(401);
      expect(reply.body.toString()).toMatch(/Open the link/);
    }
  });

  it('exchanges the token once for an HttpOnly, SameSite=Strict cookie; a wrong or used token is refused', async () => {
    const second = await startConsole({
      archive: { s3: emulator.s3, bucket: BUCKET, prefix: PREFIX, local: true },
      jobs: new Jobs(),
      assets: { page: '', files: new Map() },
      whoAmI: async () => 'x',
      log: () => {},
    });
    try {
      const get = (path: string, headers: Record<string, string> = {}) =>
        new Promise<Reply>((resolve, reject) => {
          const req = httpRequest(
            { host: '127.0.0.1', port: second.port, path, headers: { host: `127.0.0.1:${second.port}`, ...headers } },
            (res) => {
              res.resume();
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0) }),
              );
            },
          );
          req.on('error', reject);
          req.end();
        });
      const token = new URL(second.url).searchParams.get('token')!;
      const wrong = await get(`/?token=${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
      expect(wrong.status).toBe(403);
      expect(wrong.headers['set-cookie']).toBeUndefined();

      const first = await get(`/?token=${token}`);
      expect(first.status).toBe(303);
      expect(first.headers.location).toBe('/');
      const setCookie = String(first.headers['set-cookie']);
      expect(setCookie).toMatch(new RegExp(`^dixa_console_${second.port}=[A-Za-z0-9_-]{43};`));
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);

      const again = await get(`/?token=${token}`);
      expect(again.status).toBe(403);
      expect(again.headers['set-cookie']).toBeUndefined();
    } finally {
      await second.stop();
    }
  });

  it('refuses a foreign Host (DNS rebinding), even with a valid session', async () => {
    for (const foreign of [
      'evil.example',
      `evil.example:${client.running.port}`,
      `127.0.0.1:${client.running.port + 1}`,
    ]) {
      const reply = await client.call('/api/session', { headers: { host: foreign, cookie: client.cookie } });
      expect(reply.status, foreign).toBe(421);
    }
    expect(
      (await client.authed('/api/session', { headers: { host: `localhost:${client.running.port}` } })).status,
    ).toBe(200);
  });

  it('refuses requests from another origin, whatever the method', async () => {
    const foreign = { origin: 'http://evil.example' };
    expect((await client.authed('/api/session', { headers: foreign })).status).toBe(403);
    expect(
      (await client.authed('/api/find', { method: 'POST', headers: foreign, body: { conversations: [CSID] } })).status,
    ).toBe(403);
    expect((await client.authed('/api/session', { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await client.authed('/api/session', { headers: { 'sec-fetch-site': 'same-site' } })).status).toBe(403);
    expect(
      (await client.authed('/api/session', { headers: { 'sec-fetch-site': 'same-origin', origin: client.origin } }))
        .status,
    ).toBe(200);
  });

  it('needs the CSRF token and an Origin on every POST, and allows no other method that changes things', async () => {
    const find = { conversations: [CSID] };
    expect((await client.authed('/api/find', { method: 'POST', body: find })).status).toBe(200);
    expect(
      (await client.authed('/api/find', { method: 'POST', body: find, headers: { 'x-csrf-token': 'nope' } })).status,
    ).toBe(403);
    const noToken = await client.call('/api/find', {
      method: 'POST',
      headers: { cookie: client.cookie, origin: client.origin, 'content-type': 'application/json' },
      body: JSON.stringify(find),
    });
    expect(noToken.status).toBe(403);
    const noOrigin = await client.call('/api/find', {
      method: 'POST',
      headers: { cookie: client.cookie, 'content-type': 'application/json', 'x-csrf-token': client.csrf },
      body: JSON.stringify(find),
    });
    expect(noOrigin.status).toBe(403);
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      expect(
        (await client.authed('/api/find', { method, headers: { origin: client.origin, 'x-csrf-token': client.csrf } }))
          .status,
        method,
      ).toBe(405);
    }
    // A search never travels in a URL (it may name a person): there is no GET form of it.
    expect((await client.authed('/api/find?conversations=5150')).status).toBe(404);
  });
});

describe('every change', () => {
  it('is refused without the CSRF token, and changes nothing', async () => {
    const changes: [string, unknown][] = [
      ['/api/erase', { conversation: CSID, confirmation: CSID, reason: 'r' }],
      ['/api/holds/place', { conversations: [CSID], matter: 'M', reason: 'r' }],
      ['/api/holds/release', { conversations: [CSID], matter: 'M', reason: 'r' }],
      ['/api/dead-letters/redrive', { expected: 1 }],
      ['/api/verify', { conversations: [CSID] }],
    ];
    for (const [path, body] of changes) {
      const reply = await client.authed(path, { method: 'POST', body, headers: { 'x-csrf-token': 'forged' } });
      expect(reply.status, path).toBe(403);
    }
    const left = await emulator.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/` }));
    expect(left.Contents?.map((o) => o.Key).filter((key) => !key?.includes('/conversations/'))).toEqual([]);
    expect(left.KeyCount).toBe(files.length * 2);
  });
});

describe('what the browser is told', () => {
  it('serves the page with a strict CSP, no inline script, no caching and no framing', async () => {
    const page = await client.authed('/');
    expect(page.status).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:/); // no third-party origin anywhere
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['referrer-policy']).toBe('same-origin');
    const html = page.body.toString();
    for (const script of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? []) {
      expect(script).toMatch(/^<script type="module" src="\/assets\/[a-z]+\.js"><\/script>$/);
    }
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('serves the bundled script and stylesheet itself', async () => {
    const script = await client.authed('/assets/app.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.body.toString()).not.toMatch(/\binnerHTML\s*=/);
    expect((await client.authed('/assets/app.css')).headers['content-type']).toMatch(/^text\/css/);
  });
});

describe('archived files', () => {
  it('shows an image inline, as an image, sandboxed and not sniffed', async () => {
    const reply = await client.authed(fileUrl(files[0]!));
    expect(reply.status).toBe(200);
    expect(reply.body.equals(png)).toBe(true);
    expect(reply.headers['content-type']).toBe('image/png');
    expect(reply.headers['content-disposition']).toBe(`inline; filename="photo.png"; filename*=UTF-8''photo.png`);
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(String(reply.headers['content-security-policy'])).toMatch(/(^|; )sandbox($|;)/);
    expect(reply.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('never renders archived HTML or SVG: download only, as octet-stream, sandboxed', async () => {
    for (const file of [files[1]!, files[2]!]) {
      const reply = await client.authed(fileUrl(file));
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe('application/octet-stream');
      expect(String(reply.headers['content-disposition'])).toMatch(/^attachment; /);
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(String(reply.headers['content-security-policy'])).toContain('sandbox');
    }
    const html = await client.authed(fileUrl(files[1]!));
    expect(html.headers['content-disposition']).toBe(
      `attachment; filename="_script_alert(1)_script_.html"; filename*=UTF-8''_script_alert%281%29_script_.html`,
    );
  });

  it('passes a Range request through to S3 and answers 206 with exactly those bytes', async () => {
    const recording = files[3]!;
    const reply = await client.authed(fileUrl(recording), { headers: { range: 'bytes=1000-1999' } });
    expect(reply.status).toBe(206);
    expect(reply.headers['content-range']).toBe(`bytes 1000-1999/${recording.content.length}`);
    expect(reply.headers['content-length']).toBe('1000');
    expect(reply.headers['accept-ranges']).toBe('bytes');
    expect(reply.body.equals(recording.content.subarray(1000, 2000))).toBe(true);
    expect(reply.headers['content-type']).toBe('audio/mpeg');
    const beyond = await client.authed(fileUrl(recording), { headers: { range: 'bytes=20000-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${recording.content.length}`);
  });

  it('downloads any file under its original name on request, and refuses ids that are not file ids', async () => {
    const reply = await client.authed(fileUrl(files[0]!, true));
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    expect(String(reply.headers['content-disposition'])).toMatch(/^attachment; filename="photo.png"/);
    expect((await client.authed(`/api/files/${CSID}/..%2F..%2Fetc`)).status).toBe(404);
    expect((await client.authed(`/api/files/../${files[0]!.key.split('/').at(-2)}`)).status).toBe(404);
    expect((await client.authed(`/api/files/1x/0123456789abcdef`)).status).toBe(400);
  });

  it('sends every hostile name of the XSS corpus in one well-formed header, safe for any disk', async () => {
    const hostile = await seedConversation(
      emulator.s3,
      HOSTILE_CSID,
      XSS_NAMES.map((name, i) => ({ name, linkName: `n${i}.txt`, content: `file ${i}`, contentType: 'text/plain' })),
    );
    for (const [i, file] of hostile.entries()) {
      const name = XSS_NAMES[i]!;
      for (const download of [false, true]) {
        const reply = await client.authed(
          `/api/files/${HOSTILE_CSID}/${file.key.split('/').at(-2)}${download ? '?download' : ''}`,
        );
        expect(reply.status, name).toBe(200);
        expect(reply.body.toString(), name).toBe(`file ${i}`);
        const header = String(reply.headers['content-disposition']);
        const [, type, ascii, encoded] =
          /^(inline|attachment); filename="([\x20-\x7e]*)"; filename\*=UTF-8''([A-Za-z0-9%._~-]*)$/.exec(header) ?? [];
        expect(type, `${name}: ${header}`).toBe(download ? 'attachment' : 'inline');
        expect(ascii, name).not.toMatch(/["\\/<>]/);
        const decoded = decodeURIComponent(encoded!);
        expect(decoded, name).toBe(sanitizeName(name));
        expect(decoded, name).not.toMatch(/[/\\<>\p{Cc}\p{Cf}]|\.\./u);
      }
    }
  });
});

describe('access request', () => {
  it('streams a zip for a form POST carrying the CSRF token, and refuses one without it', async () => {
    const form = (token: string) => `csrf=${encodeURIComponent(token)}&conversations=${CSID}`;
    const headers = {
      cookie: client.cookie,
      origin: client.origin,
      'content-type': 'application/x-www-form-urlencoded',
    };
    const refused = await client.call('/api/export', { method: 'POST', headers, body: form('wrong') });
    expect(refused.status).toBe(403);
    const reply = await client.call('/api/export', { method: 'POST', headers, body: form(client.csrf) });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/zip');
    expect(String(reply.headers['content-disposition'])).toMatch(/^attachment; filename="dixa-conversation-5150-/);
    expect(reply.body.subarray(0, 4).toString('hex')).toBe('504b0304');
    expect(reply.body.includes(files[3]!.content)).toBe(true); // the recording is stored, not deflated
  });
});
