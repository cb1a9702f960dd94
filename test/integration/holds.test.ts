/**
 * `dixa-archiver hold` against local mode's S3 (s3rver, no Object Lock): the registry of write-once events, two
 * matters on one conversation, erase refused while held, a hold on a conversation with nothing archived yet.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matterKey } from '../../lambdas/compliance/holds.ts';
import { conversationPrefix, ledgerPrefix } from '../../lambdas/core/keys.ts';
import { BUCKET, cli, type Emulator, PREFIX, seedConversation, startS3 } from './compliance-fixture.ts';

let s3: Emulator;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
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
      [['add', '--matter', 'M', '--reason', 'r'], /--conversation <csid> is required/],
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
});
