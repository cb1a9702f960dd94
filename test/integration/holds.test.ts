/**
 * `dixa-archiver hold` against local mode's S3 (s3rver, no Object Lock): the registry of write-once events, two
 * matters on one conversation, erase refused while held, a hold on a conversation with nothing archived yet, and a
 * hold on a person (`--email`, `--phone`, `--external-id`: Dixa's end users and the archive's people index, via the
 * fake Dixa API).
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordParticipants } from '../../lambdas/archiver/people.ts';
import { ArchiveStorage } from '../../lambdas/aws/storage.ts';
import { matterKey } from '../../lambdas/compliance/holds.ts';
import { conversationPrefix, ledgerPrefix } from '../../lambdas/core/keys.ts';
import { participantsFromExport } from '../../lambdas/core/participants.ts';
import { type FakeDixaApi, startFakeDixaApi } from '../fakes/dixa-api.ts';
import { PERSON_API_TOKEN } from '../fakes/test-secrets.ts';
import { BUCKET, cli, type Emulator, PREFIX, seedConversation, startS3, useDixaApi } from './compliance-fixture.ts';

const MARY = 'mary@example.com';
let s3: Emulator;
let dixa: FakeDixaApi;
let restoreEnv: () => void;
beforeAll(async () => {
  s3 = await startS3();
  dixa = await startFakeDixaApi({ token: PERSON_API_TOKEN, endUsersPageSize: 1 });
  restoreEnv = useDixaApi(PERSON_API_TOKEN, dixa.url);
});
afterAll(async () => {
  restoreEnv();
  await dixa.close();
  await s3.stop();
});

const keysUnder = async (prefix: string) =>
  ((await s3.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);

const hold = (...args: string[]) => cli('hold', ...args, ...s3.flags);
const erase = (csid: string) =>
  cli('erase', '--conversation', csid, '--reason', 'GDPR request 1', '--yes', ...s3.flags);

describe('dixa-archiver hold', () => {
  it('two matters on one conversation: released from one it stays held, released from both it can be erased', async () => {
    await seedConversation(s3.s3, '5001', [{ linkName: 'contract.pdf', content: 'contract' }]);
    const add = await hold('add', '--conversation', '5001', '--matter', 'Case A', '--reason', 'litigation');
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).toContain('Conversation 5001: held for "Case A" (1 file(s))');
    expect((await hold('add', '--conversation', '5001', '--matter', 'Case B', '--reason', 'audit')).stderr).toContain(
      'held by 2 matters: "Case A", "Case B"',
    );

    const refused = await erase('5001');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /refusing to erase conversation 5001: it is under legal hold \("Case A", "Case B"\)/,
    );
    expect(await keysUnder(conversationPrefix(PREFIX, '5001'))).toHaveLength(2);

    const listed = await hold('list', '--json');
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ conversationId: '5001', matter: 'Case A', reason: 'litigation' }),
      expect.objectContaining({ conversationId: '5001', matter: 'Case B', reason: 'audit' }),
    ]);

    const one = await hold('release', '--matter', 'Case A', '--reason', 'settled');
    expect(one.stderr).toContain('released from "Case A"; still held for "Case B"');
    expect((await erase('5001')).stderr).toMatch(/under legal hold \("Case B"\)/);
    expect(JSON.parse((await hold('list', '--json', '--matter', 'Case A')).stdout)).toEqual([]);

    const both = await hold('release', '--matter', 'Case B', '--conversation', '5001', '--reason', 'audit done');
    expect(both.stderr).toContain('released from "Case B"; no longer held');
    const erased = await erase('5001');
    expect(erased.code, erased.stderr).toBe(0);
    expect(await keysUnder(conversationPrefix(PREFIX, '5001'))).toEqual([]);

    // The history stays: four write-once events, named by time, action and matter key (never the matter's name).
    const events = await keysUnder(`${ledgerPrefix(PREFIX, '5001')}holds/`);
    expect(events).toHaveLength(4);
    expect(events.map((k) => k.replace(/^.*\/holds\/[^Z]+Z-/, ''))).toEqual([
      `add-${matterKey('Case A')}.json`,
      `add-${matterKey('Case B')}.json`,
      `release-${matterKey('Case A')}.json`,
      `release-${matterKey('Case B')}.json`,
    ]);
    expect(events.join()).not.toContain('Case');
  });

  it('records a hold on a conversation with nothing archived yet, and says so', async () => {
    const add = await hold('add', '--conversation', '5002', '--matter', 'Case C', '--reason', 'preserve');
    expect(add.code).toBe(0);
    expect(add.stderr).toContain('nothing is archived for it yet — files archived later are held on arrival');
    expect(JSON.parse((await hold('list', '--json', '--matter', 'Case C')).stdout)).toEqual([
      expect.objectContaining({ conversationId: '5002', matter: 'Case C' }),
    ]);
  });

  it('refuses bad input in one line, changing nothing', async () => {
    for (const [args, message] of [
      [
        ['add', '--matter', 'M', '--reason', 'r'],
        /--conversation <csid> \(or --email, --phone, --external-id\) is required/,
      ],
      [
        ['add', '--email', MARY, '--conversation', '5003', '--matter', 'M', '--reason', 'r'],
        /either --conversation or --email/,
      ],
      [['add', '--email', 'not-an-address', '--matter', 'M', '--reason', 'r'], /--email/],
      [['add', '--email', MARY, '--phone', '+4511', '--matter', 'M', '--reason', 'r'], /one person selector/],
      [['release', '--email', MARY, '--matter', 'M', '--reason', 'r'], /--email goes with hold add/],
      [['add', '--conversation', '5003', '--reason', 'r'], /--matter "<name>" is required/],
      [['add', '--conversation', '5003', '--matter', 'M'], /--reason "<text>" is required/],
      [['add', '--conversation', 'abc', '--matter', 'M', '--reason', 'r'], /numeric Dixa csid/],
      [['remove', '--matter', 'M'], /hold add \| hold release \| hold list/],
      [['release', '--matter', 'Nobody', '--reason', 'r'], /matter "Nobody" holds no conversation/],
    ] as const) {
      const run = await hold(...args);
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await keysUnder(ledgerPrefix(PREFIX, '5003'))).toEqual([]);
  });

  it('--email holds every conversation found for the person (Dixa and the archive’s index), even one not archived yet', async () => {
    // Dixa knows Mary: she requested 6001 (archived) and 6002 (nothing archived yet); the archive saw her CC'd in 6003.
    await seedConversation(s3.s3, '6001', [{ linkName: 'm1.pdf', content: 'one' }]);
    await seedConversation(s3.s3, '6003', [{ linkName: 'm3.pdf', content: 'three' }]);
    dixa.addEndUser({ id: 'u-mary', email: MARY, phoneNumber: '+4587654321', conversations: [6001, 6002] });
    const cc = participantsFromExport({
      csid: 6003,
      created_at: Date.parse('2024-02-01T00:00:00Z'),
      author_email: 'agent@acme.example',
      from: 'agent@acme.example',
      to: ['someone@example.net'],
      cc: ['Mary <MARY@example.com>'],
      bcc: [],
    });
    const storage = new ArchiveStorage(s3.s3, BUCKET, { partSizeBytes: 5 * 1024 * 1024, queueSize: 1 });
    await recordParticipants(cc!, { config: { prefix: PREFIX } as never, storage, secrets: undefined as never });

    const add = await hold('add', '--phone', '+45 87 65 43 21', '--matter', 'Case P', '--reason', 'litigation');
    expect(add.code, add.stderr).toBe(0);
    expect(add.stderr).toMatch(/Searched Dixa \(1 end user\) and the archive's people index .*: 3 conversations found/);
    expect(add.stderr).toContain('6001: found in Dixa');
    expect(add.stderr).toMatch(/6003: found in archive index \(cc, as mary@example.com\)/);
    expect(add.stderr).toContain('Conversation 6001: held for "Case P" (1 file(s))');
    expect(add.stderr).toContain(
      'Conversation 6002: hold recorded for "Case P"; nothing is archived for it yet — files archived later are held on arrival.',
    );
    expect(add.stderr).toContain('Conversation 6003: held for "Case P" (1 file(s))');
    expect(
      JSON.parse((await hold('list', '--json', '--matter', 'Case P')).stdout).map(
        (h: { conversationId: string }) => h.conversationId,
      ),
    ).toEqual(['6001', '6002', '6003']);
    expect((await erase('6003')).stderr).toMatch(/under legal hold \("Case P"\)/);
    // The events name conversations and the matter's key: never the person.
    const events = await keysUnder(`${ledgerPrefix(PREFIX, '6002')}holds/`);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toMatch(/mary|8765/i);

    // The archive's index alone, without asking Dixa: the conversation she was CC'd in.
    const indexOnly = await hold(
      'add',
      '--email',
      MARY,
      '--archive-index-only',
      '--matter',
      'Case Q',
      '--reason',
      'audit',
    );
    expect(indexOnly.code, indexOnly.stderr).toBe(0);
    expect(indexOnly.stderr).toMatch(/Searched not Dixa .*: 1 conversation found/);
    expect(indexOnly.stderr).toContain('Conversation 6003: held for "Case Q"');
  });

  it('a person found nowhere holds nothing, and says so', async () => {
    const add = await hold('add', '--email', 'nobody@example.org', '--matter', 'Case N', '--reason', 'r');
    expect(add.code).toBe(1);
    expect(add.stderr).toMatch(/0 conversations found/);
    expect(add.stderr).toMatch(/no conversation found for this email, so nothing was held/);
    expect(JSON.parse((await hold('list', '--json', '--matter', 'Case N')).stdout)).toEqual([]);
  });
});
