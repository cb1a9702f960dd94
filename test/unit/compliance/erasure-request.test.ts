/**
 * A person's erasure request on a versioned bucket in memory: the request receipt is written also when the run stops
 * part way (complete: false, naming what did not finish), travels with the error when it cannot be stored, and a
 * legal hold on any conversation refuses the whole request before anything is written.
 */
import { GetBucketLifecycleConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../lambdas/commons/errors.ts';
import type { Archive } from '../../../lambdas/compliance/archive.ts';
import {
  executePersonErasure,
  PersonHeldError,
  planPersonErasure,
  type RequestReceipt,
  RequestReceiptNotWrittenError,
} from '../../../lambdas/compliance/erasure-request.ts';
import { placeHolds } from '../../../lambdas/compliance/holds.ts';
import type { PersonSearch } from '../../../lambdas/compliance/people.ts';
import { recordKey } from '../../../lambdas/core/keys.ts';
import { personKey } from '../../../lambdas/core/people.ts';
import type { ProvenanceRecord } from '../../../lambdas/core/record.ts';
import { BUCKET, PREFIX, VersionedBucket } from './versioned-bucket.ts';

const options = { reason: 'GDPR request #9', erasedBy: 'arn:aws:iam::123456789012:user/dpo', bypassGovernance: false };
const JANE = 'jane@example.com';

let bucket: VersionedBucket;
let archive: Archive;
let second: ProvenanceRecord;

const search = (...csids: string[]): PersonSearch => ({
  identity: { type: 'email', value: JANE, key: personKey('email', JANE) },
  relatedIdentities: [],
  searchedAt: '2026-12-01T01:00:00.000Z',
  sources: ['dixa', 'archive-index'],
  endUsers: ['u-1'],
  conversations: csids.map((conversationId) => ({
    conversationId,
    foundIn: ['dixa'],
    roles: ['requester'],
    indexedAs: [],
  })),
});
const requestReceipts = () =>
  bucket.under(`${PREFIX}/erasure-receipts/requests/`).map((v) => JSON.parse(v.body.toString()) as RequestReceipt);

beforeEach(() => {
  bucket = new VersionedBucket();
  bucket.objectLock = false;
  archive = { s3: bucket.client, bucket: BUCKET, prefix: PREFIX };
  bucket.archive('4711', 'a/scan.pdf', 'first file');
  second = bucket.archive('4712', 'b/call.mp3', 'second file');
  bucket.archive('4713', 'c/keep.txt', 'someone else');
});
afterEach(() => bucket.restore());

describe('a person’s erasure request', () => {
  it('a run that stops part way still leaves the request receipt, saying what did not finish', async () => {
    bucket.failingKeys.set(recordKey(second.key), 'InternalError');
    const found = search('4711', '4712');
    const plans = await planPersonErasure(archive, found);
    const error = await executePersonErasure(archive, found, plans, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    const [receipt] = requestReceipts();
    expect(receipt).toMatchObject({
      conversations: [{ conversationId: '4711', complete: true, fileCount: 1 }],
      unfinished: ['4712'],
      complete: false,
      person: { type: 'email', personKey: personKey('email', JANE) },
    });
    expect((error as Error).message).toMatch(
      /^conversation 4712: the erasure stopped: .*; erased before it: 4711 .*; the request receipt dixa\/erasure-receipts\/requests\/\S+\.json says what was done$/,
    );
    expect(JSON.stringify(receipt)).not.toContain(JANE);
  });

  it('a request receipt that cannot be stored travels with the error, to be kept', async () => {
    bucket.mock.on(PutObjectCommand).callsFake((input) => {
      if (input.Key!.includes('/requests/')) throw new Error('SlowDown');
      bucket.put(input.Key!, Buffer.from(input.Body as string));
      return {};
    });
    const found = search('4711');
    const error = await executePersonErasure(archive, found, await planPersonErasure(archive, found), options).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RequestReceiptNotWrittenError);
    const { requestReceipt, message } = error as RequestReceiptNotWrittenError;
    expect(requestReceipt).toMatchObject({ complete: true, conversations: [{ conversationId: '4711' }] });
    expect(message).toMatch(/^1 conversation\(s\) erased but the request receipt could not be written to .*SlowDown/);
    expect(bucket.under(`${PREFIX}/conversations/4711/`)).toEqual([]);
  });

  it('refuses the whole request when conversations are held, naming each with its matters; nothing is written', async () => {
    bucket.mock.on(GetBucketLifecycleConfigurationCommand).resolves({}); // no expiry: holds may be placed
    await placeHolds(archive, ['4712'], { matter: 'Case 1', reason: 'litigation', by: 'legal' });
    await placeHolds(archive, ['4713'], { matter: 'Case 2', reason: 'audit', by: 'legal' });
    const before = bucket.versions.length;
    const error = await planPersonErasure(archive, search('4711', '4712', '4713')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersonHeldError);
    expect((error as Error).message).toBe(
      'refusing to erase this person\'s conversations: conversation 4712 ("Case 1"), conversation 4713 ("Case 2") ' +
        'are under legal hold; release the hold first (dixa-archiver hold release); nothing was deleted',
    );
    expect(bucket.versions.length).toBe(before);
  });

  it('nothing found: the request receipt alone answers, complete', async () => {
    const result = await executePersonErasure(archive, search(), [], options);
    expect(result.requestReceipt).toMatchObject({ nothingFound: true, conversations: [], complete: true });
    expect(requestReceipts()).toEqual([result.requestReceipt]);
  });
});
