/**
 * The anonymization follower on a versioned Object Lock bucket (in memory) with a scripted Dixa: the shapes it reads
 * (every documented and tolerated variant), and what it does when Dixa and the archive disagree, when Object Lock
 * refuses, when a request fails, and when the run is out of time.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Archive } from '../../../lambdas/compliance/archive.ts';
import { DixaError } from '../../../lambdas/dixa/dixa-client.ts';
import {
  anonymization,
  anonymizedConversations,
  type FollowDeps,
  followAnonymization,
  redactedMessages,
} from '../../../lambdas/sweep/anonymization.ts';
import { BUCKET, PREFIX, VersionedBucket } from '../compliance/versioned-bucket.ts';

const NOW = Date.UTC(2025, 0, 15, 12);
const AT = '2025-01-15T10:00:00.000Z';
const window = { from: '2025-01-13', to: '2025-01-15' };

let bucket: VersionedBucket;
let archive: Archive;
beforeEach(() => {
  bucket = new VersionedBucket();
  archive = { s3: bucket.client, bucket: BUCKET, prefix: PREFIX };
});
afterEach(() => bucket.restore());

interface Script {
  exported?: unknown[];
  resources?: Record<string, Record<string, unknown> | undefined | Error>;
  activity?: unknown[];
}

function deps(script: Script, now = () => NOW): FollowDeps & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    archive,
    clock: { now },
    erasedBy: async () => 'arn:aws:sts::123456789012:assumed-role/sweep/fn',
    dixa: {
      async exportConversations() {
        return script.exported ?? [];
      },
      async conversation(csid) {
        asked.push(csid);
        const answer = script.resources?.[csid];
        if (answer instanceof Error) throw answer;
        return answer;
      },
      async *activityLog() {
        yield script.activity ?? [];
      },
    },
  };
}

const anonymized = (id: string) => ({ id: Number(id), anonymized_at: Date.parse(AT) });
const resource = (id: string) => ({ id: Number(id), _type: 'AnonymizedConversation', anonymizedAt: `${AT}[GMT]` });
const conversationFiles = (csid: string) => bucket.under(`${PREFIX}/conversations/${csid}/`);

describe('what the follower reads', () => {
  it('conversation export rows with anonymized_at, as unix ms or ISO 8601, by numeric or string id', () => {
    expect(
      anonymizedConversations([
        { id: 1, anonymized_at: Date.parse(AT) },
        { id: '2', anonymized_at: AT },
        { id: 3, anonymized_at: `${AT}[GMT]` },
        { id: 4, anonymized_at: String(Date.parse(AT)) },
        { id: 5, anonymized_at: null },
        { id: 6 },
        { id: 'x7', anonymized_at: AT },
        null,
        'row',
      ]),
    ).toEqual(['1', '2', '3', '4'].map((conversationId) => ({ conversationId, anonymizedAt: AT })));
  });

  it('ConversationMessageRedacted entries in the Dixa API and the integrations API spellings, and nothing else', () => {
    expect(
      redactedMessages([
        {
          id: 'a',
          activityTimestamp: AT,
          activityType: 'ConversationMessageRedacted',
          conversationId: 10,
          attributes: { messageId: 'm1', wasTextRedacted: true, numberOfDeletedFiles: 2 },
        },
        {
          id: 'b',
          activity_timestamp: AT,
          activity_type: 'conversation_message_redacted',
          conversation_id: 11,
          attributes: { message_id: 'm2', number_of_deleted_files: 1 },
        },
        { _type: 'ConversationMessageRedacted', conversationId: '12', messageId: 'm3', timestamp: Date.parse(AT) },
        { activityType: 'ConversationNoteAdded', conversationId: 10, activityTimestamp: AT, attributes: {} },
        { activityType: 'ConversationMessageRedacted', conversationId: 10, activityTimestamp: AT, attributes: {} },
        { activityType: 'ConversationMessageRedacted', conversationId: 10, attributes: { messageId: 'no-time' } },
      ]),
    ).toEqual([
      { conversationId: '10', messageId: 'm1', anonymizedAt: AT, deletedFiles: 2 },
      { conversationId: '11', messageId: 'm2', anonymizedAt: AT, deletedFiles: 1 },
      { conversationId: '12', messageId: 'm3', anonymizedAt: AT, deletedFiles: 0 },
    ]);
  });

  it('the conversation resource: anonymized only as AnonymizedConversation, its time in Dixa’s format', () => {
    expect(anonymization(resource('1'))).toEqual({ anonymized: true, at: AT });
    expect(anonymization({ _type: 'AnonymizedConversation' })).toEqual({ anonymized: true });
    expect(anonymization({ _type: 'EmailConversation', anonymizedAt: AT })).toEqual({ anonymized: false });
    expect(anonymization(undefined)).toEqual({ anonymized: false });
  });
});

describe('followAnonymization', () => {
  it('skips conversations with nothing archived, without asking Dixa about them', async () => {
    const d = deps({ exported: [anonymized('1')], resources: { 1: resource('1') } });
    const report = await followAnonymization(d, { ...window, policy: 'erase' });
    expect(report).toEqual({ policy: 'erase', status: 'checked', conversations: [], messages: [], errors: [] });
    expect(d.asked).toEqual([]);
  });

  it('erases nothing on the export’s word alone: unconfirmed by the conversation resource, nothing is done', async () => {
    bucket.archive('1', 'a/x.pdf', 'x');
    const d = deps({ exported: [anonymized('1')], resources: { 1: { id: 1, _type: 'EmailConversation' } } });
    const report = await followAnonymization(d, { ...window, policy: 'erase' });
    expect(report.conversations).toEqual([
      expect.objectContaining({ conversationId: '1', action: 'unconfirmed', files: 1 }),
    ]);
    expect(report.status).toBe('checked');
    expect(conversationFiles('1')).toHaveLength(2);
  });

  it('reports Object Lock that refuses the deletion as locked, deleting nothing and failing nothing', async () => {
    bucket.archive('1', 'a/x.pdf', 'x');
    conversationFiles('1')[0]!.retention = { mode: 'COMPLIANCE', until: new Date(Date.now() + 86_400_000) };
    const report = await followAnonymization(deps({ exported: [anonymized('1')], resources: { 1: resource('1') } }), {
      ...window,
      policy: 'erase',
    });
    expect(report.conversations).toEqual([
      expect.objectContaining({ action: 'locked', detail: expect.stringMatching(/COMPLIANCE retention/) }),
    ]);
    expect(report.status).toBe('checked');
    expect(conversationFiles('1')).toHaveLength(2);
    expect(bucket.under(`${PREFIX}/ledger/1/tombstones/`)).toEqual([]);
  });

  it('reports a failure on its finding, goes on with the others, and leaves the run unproven', async () => {
    bucket.archive('1', 'a/x.pdf', 'x');
    bucket.archive('2', 'b/y.pdf', 'y');
    const report = await followAnonymization(
      deps({
        exported: [anonymized('1'), anonymized('2')],
        resources: { 1: new DixaError('dev.dixa.io answered 500'), 2: resource('2') },
      }),
      { ...window, policy: 'erase' },
    );
    expect(report.conversations.map((f) => [f.conversationId, f.action])).toEqual([
      ['1', 'failed'],
      ['2', 'erased'],
    ]);
    expect(report.status).toBe('unproven');
    expect(report.errors).toEqual(['conversation 1: dev.dixa.io answered 500']);
    expect(conversationFiles('1')).toHaveLength(2);
    expect(conversationFiles('2')).toEqual([]);
  });

  it('erases nothing when it cannot tell who erases (the receipt must say)', async () => {
    bucket.archive('1', 'a/x.pdf', 'x');
    const d = deps({ exported: [anonymized('1')], resources: { 1: resource('1') } });
    d.erasedBy = async () => {
      throw new Error('STS GetCallerIdentity failed (ExpiredToken)');
    };
    const report = await followAnonymization(d, { ...window, policy: 'erase' });
    expect(report.conversations).toEqual([expect.objectContaining({ action: 'failed' })]);
    expect(report.errors[0]).toMatch(/ExpiredToken/);
    expect(conversationFiles('1')).toHaveLength(2);
    expect(bucket.under(`${PREFIX}/ledger/1/`)).toEqual([]);
  });

  it('lists a redacted message whose files Dixa deleted but no record names, and erases it with its tombstone', async () => {
    bucket.archive('3', 'c/z.pdf', 'z', undefined, { messageId: 'another' });
    const activity = [
      {
        activityType: 'ConversationMessageRedacted',
        conversationId: 3,
        activityTimestamp: AT,
        attributes: { messageId: 'm9', numberOfDeletedFiles: 1 },
      },
      {
        activityType: 'ConversationMessageRedacted',
        conversationId: 3,
        activityTimestamp: AT,
        attributes: { messageId: 'text-only', numberOfDeletedFiles: 0 },
      },
    ];
    const listed = await followAnonymization(deps({ activity }), { ...window, policy: 'report' });
    expect(listed.messages).toEqual([
      { conversationId: '3', messageId: 'm9', anonymizedAt: AT, files: 0, dixaDeletedFiles: 1, action: 'listed' },
    ]);
    const erased = await followAnonymization(deps({ activity }), { ...window, policy: 'erase' });
    expect(erased.messages).toEqual([expect.objectContaining({ messageId: 'm9', action: 'erased' })]);
    expect(bucket.under(`${PREFIX}/ledger/3/tombstones/messages/m9/`)).toHaveLength(1);
    expect(conversationFiles('3')).toHaveLength(2);
    // Tomorrow: the same entry is in the window again; it was answered, nothing is written twice.
    const again = await followAnonymization(deps({ activity }), { ...window, policy: 'erase' });
    expect(again.messages).toEqual([]);
    expect(bucket.under(`${PREFIX}/erasure-receipts/`)).toHaveLength(1);
  });

  it('starts nothing after the deadline, and says what it left', async () => {
    bucket.archive('1', 'a/x.pdf', 'x');
    const report = await followAnonymization(
      deps({ exported: [anonymized('1')], resources: { 1: resource('1') } }, () => NOW + 1),
      { ...window, policy: 'erase', deadline: NOW },
    );
    expect(report.status).toBe('unproven');
    expect(report.errors).toEqual(['conversation 1 and after: not checked, the run ran out of time']);
    expect(conversationFiles('1')).toHaveLength(2);
  });
});
