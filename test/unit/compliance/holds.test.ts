/**
 * Legal holds against a versioned Object Lock bucket (in memory): S3's own legal hold on every version of every file
 * and record of a held conversation, removed only when no matter holds it; the registry's rules.
 */
import { GetBucketLifecycleConfigurationCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planErasure, refusal } from '../../../lambdas/compliance/erase.ts';
import {
  activeMatters,
  expiryCannotSeeHolds,
  HOLD_EVENT_VERSION,
  type HoldEvent,
  heldBy,
  isHeld,
  matterKey,
  placeHolds,
  readHoldEvents,
  refuseIfHeld,
  setLegalHolds,
  writeHoldEvent,
} from '../../../lambdas/compliance/holds.ts';
import { readLedger } from '../../../lambdas/compliance/ledger.ts';
import { BUCKET, PREFIX, VersionedBucket } from './versioned-bucket.ts';

let bucket: VersionedBucket;
const archive = () => ({ s3: bucket.client, bucket: BUCKET, prefix: PREFIX });
beforeEach(() => {
  bucket = new VersionedBucket();
});
afterEach(() => bucket.restore());

const event = (action: HoldEvent['action'], matter: string, at: string, conversationId = '77'): HoldEvent => ({
  holdEventVersion: HOLD_EVENT_VERSION,
  conversationId,
  action,
  matter,
  matterKey: matterKey(matter),
  reason: 'r',
  at,
  by: 'tester',
  archivedFiles: 0,
});

describe('S3 legal holds', () => {
  it('holds every version of every file and record of the conversation, and nothing else', async () => {
    bucket.archive('77', 'a.pdf', 'first');
    bucket.archive('77', 'a.pdf', 'second'); // a second version of the same key
    bucket.archive('77', 'b.pdf', 'b');
    bucket.deleteMarker(`${PREFIX}/conversations/77/x`);
    bucket.archive('78', 'c.pdf', 'other conversation');
    expect(await setLegalHolds(archive(), '77', true)).toBe(6);
    const mine = bucket.under(`${PREFIX}/conversations/77/`).filter((v) => !v.deleteMarker);
    expect(mine).toHaveLength(6);
    expect(mine.every((v) => v.legalHold === true)).toBe(true);
    expect(bucket.under(`${PREFIX}/conversations/78/`).some((v) => v.legalHold)).toBe(false);

    // erase's own plan sees S3's hold and refuses: not even a bug in the registry check could delete them.
    const plan = await planErasure(archive(), '77');
    expect(refusal(plan, true)?.summary).toMatch(/legal hold/);

    expect(await setLegalHolds(archive(), '77', false)).toBe(6);
    expect(mine.every((v) => v.legalHold === false)).toBe(true);
    expect(refusal(await planErasure(archive(), '77'), false)).toBeUndefined();
  });

  it('does nothing on a bucket without Object Lock (the registry alone holds)', async () => {
    bucket.objectLock = false;
    bucket.archive('77', 'a.pdf', 'x');
    expect(await setLegalHolds(archive(), '77', true)).toBe(0);
    expect(bucket.versions.every((v) => v.legalHold === undefined)).toBe(true);
  });
});

describe('lifecycle expiry on a bucket without Object Lock', () => {
  const rules = (list: unknown[]) =>
    bucket.mock.on(GetBucketLifecycleConfigurationCommand).resolves({ Rules: list as never });

  it('is seen when an enabled expiration rule covers the conversations folder', async () => {
    rules([
      {
        ID: 'ExpireArchive',
        Status: 'Enabled',
        Filter: { Prefix: `${PREFIX}/conversations/` },
        Expiration: { Days: 30 },
      },
    ]);
    expect(await expiryCannotSeeHolds(archive())).toBe(true);
    rules([{ ID: 'All', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 30 } }]);
    expect(await expiryCannotSeeHolds(archive())).toBe(true);
  });

  it('is not seen for disabled rules, other folders, or rules that only clean up versions', async () => {
    rules([
      { ID: 'Off', Status: 'Disabled', Filter: { Prefix: `${PREFIX}/conversations/` }, Expiration: { Days: 30 } },
      { ID: 'Logs', Status: 'Enabled', Filter: { Prefix: 'logs/' }, Expiration: { Days: 30 } },
      { ID: 'Old', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 30 } },
    ]);
    expect(await expiryCannotSeeHolds(archive())).toBe(false);
    bucket.mock
      .on(GetBucketLifecycleConfigurationCommand)
      .rejects(Object.assign(new Error('none'), { name: 'NoSuchLifecycleConfiguration' }));
    expect(await expiryCannotSeeHolds(archive())).toBe(false);
  });

  it('makes hold add refuse, writing nothing; with Object Lock the same rule cannot remove a held version', async () => {
    const expiry = { ID: 'ExpireArchive', Status: 'Enabled', Filter: { Prefix: `${PREFIX}/conversations/` } };
    rules([{ ...expiry, Expiration: { Days: 30 } }]);
    bucket.objectLock = false;
    bucket.archive('77', 'a.pdf', 'x');
    const request = { matter: 'Case A', reason: 'r', by: 'tester' };
    await expect(placeHolds(archive(), ['77'], request)).rejects.toThrow(
      /refusing to place a hold: s3:\/\/archive has no Object Lock and a lifecycle rule expires archived files.*nothing was changed/,
    );
    expect(bucket.under(`${PREFIX}/ledger/`)).toEqual([]);
    // Object Lock: S3 itself keeps every held version (expiry only adds a delete marker on top), so a hold is placed.
    bucket.objectLock = true;
    const { placed } = await placeHolds(archive(), ['77'], request);
    expect(placed[0]).toMatchObject({ files: 1, versions: 2, matters: ['Case A'] });
  });
});

