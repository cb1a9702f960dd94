/**
 * Finding a person in the console over real HTTP against s3rver: the archive's people index and Dixa's end-user API
 * through people.ts (the module `list --email` uses), where each conversation was found, the person's access request
 * zip with the search in its manifest, their erasure with one request receipt (erasure-request.ts, as `erase
 * --email`); bad input, an unreachable Dixa, a missing token and a legal hold answered in one line; the address never
 * in a URL, a file name, a receipt or the console's log.
 */
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardKey, reverseKey } from '../../lambdas/archiver/people.ts';
import type { RequestReceipt } from '../../lambdas/compliance/erasure-request.ts';
import type { ZipManifest } from '../../lambdas/compliance/zip-export.ts';
import { personKey } from '../../lambdas/core/people.ts';
import type { EndUser, EndUserQuery } from '../../lambdas/dixa/dixa-client.ts';
import { unzip } from '../fixtures/unzip.ts';
import { BUCKET, type Emulator, PREFIX, seedConversation, startS3 } from './compliance-fixture.ts';
import { type ConsoleClient, startTestConsole } from './console-fixture.ts';

const JANE = 'jane@example.com';
const JANE_PHONE = '+4512345678';
const OLE = 'ole@example.com';
const HELD = 'held@example.com';
const JANE_USER: EndUser = {
  id: 'eu-1',
  email: JANE,
  phoneNumber: JANE_PHONE,
  additionalEmails: [],
  additionalPhoneNumbers: [],
};

interface Found {
  summary: string;
  sources: string[];
  conversations: { conversationId: string; foundIn: string; files: number; bytes: number }[];
  files: { conversationId: string; name: string }[];
}

