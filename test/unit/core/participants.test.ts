/**
 * Who took part, from each source Dixa offers, as person keys with roles: one entry per person and role, every
 * shape the fields come in, nothing that is not an identity (a name, a number without its country code).
 */
import { describe, expect, it } from 'vitest';
import {
  parseParticipants,
  participantsFromExport,
  participantsFromMessageApi,
  participantsFromWebhook,
} from '../../../lambdas/core/participants.ts';
import { personKey } from '../../../lambdas/core/people.ts';

const email = (value: string) => personKey('email', value);
const phone = (value: string) => personKey('phone', value);

describe('participants', () => {
  it('reads an export row: author_email, from, to, cc and bcc, with display names and phone numbers', () => {
    const message = participantsFromExport({
      csid: 42,
      created_at: Date.UTC(2024, 4, 1),
      author_email: 'Agent@Shop.example',
      from: 'Jane Doe <JANE@example.com>',
      to: ['agent@shop.example', '+45 12 34 56 78'],
      cc: ['boss@example.com', 'not an address', '12345678'],
      bcc: null,
    });
    expect(message).toEqual({
      v: 1,
      type: 'participants',
      conversationId: '42',
      createdAt: '2024-05-01T00:00:00.000Z',
      source: 'export',
      people: [
        { key: email('agent@shop.example'), role: 'author' },
        { key: email('jane@example.com'), role: 'from' },
        { key: email('agent@shop.example'), role: 'to' },
        { key: phone('+4512345678'), role: 'to' },
        { key: email('boss@example.com'), role: 'cc' },
      ],
    });
    expect(parseParticipants(message).ok).toBe(true);
  });

  it('reads a webhook: the requester of any event naming a conversation, and a message author', () => {
    const message = participantsFromWebhook({
      event_timestamp: '2024-05-01T10:00:00.000Z',
      data: {
        conversation: { csid: '0042', requester: { email: 'jane@example.com', phone: '+4512345678' } },
        author: { email: null, phone: null },
      },
    });
    expect(message?.conversationId).toBe('42');
    expect(message?.people).toEqual([
      { key: email('jane@example.com'), role: 'requester' },
      { key: phone('+4512345678'), role: 'requester' },
    ]);
    expect(
      participantsFromWebhook({ data: { conversation: { csid: 1, requester: { name: 'Jane' } } } }),
    ).toBeUndefined();
  });

  it('reads message API rows, one message each (each has its own creation time)', () => {
    const messages = participantsFromMessageApi('7', [
      {
        createdAt: '2024-05-01T10:00:00.000Z[GMT]',
        attributes: { from: { email: 'a@example.com' }, cc: [{ address: 'b@example.com' }] },
      },
      { createdAt: '2024-05-02T10:00:00.000Z', attributes: { _type: 'ChatAttributes' } },
    ]);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ createdAt: '2024-05-01T10:00:00.000Z', source: 'messages-api' });
    expect(messages[0]!.people.map((p) => p.role)).toEqual(['from', 'cc']);
  });

  it('carries text SQS accepts: a time holding characters SQS refuses is repaired at creation, refused by the contract', () => {
    const message = participantsFromWebhook({
      data: {
        created_at: `2024-05-01T10:00:00.000Z\uFFFF\u0007${'x'.repeat(100)}`,
        conversation: { csid: 7, requester: { email: 'jane@example.com' } },
      },
    });
    expect(message?.createdAt).toBe(`2024-05-01T10:00:00.000Z\uFFFD\uFFFD${'x'.repeat(38)}`);
    expect(parseParticipants(message).ok).toBe(true);
    expect(parseParticipants({ ...message, createdAt: '2024-05-01T10:00:00.000Z\uFFFF' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('createdAt'),
    });
  });

  it('refuses a message that carries anything but person keys', () => {
    const base = { v: 1, type: 'participants', conversationId: '1', source: 'export' };
    expect(parseParticipants({ ...base, people: [{ key: 'jane@example.com', role: 'to' }] }).ok).toBe(false);
    expect(parseParticipants({ ...base, people: [{ key: email('x@y.z'), role: 'to', email: 'x@y.z' }] }).ok).toBe(
      false,
    );
    expect(parseParticipants({ ...base, people: [] }).ok).toBe(false);
  });
});
