/**
 * Demo mode's stand-in for files.dixa.io: serves the two files that test/fixtures/sample-webhook.json links to,
 * with Dixa's rules — `/public/...` without credentials, `/private/...` only with
 * `Authorization: Basic base64("bearer:" + token)` — so `npm start` + `dixa-archiver sign` shows the whole
 * pipeline (signature check, link normalization, authenticated streaming download, archive) with no Dixa account.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const PDF = `%PDF-1.4
1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj
2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj
3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj
4 0 obj << /Length 54 >> stream
BT /F1 18 Tf 24 72 Td (Invoice 1042 - demo file) Tj ET
endstream endobj
5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj
trailer << /Root 1 0 R >>
%%EOF
`;

/** Path → file. The sample webhook fixture links to exactly these paths (a test keeps the two in step). */
export const DEMO_FILES: Record<string, { contentType: string; body: Buffer }> = {
  '/public/demo-org/attachments/welcome.txt': {
    contentType: 'text/plain; charset=utf-8',
    body: Buffer.from('Hello from the dixa-archiver demo: this file was attached by a customer in the Messenger.\n'),
  },
  '/private/demo-org/attachments/invoice-1042.pdf': {
    contentType: 'application/pdf',
    body: Buffer.from(PDF, 'latin1'),
  },
};

export interface DemoFilesServer {
  baseUrl: string;
  /** The API token the server expects for private files (random per run). */
  apiToken: string;
  stop(): Promise<void>;
}

export async function startDemoFilesServer(): Promise<DemoFilesServer> {
  const apiToken = `demo-${randomBytes(12).toString('hex')}`;
  const expected = Buffer.from(`Basic ${Buffer.from(`bearer:${apiToken}`).toString('base64')}`);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const file = DEMO_FILES[path];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    if (path.startsWith('/private/')) {
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized\n');
        return;
      }
    }
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiToken,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
