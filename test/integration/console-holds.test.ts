/**
 * The console's Legal holds API over real HTTP against s3rver: holds placed and released through the module
 * `dixa-archiver hold` uses (the same write-once events), shown on the conversation, refusing an erasure with the
 * matters named, and bad input answered in one line with nothing written.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../lambdas/commons/errors.ts';
import { readHoldEvents } from '../../lambdas/compliance/holds.ts';
import { BUCKET, type Emulator, PREFIX, seedConversation, startS3 } from './compliance-fixture.ts';
import { type ConsoleClient, startTestConsole } from './console-fixture.ts';

const archiveOf = (emulator: Emulator) => ({ s3: emulator.s3, bucket: BUCKET, prefix: PREFIX, local: true });

describe('console: legal holds', () => {
  let emulator: Emulator;
  let client: ConsoleClient;
  const asked: string[] = [];

  beforeAll(async () => {
    emulator = await startS3();
    await seedConversation(emulator.s3, '6001', [{ name: 'a.pdf', linkName: 'a.pdf', content: 'a' }]);
    await seedConversation(emulator.s3, '6002', [{ name: 'b.pdf', linkName: 'b.pdf', content: 'b' }]);
    client = await startTestConsole(emulator, {
      whoAmI: async (recordedIn) => {
        asked.push(recordedIn);
        return 'local user officer';
      },
    });
  });
  afterAll(async () => {
    await client?.running.stop();
    await emulator?.stop();
  });

  const keys = async (prefix: string) =>
    (await emulator.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/${prefix}` }))).Contents?.map(
      (o) => o.Key,
    ) ?? [];

  it('refuses bad input in one line and writes nothing', async () => {
    for (const [body, message] of [
      [{ conversations: ['6001'], matter: ' ', reason: 'r' }, /^Matter is required/],
      [{ conversations: ['6001'], matter: 'M', reason: '' }, /^Reason is required: it goes into the hold event/],
      [{ conversations: ['6001'], matter: 'a\nb', reason: 'r' }, /^Matter must be one line of text/],
      [{ conversations: ['60x1'], matter: 'M', reason: 'r' }, /numeric Dixa csid/],
      [{ conversations: [], matter: 'M', reason: 'r' }, /^name at least one conversation to hold/],
      [{ conversations: ['6001'], matter: 'M' }, /reason/],
    ] as const) {
      const { status, json } = await client.postJson<{ error: string }>('/api/holds/place', body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(json.error).toMatch(message);
    }
    expect(await keys('ledger/')).toEqual([]);
  });

  it('places a hold for a matter, shows it, refuses the erasure naming the matter, and releases it', async () => {
    const placed = await client.postJson<{ objectLock: boolean; placed: { conversationId: string; files: number }[] }>(
      '/api/holds/place',
      { conversations: ['6001, 6002'], matter: 'Case 17', reason: 'litigation' },
    );
    expect(placed.status).toBe(200);
    expect(placed.json.placed.map((p) => [p.conversationId, p.files])).toEqual([
      ['6001', 1],
      ['6002', 1],
    ]);
    expect(asked).toContain('the hold event');
    const [event] = await readHoldEvents(archiveOf(emulator), '6001');
    expect(event).toMatchObject({ action: 'add', matter: 'Case 17', reason: 'litigation', by: 'local user officer' });

    const listed = await client.getJson<{ holds: { conversationId: string; matter: string; by: string }[] }>(
      '/api/holds',
    );
    expect(listed.json.holds.map((h) => [h.conversationId, h.matter, h.by])).toEqual([
      ['6001', 'Case 17', 'local user officer'],
      ['6002', 'Case 17', 'local user officer'],
    ]);
    const conversation = await client.getJson<{ holds: { matter: string }[] }>('/api/conversations/6001');
    expect(conversation.json.holds.map((h) => h.matter)).toEqual(['Case 17']);

    const plan = await client.postJson('/api/erase/plan', { conversation: '6001' });
    expect(plan.status).toBe(409);
    expect(plan.json).toMatchObject({ conversationId: '6001', heldBy: ['Case 17'] });
    const erase = await client.postJson('/api/erase', {
      conversation: '6001',
      confirmation: '6001',
      reason: 'GDPR request',
    });
    expect(erase.status).toBe(409);
    expect(await keys('conversations/6001/')).toHaveLength(2);
    expect(await keys('erasure-receipts/')).toEqual([]);

    const one = await client.postJson<{ released: { conversationId: string; released: boolean }[] }>(
      '/api/holds/release',
      { conversations: ['6001'], matter: 'Case 17', reason: 'closed' },
    );
    expect(one.json.released).toEqual([{ conversationId: '6001', released: true, stillHeldBy: [], versions: 0 }]);
    expect((await client.getJson<{ holds: unknown[] }>('/api/conversations/6001')).json.holds).toEqual([]);
    expect((await client.postJson('/api/erase/plan', { conversation: '6001' })).status).toBe(200);

    // Without conversations: every conversation the matter still holds.
    const rest = await client.postJson<{ released: { conversationId: string }[] }>('/api/holds/release', {
      matter: 'Case 17',
      reason: 'closed',
    });
    expect(rest.json.released.map((r) => r.conversationId)).toEqual(['6002']);
    expect((await client.getJson<{ holds: unknown[] }>('/api/holds')).json.holds).toEqual([]);
    const again = await client.postJson<{ error: string }>('/api/holds/release', { matter: 'Case 17', reason: 'x' });
    expect(again.status).toBe(422);
    expect(again.json.error).toMatch(/matter "Case 17" holds no conversation; nothing was changed/);
  });

  it('changes nothing when it cannot tell who is acting', async () => {
    const blind = await startTestConsole(emulator, {
      whoAmI: async (recordedIn, nothingDone) => {
        throw new UserError(`cannot tell who you are for ${recordedIn}; ${nothingDone}`);
      },
    });
    try {
      const before = await keys('ledger/6002/');
      const reply = await blind.postJson<{ error: string }>('/api/holds/place', {
        conversations: ['6002'],
        matter: 'Case 18',
        reason: 'r',
      });
      expect(reply.status).toBe(422);
      expect(reply.json.error).toBe('cannot tell who you are for the hold event; nothing was changed');
      expect(await keys('ledger/6002/')).toEqual(before);
    } finally {
      await blind.running.stop();
    }
  });
});