describe('console: find a person', () => {
  let emulator: Emulator;
  let client: ConsoleClient;
  let tokenless: ConsoleClient;
  let dixaDown = false;
  const asked: EndUserQuery[] = [];
  const logged: string[] = [];

  const index = async (type: 'email' | 'phone', value: string, conversationId: string, role: string) => {
    const key = personKey(type, value);
    for (const k of [forwardKey(PREFIX, key, conversationId, role), reverseKey(PREFIX, conversationId, key, role)]) {
      await emulator.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: k, Body: '' }));
    }
  };

  const keys = async (under: string) =>
    (await emulator.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/${under}` }))).Contents?.map(
      (o) => o.Key!,
    ) ?? [];

  beforeAll(async () => {
    emulator = await startS3();
    await seedConversation(emulator.s3, '8001', [
      { name: 'passport.pdf', linkName: 'p.pdf', content: 'passport scan' },
      { name: 'call.wav', linkName: 'c.wav', content: 'a call', kind: 'recording' },
    ]);
    await seedConversation(emulator.s3, '8002', [{ name: 'cc.txt', linkName: 'cc.txt', content: 'copied in' }]);
    await seedConversation(emulator.s3, '8004', [{ name: 'sms.txt', linkName: 's.txt', content: 'by phone' }]);
    await seedConversation(emulator.s3, '8009', [{ name: 'other.txt', linkName: 'o.txt', content: 'someone else' }]);
    await index('email', JANE, '8001', 'requester');
    await index('email', JANE, '8002', 'cc');
    await index('phone', JANE_PHONE, '8004', 'from');
    const dixa = {
      findEndUsers: async (query: EndUserQuery) => {
        asked.push(query);
        if (dixaDown) throw new Error('HTTP 503');
        return query.field === 'email' && query.value === JANE ? [JANE_USER] : [];
      },
      endUserConversations: async (id: string) => (id === JANE_USER.id ? ['8001', '8003'] : []),
    };
    client = await startTestConsole(emulator, { dixa, log: (line) => logged.push(line) });
    tokenless = await startTestConsole(emulator, { log: (line) => logged.push(line) });
  });
  afterAll(async () => {
    await client?.running.stop();
    await tokenless?.running.stop();
    await emulator?.stop();
  });

  it("finds a person by e-mail in the archive's people index, in any case, saying where each conversation was", async () => {
    const { status, json } = await client.postJson<Found>('/api/people/find', {
      type: 'email',
      value: '  Jane@EXAMPLE.com ',
      askDixa: false,
    });
    expect(status).toBe(200);
    expect(json.sources).toEqual(['archive-index']);
    expect(json.summary).toMatch(/^Searched not Dixa \(left out on request\), only the archive's people index/);
    expect(json.conversations).toEqual([
      { conversationId: '8001', foundIn: 'archive index (requester)', files: 2, bytes: 19 },
      { conversationId: '8002', foundIn: 'archive index (cc)', files: 1, bytes: 9 },
    ]);
    expect(json.files.map((f) => f.name).sort()).toEqual(['call.wav', 'cc.txt', 'passport.pdf']);
    expect(asked).toEqual([]);
  });

  it('asks Dixa too when asked, and follows the other identities Dixa knows for the person', async () => {
    const { status, json } = await client.postJson<Found>('/api/people/find', {
      type: 'email',
      value: JANE,
      askDixa: true,
    });
    expect(status).toBe(200);
    expect(json.sources).toEqual(['dixa', 'archive-index']);
    expect(json.conversations.map((c) => [c.conversationId, c.foundIn, c.files])).toEqual([
      ['8001', 'Dixa + archive index (requester)', 2],
      ['8002', 'archive index (cc)', 1],
      ['8003', 'Dixa', 0],
      ['8004', `archive index (from, as ${JANE_PHONE})`, 1],
    ]);
    expect(json.files.some((f) => f.conversationId === '8009')).toBe(false);
    expect(asked.at(-1)).toEqual({ field: 'email', value: JANE });
  });

  it('answers a person found nowhere with the sources searched', async () => {
    const { status, json } = await client.postJson<Found>('/api/people/find', {
      type: 'external-id',
      value: 'crm-404',
      askDixa: true,
    });
    expect(status).toBe(200);
    expect(json.conversations).toEqual([]);
    expect(json.summary).toMatch(/Dixa \(0 end users\) and the archive's people index .*: 0 conversations found/);
  });

  it('refuses bad input, a GET, and a POST without the CSRF token, in one line', async () => {
    for (const [body, message] of [
      [{ type: 'email', value: 'not an address' }, /^e-mail address: /],
      [{ type: 'phone', value: 'call me' }, /^phone number: /],
      [{ type: 'name', value: 'Jane' }, /^type: /],
      [{ type: 'email' }, /^value: /],
      [{ type: 'email', value: JANE, extra: 1 }, /extra/],
    ] as const) {
      const { status, json } = await client.postJson<{ error: string }>('/api/people/find', body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(json.error).toMatch(message);
    }
    expect((await client.authed(`/api/people/find?type=email&value=${JANE}`)).status).toBe(404);
    const forged = await client.authed('/api/people/find', {
      method: 'POST',
      headers: { 'x-csrf-token': 'wrong' },
      body: { type: 'email', value: JANE },
    });
    expect(forged.status).toBe(403);
  });

  it('says so when Dixa cannot be asked, with no partial answer, and when the console has no token', async () => {
    dixaDown = true;
    try {
      const { status, json } = await client.postJson<{ error: string }>('/api/people/find', {
        type: 'email',
        value: JANE,
        askDixa: true,
      });
      expect(status).toBe(422);
      expect(json).toEqual({
        error: expect.stringMatching(
          /^Dixa's end-user API could not be asked \(.*503.*\); nothing was changed\. .*untick “Ask Dixa too”/,
        ),
      });
    } finally {
      dixaDown = false;
    }
    const { status, json } = await tokenless.postJson<{ error: string }>('/api/people/find', {
      type: 'email',
      value: JANE,
      askDixa: true,
    });
    expect(status).toBe(422);
    expect(json.error).toMatch(/^this console has no Dixa API token/);
    const sessionInfo = await tokenless.getJson<{ features: { people: boolean; dixa: boolean } }>('/api/session');
    expect(sessionInfo.json.features).toMatchObject({ people: true, dixa: false });
  });

  it("streams the person's access request as one zip, the search in its manifest, the address in no file name", async () => {
    const form = new URLSearchParams({
      csrf: client.csrf,
      personType: 'email',
      personValue: 'JANE@example.com',
      askDixa: 'on',
    });
    const reply = await client.call('/api/export', {
      method: 'POST',
      headers: { cookie: client.cookie, origin: client.origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(reply.status).toBe(200);
    const disposition = String(reply.headers['content-disposition']);
    expect(disposition).toMatch(/^attachment; filename="dixa-access-request-\d{4}-\d{2}-\d{2}\.zip"$/);
    const entries = await unzip(reply.body);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as ZipManifest & {
      request: {
        person: { type: string; value: string };
        sources: string[];
        conversations: { conversationId: string }[];
      };
    };
    expect(manifest.request.person).toEqual({ type: 'email', value: JANE });
    expect(manifest.request.sources).toEqual(['dixa', 'archive-index']);
    expect(manifest.request.conversations.map((c) => c.conversationId)).toEqual(['8001', '8002', '8003', '8004']);
    expect(manifest.complete).toBe(true);
    expect([...entries.keys()].sort()).toEqual([
      '8001/call.wav',
      '8001/passport.pdf',
      '8002/cc.txt',
      '8004/sms.txt',
      'manifest.json',
    ]);
    expect(entries.get('8001/passport.pdf')!.toString()).toBe('passport scan');

    const bad = await client.call('/api/export', {
      method: 'POST',
      headers: { cookie: client.cookie, origin: client.origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: client.csrf, personType: 'email', personValue: 'nobody' }).toString(),
    });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString()).error).toMatch(/^e-mail address: /);
  });

  it('erases a person only with their address typed again and a reason: each conversation, one request receipt', async () => {
    await seedConversation(emulator.s3, '8101', [{ name: 'id.pdf', linkName: 'i.pdf', content: 'id card' }]);
    await seedConversation(emulator.s3, '8102', [{ name: 'cc.pdf', linkName: 'c.pdf', content: 'copy' }]);
    await index('email', OLE, '8101', 'requester');
    await index('email', OLE, '8102', 'cc');
    const person = { type: 'email', value: 'OLE@example.com', askDixa: false };

    const plan = await client.postJson<{ conversations: { conversationId: string; foundIn: string }[] }>(
      '/api/people/erase/plan',
      person,
    );
    expect(plan.status).toBe(200);
    expect(plan.json.conversations.map((c) => [c.conversationId, c.foundIn])).toEqual([
      ['8101', 'archive index (requester)'],
      ['8102', 'archive index (cc)'],
    ]);
    for (const [body, message] of [
      [
        { ...person, confirmation: 'someone@example.com', reason: 'GDPR #9' },
        /^type the person's e-mail address to confirm; nothing was deleted$/,
      ],
      [{ ...person, confirmation: OLE, reason: ' ' }, /^Reason/],
      [{ ...person, reason: 'GDPR #9' }, /^confirmation: /],
    ] as const) {
      const { status, json } = await client.postJson<{ error: string }>('/api/people/erase', body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(json.error).toMatch(message);
    }
    expect(await keys('conversations/8101/')).toHaveLength(2);

    const { status, json } = await client.postJson<{ requestReceiptKey: string; requestReceipt: RequestReceipt }>(
      '/api/people/erase',
      { ...person, confirmation: ' ole@EXAMPLE.com', reason: 'GDPR #9' },
    );
    expect(status).toBe(200);
    expect(json.requestReceipt).toMatchObject({
      person: { type: 'email', personKey: personKey('email', OLE) },
      reason: 'GDPR #9',
      erasedBy: 'local user test',
      sources: ['archive-index'],
      complete: true,
    });
    expect(json.requestReceipt.conversations.map((c) => c.conversationId)).toEqual(['8101', '8102']);
    expect(await keys('conversations/8101/')).toEqual([]);
    expect(await keys('conversations/8102/')).toEqual([]);
    const stored = await keys(json.requestReceiptKey.slice(PREFIX.length + 1));
    expect(stored).toEqual([json.requestReceiptKey]);
    expect(JSON.stringify(json.requestReceipt)).not.toMatch(/ole@/i);

    const receipts = await client.getJson<{ receipts: { key: string; kind: string }[] }>('/api/receipts');
    expect(receipts.json.receipts).toContainEqual(
      expect.objectContaining({ key: json.requestReceiptKey, kind: 'request' }),
    );
    const shown = await client.postJson<{ receipt: RequestReceipt }>('/api/receipts/show', {
      key: json.requestReceiptKey,
    });
    expect(shown.json.receipt.requestId).toBe(json.requestReceipt.requestId);
  });

  it('refuses to erase a person while one of their conversations is under legal hold, naming it: nothing is deleted', async () => {
    await seedConversation(emulator.s3, '8103', [{ name: 'held.pdf', linkName: 'h.pdf', content: 'held' }]);
    await index('email', HELD, '8103', 'requester');
    const placed = await client.postJson('/api/holds/place', {
      conversations: ['8103'],
      matter: 'Case 9',
      reason: 'court',
    });
    expect(placed.status).toBe(200);
    const person = { type: 'email', value: HELD };
    const plan = await client.postJson<{ held: unknown }>('/api/people/erase/plan', person);
    expect(plan.status).toBe(409);
    expect(plan.json.held).toEqual([{ conversationId: '8103', matters: ['Case 9'] }]);
    const erase = await client.postJson('/api/people/erase', { ...person, confirmation: HELD, reason: 'GDPR #10' });
    expect(erase.status).toBe(409);
    expect(await keys('conversations/8103/')).toHaveLength(2);
  });

  it('never writes the address or phone number to its log', () => {
    expect(logged.some((line) => line.startsWith('erased 2 conversation(s) of a person'))).toBe(true);
    expect(logged.filter((line) => /jane|ole@|held@|4512345678/i.test(line))).toEqual([]);
  });
});
