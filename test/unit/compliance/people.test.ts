/**
 * findPerson: a person's conversations from Dixa's end-user API and the archive's people index, merged, each saying
 * where it was found; the index is searched under every identity Dixa knows for the person; Dixa failing gives no
 * partial answer; selectors are validated as a person types them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../lambdas/commons/errors.ts';
import type { Archive } from '../../../lambdas/compliance/archive.ts';
import {
  DixaUnavailableError,
  describeSearch,
  type EndUserDirectory,
  findPerson,
  personSelector,
  sameIdentity,
  searchManifest,
} from '../../../lambdas/compliance/people.ts';
import { type IdentityType, type ParticipantRole, personKey } from '../../../lambdas/core/people.ts';
import type { EndUser, EndUserQuery } from '../../../lambdas/dixa/dixa-client.ts';
import { BUCKET, PREFIX, VersionedBucket } from './versioned-bucket.ts';

const JANE = 'jane@example.com';
const JANE_PHONE = '+4512345678';
const NOW = new Date('2026-12-01T10:00:00.000Z');

let bucket: VersionedBucket;
let archive: Archive;
beforeEach(() => {
  bucket = new VersionedBucket();
  archive = { s3: bucket.client, bucket: BUCKET, prefix: PREFIX };
});
afterEach(() => bucket.restore());

/** An index entry as the archiver writes it (both directions). */
function indexed(csid: string, type: IdentityType, value: string, role: ParticipantRole) {
  const key = personKey(type, value);
  bucket.put(`${PREFIX}/people/${key}/${csid}/${role}`, Buffer.alloc(0));
  bucket.put(`${PREFIX}/ledger/${csid}/people/${key}/${role}`, Buffer.alloc(0));
}

/** A stand-in for Dixa's end-user API that records what it was asked. */
function directory(users: (EndUser & { conversations: string[] })[]) {
  const asked: EndUserQuery[] = [];
  const dixa: EndUserDirectory = {
    async findEndUsers(query) {
      asked.push(query);
      const field = query.field === 'phone' ? 'phoneNumber' : query.field;
      return users.filter((u) => u[field] === query.value).map(({ conversations: _, ...user }) => user);
    },
    async endUserConversations(id) {
      return users.find((u) => u.id === id)?.conversations ?? [];
    },
  };
  return { dixa, asked };
}

const jane = (extra: Partial<EndUser> = {}) => ({
  id: 'u-jane',
  email: JANE,
  phoneNumber: JANE_PHONE,
  additionalEmails: [],
  additionalPhoneNumbers: [],
  conversations: ['8001', '8004'],
  ...extra,
});

