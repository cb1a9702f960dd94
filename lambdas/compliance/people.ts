/**
 * Finding a data subject's conversations, for every face (the CLI's list/get/erase --email, the console's person
 * search, hold selectors): from Dixa's end-user API (the conversations the person requested) and from the archive's
 * own people index (every conversation the pipeline saw them in — as CC, forwarded e-mail, replaced requester, or
 * after Dixa anonymized them). Each conversation says where it was found. No terminal I/O here.
 *
 * The index is searched under the identity asked for and under every identity Dixa knows for the same end user (its
 * e-mail, phone number, external id and additional addresses), so a search by phone also finds the conversation the
 * person was CC'd in by e-mail; each index hit names the identity it was found under.
 */
import { UsageError, UserError } from '../commons/errors.ts';
import { peopleRoot } from '../core/keys.ts';
import {
  IDENTITY_TYPES,
  type Identity,
  type IdentityType,
  isPersonKey,
  PARTICIPANT_ROLES,
  type ParticipantRole,
  toIdentity,
} from '../core/people.ts';
import type { EndUser, EndUserQuery } from '../dixa/dixa-client.ts';
import { type Archive, checkConversationId, listObjects } from './archive.ts';

export type PersonSource = 'dixa' | 'archive-index';

/** What `findPerson` needs of Dixa: `DixaClient` has it. */
export interface EndUserDirectory {
  findEndUsers(query: EndUserQuery): Promise<EndUser[]>;
  endUserConversations(userId: string): Promise<string[]>;
}

export interface PersonSelector {
  type: IdentityType;
  /** As typed; `findPerson` normalizes it. */
  value: string;
}

export interface FoundConversation {
  conversationId: string;
  foundIn: PersonSource[];
  /** How the person took part, as far as the sources tell (`requester` for the conversations Dixa lists). */
  roles: ParticipantRole[];
  /** The identities the archive's index holds the conversation under (empty when only Dixa listed it). */
  indexedAs: { type: IdentityType; value: string }[];
}

export interface PersonSearch {
  /**
   * The identity searched, normalized, with its person key (the fingerprint a request receipt names the person by).
   * The value belongs in this person's own answer, never in a key, a log line or a receipt.
   */
  identity: Identity;
  /** Other identities Dixa knows for the same end user(s), searched in the index too. */
  relatedIdentities: Identity[];
  searchedAt: string;
  /** The sources asked: Dixa is left out only when the caller said the archive's index is enough. */
  sources: PersonSource[];
  /** Dixa's end users for this identity (their ids). */
  endUsers: string[];
  /** Sorted by csid. */
  conversations: FoundConversation[];
}

export interface FindOptions {
  /** Dixa's end-user API; undefined means the archive's own index only. */
  dixa?: EndUserDirectory | undefined;
  now?: Date;
}

const DIXA_FIELD: Record<IdentityType, EndUserQuery['field']> = {
  email: 'email',
  phone: 'phone',
  'external-id': 'externalId',
};

/**
 * The one person selector among the values given (`--email`, `--phone`, `--external-id`), or undefined when none
 * is; a usage error for a malformed value or more than one selector. `field` names a selector as the caller calls it.
 */
export function personSelector(
  values: Partial<Record<IdentityType, string | undefined>>,
  field: (type: IdentityType) => string = (type) => `--${type}`,
): PersonSelector | undefined {
  const given = IDENTITY_TYPES.filter((type) => values[type] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length > 1) throw new UsageError(`give one person selector, not ${given.map(field).join(' and ')}`);
  const type = given[0]!;
  const selector = { type, value: values[type]! };
  identityOf(selector, field);
  return selector;
}

/** The selector's identity, normalized; a usage error naming the field when the value is not one. */
export function identityOf(selector: PersonSelector, field = (type: IdentityType) => `--${type}`): Identity {
  const parsed = toIdentity(selector.type, selector.value);
  if (!parsed.ok) throw new UsageError(`${field(selector.type)}: ${parsed.reason}`);
  return parsed.identity;
}

/** Whether `answer` (e.g. typed to confirm) names the same identity as the selector, in any spelling. */
export function sameIdentity(selector: PersonSelector, answer: string): boolean {
  const typed = toIdentity(selector.type, answer);
  return typed.ok && typed.identity.key === identityOf(selector).key;
}

/**
 * Every conversation of the person: Dixa first (when given; any failure there is a `DixaUnavailableError` and no
 * partial answer is returned), then the archive's people index under every identity known for the person.
 */