describe('the hold registry', () => {
  it('holds while any matter’s latest event is an add; history is kept in order', async () => {
    await writeHoldEvent(archive(), event('add', 'Case A', '2025-01-01T10:00:00.000Z'));
    await writeHoldEvent(archive(), event('add', 'Case B', '2025-01-02T10:00:00.000Z'));
    await writeHoldEvent(archive(), event('release', 'Case A', '2025-01-03T10:00:00.000Z'));
    expect(await heldBy(archive(), '77')).toEqual(['Case B']);
    await expect(refuseIfHeld(archive(), '77')).rejects.toThrow(/under legal hold \("Case B"\)/);
    await writeHoldEvent(archive(), event('release', 'Case B', '2025-01-04T10:00:00.000Z'));
    await writeHoldEvent(archive(), event('add', 'Case A', '2025-01-05T10:00:00.000Z'));
    const events = await readHoldEvents(archive(), '77');
    expect(events.map((e) => `${e.action} ${e.matter}`)).toEqual([
      'add Case A',
      'add Case B',
      'release Case A',
      'release Case B',
      'add Case A',
    ]);
    expect(activeMatters(events)).toEqual(['Case A']);
    await expect(refuseIfHeld(archive(), '88')).resolves.toBeUndefined();
  });

  it('an event whose body cannot be read still holds (the safe side), under its matter key', async () => {
    const key = await writeHoldEvent(archive(), event('add', 'Case Z', '2025-01-01T10:00:00.000Z'));
    bucket.versions.find((v) => v.key === key)!.body = Buffer.from('not json');
    expect(await heldBy(archive(), '77')).toEqual([`matter ${matterKey('Case Z')}`]);
  });

  it('isHeld answers from the ledger listing alone, as the archiver asks it, the same as the events do', async () => {
    const held = async () => isHeld(await readLedger(archive(), '77'));
    const reads = () => bucket.mock.commandCalls(GetObjectCommand).length;
    expect(await held()).toBe(false);
    await writeHoldEvent(archive(), event('add', 'Case A', '2025-01-01T10:00:00.000Z'));
    await writeHoldEvent(archive(), event('add', 'Case B', '2025-01-02T10:00:00.000Z'));
    await writeHoldEvent(archive(), event('release', 'Case A', '2025-01-03T10:00:00.000Z'));
    const before = reads();
    expect(await held()).toBe(true);
    await writeHoldEvent(archive(), event('release', 'Case B', '2025-01-04T10:00:00.000Z'));
    expect(await held()).toBe(false);
    bucket.put(`${PREFIX}/ledger/77/holds/not-an-event.json`, Buffer.from('{}'));
    expect(await held()).toBe(false);
    expect(reads()).toBe(before); // no event body was read
    await writeHoldEvent(archive(), event('add', 'Case A', '2025-01-05T10:00:00.000Z'));
    expect(await held()).toBe(true);
  });

  it('never puts a matter’s name in a key', async () => {
    const key = await writeHoldEvent(archive(), event('add', 'Smith v. Jones', '2025-01-01T10:00:00.000Z'));
    expect(key).toBe(`${PREFIX}/ledger/77/holds/2025-01-01T10-00-00-000Z-add-${matterKey('Smith v. Jones')}.json`);
    expect(key).not.toMatch(/Smith|Jones/);
  });
});