describe('findPerson', () => {
  it('merges Dixa (requested) and the index (CC, replaced requester), saying where each was found', async () => {
    indexed('8002', 'email', JANE, 'cc');
    indexed('8003', 'email', JANE, 'requester');
    indexed('8004', 'email', JANE, 'from');
    indexed('9999', 'email', 'someone@example.com', 'requester');
    const { dixa, asked } = directory([jane()]);
    const search = await findPerson(archive, { type: 'email', value: '  JANE@Example.COM ' }, { dixa, now: NOW });
    expect(asked).toEqual([{ field: 'email', value: JANE }]); // normalized before Dixa is asked
    expect(search).toMatchObject({
      identity: { type: 'email', value: JANE, key: personKey('email', JANE) },
      searchedAt: NOW.toISOString(),
      sources: ['dixa', 'archive-index'],
      endUsers: ['u-jane'],
    });
    expect(search.conversations).toEqual([
      { conversationId: '8001', foundIn: ['dixa'], roles: ['requester'], indexedAs: [] },
      {
        conversationId: '8002',
        foundIn: ['archive-index'],
        roles: ['cc'],
        indexedAs: [{ type: 'email', value: JANE }],
      },
      {
        conversationId: '8003',
        foundIn: ['archive-index'],
        roles: ['requester'],
        indexedAs: [{ type: 'email', value: JANE }],
      },
      {
        conversationId: '8004',
        foundIn: ['dixa', 'archive-index'],
        roles: ['requester', 'from'],
        indexedAs: [{ type: 'email', value: JANE }],
      },
    ]);
  });

  it('searches the index under every identity Dixa knows for the person: by phone, the CC by e-mail is found', async () => {
    indexed('8002', 'email', 'j.doe@example.org', 'cc');
    indexed('8003', 'phone', JANE_PHONE, 'from');
    const { dixa } = directory([jane({ email: 'Jane@Example.com', additionalEmails: ['j.doe@example.org', 'bad'] })]);
    const search = await findPerson(archive, { type: 'phone', value: '+45 12 34 56 78' }, { dixa });
    expect(search.conversations.map((c) => [c.conversationId, c.indexedAs])).toEqual([
      ['8001', []],
      ['8002', [{ type: 'email', value: 'j.doe@example.org' }]],
      ['8003', [{ type: 'phone', value: JANE_PHONE }]],
      ['8004', []],
    ]);
    expect(search.relatedIdentities.map((i) => i.value)).toEqual([JANE, 'j.doe@example.org']); // 'bad' is no address
  });

  it('a person Dixa no longer knows: the index answers', async () => {
    indexed('8005', 'email', 'ghost@example.com', 'requester');
    const { dixa } = directory([]);
    const search = await findPerson(archive, { type: 'email', value: 'ghost@example.com' }, { dixa });
    expect(search.endUsers).toEqual([]);
    expect(search.conversations.map((c) => [c.conversationId, c.foundIn])).toEqual([['8005', ['archive-index']]]);
  });

  it('the archive index only: Dixa is not asked, and the answer says so', async () => {
    indexed('8002', 'email', JANE, 'cc');
    const search = await findPerson(archive, { type: 'email', value: JANE });
    expect(search.sources).toEqual(['archive-index']);
    expect(search.conversations.map((c) => c.conversationId)).toEqual(['8002']);
    expect(describeSearch(search)).toBe(
      "Searched not Dixa (left out on request), only the archive's people index for the e-mail address: 1 conversation found.",
    );
  });

  it('an unknown person: an empty answer naming the sources searched', async () => {
    const search = await findPerson(archive, { type: 'external-id', value: 'crm-1' }, { dixa: directory([]).dixa });
    expect(search).toMatchObject({ sources: ['dixa', 'archive-index'], endUsers: [], conversations: [] });
    expect(describeSearch(search)).toBe(
      "Searched Dixa (0 end users) and the archive's people index for the external id: 0 conversations found.",
    );
  });

  it('gives no partial answer when Dixa fails part way', async () => {
    indexed('8002', 'email', JANE, 'cc');
    const dixa: EndUserDirectory = {
      findEndUsers: async () => [jane()],
      endUserConversations: async () => {
        throw new Error('gave up after 4 attempts, last: dev.dixa.io answered 503 Service Unavailable');
      },
    };
    const error = await findPerson(archive, { type: 'email', value: JANE }, { dixa }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DixaUnavailableError);
    expect((error as Error).message).toBe(
      "Dixa's end-user API could not be asked (gave up after 4 attempts, last: dev.dixa.io answered 503 Service Unavailable)",
    );
  });

  it('sorts conversations by csid as numbers, and ignores index keys of another shape', async () => {
    for (const csid of ['10', '9', '100']) indexed(csid, 'email', JANE, 'to');
    const root = `${PREFIX}/people/${personKey('email', JANE)}/`;
    for (const stray of ['007/cc', '11/owner', '12/cc/extra', 'x/cc', '13'])
      bucket.put(`${root}${stray}`, Buffer.alloc(0));
    const search = await findPerson(archive, { type: 'email', value: JANE });
    expect(search.conversations.map((c) => c.conversationId)).toEqual(['9', '10', '100']);
  });

  it('describes what it searched in plain words, and the manifest names the identity only for the person', async () => {
    indexed('8002', 'email', 'j.doe@example.org', 'cc');
    const { dixa } = directory([jane({ additionalEmails: ['j.doe@example.org'] })]);
    const search = await findPerson(archive, { type: 'email', value: JANE }, { dixa, now: NOW });
    expect(describeSearch(search)).toBe(
      "Searched Dixa (1 end user) and the archive's people index (also under 2 more identities Dixa knows for this " +
        'person) for the e-mail address: 3 conversations found.',
    );
    expect(searchManifest(search)).toEqual({
      person: { type: 'email', value: JANE },
      searchedAt: NOW.toISOString(),
      sources: ['dixa', 'archive-index'],
      dixaEndUsers: 1,
      relatedIdentities: [
        { type: 'phone', value: JANE_PHONE },
        { type: 'email', value: 'j.doe@example.org' },
      ],
      conversations: search.conversations,
    });
  });
});

describe('person selectors', () => {
  it('takes one of e-mail, phone and external id, normalizing as it checks', () => {
    expect(personSelector({})).toBeUndefined();
    expect(personSelector({ email: 'Jane@Example.com', phone: undefined })).toEqual({
      type: 'email',
      value: 'Jane@Example.com',
    });
    expect(personSelector({ 'external-id': ' crm-7 ' })).toEqual({ type: 'external-id', value: ' crm-7 ' });
  });

  it.each([
    [{ email: 'not-an-address' }, '--email: an e-mail address needs a name, an @ and a domain'],
    [{ phone: '12345678' }, '--phone: a phone number needs its country code (e.g. +45 12 34 56 78)'],
    [{ phone: '+45 abc' }, '--phone: a phone number has digits, spaces, dashes and a leading + only'],
    [{ 'external-id': '  ' }, '--external-id: an external id is 1 to 256 characters on one line'],
    [{ email: JANE, phone: JANE_PHONE }, 'give one person selector, not --email and --phone'],
  ])('refuses %j as a usage error', (values, message) => {
    const error = (() => {
      try {
        personSelector(values);
      } catch (e: unknown) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(message);
  });

  it('names the fields as the caller calls them', () => {
    expect(() => personSelector({ email: 'x' }, (type) => `the ${type} field`)).toThrow(/^the email field: /);
  });

  it('knows the same identity in any spelling (for a typed confirmation)', () => {
    expect(sameIdentity({ type: 'email', value: JANE }, ' JANE@EXAMPLE.COM')).toBe(true);
    expect(sameIdentity({ type: 'phone', value: '+45 12 34 56 78' }, '004512345678')).toBe(true);
    expect(sameIdentity({ type: 'email', value: JANE }, 'john@example.com')).toBe(false);
    expect(sameIdentity({ type: 'email', value: JANE }, '4')).toBe(false);
  });
});
