import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FILES, type DemoFilesServer, startDemoFilesServer } from '../../../cli/local/demo-files.ts';
import { extractFromWebhook, parseWebhookEnvelope } from '../../../lambdas/core/extract.ts';
import { parseFilesBaseUrl } from '../../../lambdas/core/links.ts';

const sample = JSON.parse(readFileSync(new URL('../../fixtures/sample-webhook.json', import.meta.url), 'utf8'));

describe('demo files server', () => {
  let server: DemoFilesServer;
  beforeAll(async () => {
    server = await startDemoFilesServer();
  });
  afterAll(() => server.stop());

  it('serves every file the sample webhook links to (the README walkthrough depends on it)', async () => {
    const envelope = parseWebhookEnvelope(sample);
    if (!envelope.ok) throw new Error(envelope.reason);
    const extraction = extractFromWebhook(envelope.envelope, parseFilesBaseUrl(server.baseUrl));
    if (!extraction.ok) throw new Error(extraction.reason);
    expect(extraction.rejected).toEqual([]);
    expect(extraction.jobs.map((j) => j.visibility).sort()).toEqual(['private', 'public']);
    const auth = `Basic ${Buffer.from(`bearer:${server.apiToken}`).toString('base64')}`;
    for (const job of extraction.jobs) {
      const res = await fetch(job.url, { headers: job.visibility === 'private' ? { authorization: auth } : {} });
      expect(res.status).toBe(200);
      const file = DEMO_FILES[new URL(job.url).pathname]!;
      expect(Buffer.from(await res.arrayBuffer())).toEqual(file.body);
      expect(res.headers.get('content-type')).toBe(file.contentType);
    }
  });

  it('requires Dixa’s Basic bearer credentials for private files, and 404s unknown paths', async () => {
    const [privatePath] = Object.keys(DEMO_FILES).filter((p) => p.startsWith('/private/'));
    expect((await fetch(`${server.baseUrl}${privatePath}`)).status).toBe(401);
    const wrong = `Basic ${Buffer.from('bearer:not-the-token').toString('base64')}`;
    expect((await fetch(`${server.baseUrl}${privatePath}`, { headers: { authorization: wrong } })).status).toBe(401);
    expect((await fetch(`${server.baseUrl}/public/demo-org/nope.txt`)).status).toBe(404);
  });
});
