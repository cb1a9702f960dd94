/**
 * The ledger as the archiver, erase and the sweep read it: one listing, entries by folder, tombstones from their keys,
 * and the rule that decides whether an erasure covers a job (created after it = new data; unknown time = before).
 */
import { describe, expect, it } from 'vitest';
import { coversJob, erasureCovers, inFolder, parseLedger, tombstoneKey } from '../../../lambdas/compliance/ledger.ts';
import { keyStamp, ledgerPrefix, messageKey, parseKeyStamp } from '../../../lambdas/core/keys.ts';

const at = (iso: string) => new Date(iso);
const listed = (...keys: string[]) => keys.map((key) => ({ key, size: 10 }));
const root = ledgerPrefix('dixa', '42');

describe('key stamps', () => {
  it('round-trip a time exactly and refuse anything else', () => {
    const time = at('2024-05-01T08:30:00.123Z');
    expect(keyStamp(time)).toBe('2024-05-01T08-30-00-123Z');
    expect(parseKeyStamp(keyStamp(time))).toEqual(time);
    for (const bad of ['2024-05-01T08:30:00.123Z', '2024-13-01T08-30-00-123Z', '2024-05-01T08-30-00Z', 'x']) {
      expect(parseKeyStamp(bad), bad).toBeUndefined();
    }
  });
});

describe('parseLedger', () => {
  it('groups entries by folder and reads tombstones from their keys, oldest first', () => {
    const ledger = parseLedger(
      'dixa',
      '42',
      listed(
        `${root}tombstones/2024-06-01T00-00-00-000Z.json`,
        `${root}tombstones/2024-05-01T00-00-00-000Z.json`,
        `${root}tombstones/not-a-time.json`,
        `${root}people/${'a'.repeat(64)}/requester`,
        `${root}holds/2024-05-02T00-00-00-000Z-add-0123456789abcdef.json`,
        `${root}failures/0123456789abcdef.json`,
        `${root}stray`,
        `${ledgerPrefix('dixa', '421')}tombstones/2024-05-01T00-00-00-000Z.json`,
      ),
    );
    expect(ledger.tombstones.map((t) => t.erasedAt.toISOString())).toEqual([
      '2024-05-01T00:00:00.000Z',
      '2024-06-01T00:00:00.000Z',
    ]);
    expect(inFolder(ledger, 'people').map((o) => o.name)).toEqual([`${'a'.repeat(64)}/requester`]);
    expect(inFolder(ledger, 'holds')).toHaveLength(1);
    expect(inFolder(ledger, 'failures')).toHaveLength(1);
    expect(ledger.objects.map((o) => o.key)).not.toContain(`${root}stray`);
  });

  it('writes tombstones where it reads them', () => {
    const key = tombstoneKey('dixa', '42', at('2024-05-01T00:00:00.000Z'));
    expect(parseLedger('dixa', '42', listed(key)).tombstones).toEqual([
      { key, erasedAt: at('2024-05-01T00:00:00.000Z') },
    ]);
  });
});

describe('erasureCovers', () => {
  const erasedAt = (...times: string[]) =>
    parseLedger('dixa', '42', listed(...times.map((t) => tombstoneKey('dixa', '42', at(t)))));

  it('never covers a conversation that was not erased', () => {
    expect(erasureCovers(erasedAt(), undefined)).toBe(false);
  });

  it('covers messages created up to the latest erasure, not after it', () => {
    const ledger = erasedAt('2024-05-01T00:00:00.000Z', '2024-06-01T00:00:00.000Z');
    expect(erasureCovers(ledger, '2024-05-15T00:00:00.000Z')).toBe(true); // between the two: the second covers it
    expect(erasureCovers(ledger, '2024-06-01T00:00:00.000Z')).toBe(true); // same instant: the safe side
    expect(erasureCovers(ledger, '2024-06-01T00:00:00.001Z')).toBe(false);
    expect(erasureCovers(ledger, '2024-06-02T08:00:00.000Z[GMT]')).toBe(false); // Dixa's message API format
  });

  it('counts a missing or unreadable creation time as before the erasure', () => {
    const ledger = erasedAt('2024-05-01T00:00:00.000Z');
    for (const createdAt of [undefined, '', 'yesterday', 'not a date'])
      expect(erasureCovers(ledger, createdAt)).toBe(true);
  });
});

describe('message tombstones (a message Dixa redacted)', () => {
  const uuid = '1b9adc49-62f7-4056-a9c0-c18c1f25afdb';

  it('are read from their keys beside the conversation tombstones, which they do not count as', () => {
    const key = tombstoneKey('dixa', '42', at('2024-05-01T00:00:00.000Z'), uuid);
    expect(key).toBe(`${root}tombstones/messages/${uuid}/2024-05-01T00-00-00-000Z.json`);
    const ledger = parseLedger('dixa', '42', listed(key, `${root}tombstones/messages/x/not-a-time.json`));
    expect(ledger.tombstones).toEqual([]);
    expect([...ledger.erasedMessages]).toEqual([[uuid, [{ key, erasedAt: at('2024-05-01T00:00:00.000Z') }]]]);
  });

  it('cover every job of that message, whenever it was created, and only that message', () => {
    const ledger = parseLedger('dixa', '42', listed(tombstoneKey('dixa', '42', at('2024-05-01T00:00:00.000Z'), uuid)));
    for (const createdAt of [undefined, '2020-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z']) {
      expect(coversJob(ledger, { conversationId: '42', messageId: uuid, ...(createdAt ? { createdAt } : {}) })).toBe(
        true,
      );
    }
    expect(coversJob(ledger, { conversationId: '42', messageId: 'another' })).toBe(false);
    expect(coversJob(ledger, { conversationId: '42' })).toBe(false);
  });

  it('key a message id that is not key-safe by its hash, the same every time, never the id itself', () => {
    const odd = 'msg/../../with spaces?';
    expect(messageKey(odd)).toMatch(/^sha256-[0-9a-f]{32}$/);
    expect(messageKey(odd)).toBe(messageKey(odd));
    expect(messageKey(messageKey(odd))).not.toBe(messageKey(odd)); // a raw id cannot pose as a hashed one
    expect(messageKey(uuid)).toBe(uuid);
    const ledger = parseLedger('dixa', '42', listed(tombstoneKey('dixa', '42', at('2024-05-01T00:00:00.000Z'), odd)));
    expect(coversJob(ledger, { conversationId: '42', messageId: odd })).toBe(true);
  });
});