export async function findPerson(
  archive: Archive,
  selector: PersonSelector,
  options: FindOptions = {},
): Promise<PersonSearch> {
  const identity = identityOf(selector);
  const found = new Map<string, FoundConversation>();
  const entry = (conversationId: string) => {
    let conversation = found.get(conversationId);
    if (!conversation) {
      conversation = { conversationId, foundIn: [], roles: [], indexedAs: [] };
      found.set(conversationId, conversation);
    }
    return conversation;
  };
  const add = <T>(list: T[], item: T) => {
    if (!list.includes(item)) list.push(item);
  };

  const identities = new Map([[identity.key, identity]]);
  const endUsers: string[] = [];
  if (options.dixa) {
    const dixa = options.dixa;
    const users = await askDixa(() => dixa.findEndUsers({ field: DIXA_FIELD[identity.type], value: identity.value }));
    for (const user of users) {
      if (!endUsers.includes(user.id)) endUsers.push(user.id);
      for (const other of identitiesOf(user)) if (!identities.has(other.key)) identities.set(other.key, other);
      for (const csid of await askDixa(() => dixa.endUserConversations(user.id))) {
        const conversation = entry(csid);
        add(conversation.foundIn, 'dixa');
        add(conversation.roles, 'requester');
      }
    }
  }
  for (const known of identities.values()) {
    for (const { conversationId, role } of await indexEntries(archive, known.key)) {
      const conversation = entry(conversationId);
      add(conversation.foundIn, 'archive-index');
      add(conversation.roles, role);
      if (!conversation.indexedAs.some((i) => i.type === known.type && i.value === known.value)) {
        conversation.indexedAs.push({ type: known.type, value: known.value });
      }
    }
  }

  const conversations = [...found.values()].sort((a, b) => compareCsid(a.conversationId, b.conversationId));
  for (const c of conversations) c.roles.sort((a, b) => PARTICIPANT_ROLES.indexOf(a) - PARTICIPANT_ROLES.indexOf(b));
  return {
    identity,
    relatedIdentities: [...identities.values()].filter((i) => i.key !== identity.key),
    searchedAt: (options.now ?? new Date()).toISOString(),
    sources: options.dixa ? ['dixa', 'archive-index'] : ['archive-index'],
    endUsers,
    conversations,
  };
}

/** One line, in plain words, on what was searched and what was found (for the CLI's and the console's messages). */
export function describeSearch(search: PersonSearch): string {
  const what = { email: 'e-mail address', phone: 'phone number', 'external-id': 'external id' }[search.identity.type];
  const dixa = search.sources.includes('dixa')
    ? `Dixa (${plural(search.endUsers.length, 'end user')}) and `
    : 'not Dixa (left out on request), only ';
  const related = search.relatedIdentities.length;
  const index = `the archive's people index${related > 0 ? ` (also under ${plural(related, 'more identity', 'more identities')} Dixa knows for this person)` : ''}`;
  return `Searched ${dixa}${index} for the ${what}: ${plural(search.conversations.length, 'conversation')} found.`;
}

/** What an access request's manifest says about the search (the person's own export: the identity may be in it). */
export function searchManifest(search: PersonSearch) {
  return {
    person: { type: search.identity.type, value: search.identity.value },
    searchedAt: search.searchedAt,
    sources: search.sources,
    dixaEndUsers: search.endUsers.length,
    relatedIdentities: search.relatedIdentities.map(({ type, value }) => ({ type, value })),
    conversations: search.conversations,
  };
}

/** `<prefix>/people/<personKey>/<csid>/<role>`: the person's conversations in the archive's own index. */
async function indexEntries(archive: Archive, personKey: string) {
  if (!isPersonKey(personKey)) return [];
  const root = `${peopleRoot(archive.prefix)}${personKey}/`;
  const entries: { conversationId: string; role: ParticipantRole }[] = [];
  for await (const object of listObjects(archive, root)) {
    const [conversationId, role, ...rest] = object.key.slice(root.length).split('/');
    if (rest.length > 0 || !isCsid(conversationId) || !isRole(role)) continue; // not an entry this version writes
    entries.push({ conversationId: conversationId!, role });
  }
  return entries;
}

function identitiesOf(user: EndUser): Identity[] {
  const raw: [IdentityType, string | undefined][] = [
    ['email', user.email],
    ['phone', user.phoneNumber],
    ['external-id', user.externalId],
    ...user.additionalEmails.map((e): [IdentityType, string] => ['email', e]),
    ...user.additionalPhoneNumbers.map((p): [IdentityType, string] => ['phone', p]),
  ];
  return raw.flatMap(([type, value]) => {
    if (!value) return [];
    const parsed = toIdentity(type, value);
    return parsed.ok ? [parsed.identity] : []; // e.g. a number without a country code: never indexed either
  });
}

/** Dixa could not be asked (unreachable, token refused, gave up): no partial answer is used. */
export class DixaUnavailableError extends UserError {
  constructor(readonly detail: string) {
    super(`Dixa's end-user API could not be asked (${detail})`);
    this.name = 'DixaUnavailableError';
  }
}

async function askDixa<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error: unknown) {
    throw new DixaUnavailableError(error instanceof Error ? error.message : String(error));
  }
}

function isCsid(value: string | undefined): value is string {
  try {
    return value !== undefined && checkConversationId(value) === value;
  } catch {
    return false;
  }
}

const isRole = (value: string | undefined): value is ParticipantRole =>
  (PARTICIPANT_ROLES as readonly string[]).includes(value ?? '');

const compareCsid = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
