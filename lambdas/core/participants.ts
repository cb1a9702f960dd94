/**
 * Who took part in a conversation, as the pipeline sees it (webhook requester and author; export author_email, from,
 * to, cc, bcc; message API from/to/cc/bcc), turned into the second message type on the job queue: a participants
 * message carries person keys and roles only — no address or number travels on the queue, into a log or a key.
 * Ingest and backfill send it beside the file jobs; the archiver writes it into the people index (archiver/people.ts)
 * under the same tombstone rule as files. Versioned, validated on both ends.
 */
import * as v from 'valibot';
import { boundedSqsText, JOB_SOURCES, type JobSource, sqsText } from './job.ts';
import {
  type IdentityType,
  isPersonKey,
  PARTICIPANT_ROLES,
  type ParticipantRole,
  personKey,
  toIdentity,
} from './people.ts';

/** More than any real message names (a mass mail's recipients); the rest is not indexed from that message. */
export const MAX_PARTICIPANTS = 100;

const csid = v.pipe(v.string(), v.regex(/^(0|[1-9]\d{0,19})$/));

export const ParticipantsSchema = v.strictObject({
  v: v.literal(1),
  type: v.literal('participants'),
  conversationId: csid,
  /** When the message that showed these people was created: the tombstone rule applies as to a file. */
  createdAt: v.optional(sqsText(64)),
  source: v.picklist(JOB_SOURCES),
  people: v.pipe(
    v.array(
      v.strictObject({
        key: v.pipe(v.string(), v.check(isPersonKey, 'a person key is 64 hex digits')),
        role: v.picklist(PARTICIPANT_ROLES),
      }),
    ),
    v.minLength(1),
    v.maxLength(MAX_PARTICIPANTS),
  ),
});

export type ParticipantsMessage = v.InferOutput<typeof ParticipantsSchema>;
export type Participant = ParticipantsMessage['people'][number];

export type ParticipantsParse = { ok: true; message: ParticipantsMessage } | { ok: false; reason: string };

export function isParticipantsBody(value: unknown): boolean {
  return value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'participants';
}

export function parseParticipants(value: unknown): ParticipantsParse {
  const parsed = v.safeParse(ParticipantsSchema, value);
  if (parsed.success) return { ok: true, message: parsed.output };
  const issue = parsed.issues[0];
  const where = issue ? v.getDotPath(issue) : undefined;
  return { ok: false, reason: `invalid participants message${where ? ` at ${where}` : ''}: ${issue?.message ?? ''}` };
}

/** Collects people for one conversation; the same person in the same role counts once. */
export class ParticipantSet {
  private readonly people = new Map<string, Participant>();

  /**
   * Adds whatever identities `value` holds: an address or number as a string (`Name <a@b.c>` too), or an object with
   * `email`/`address`/`phone`/`phoneNumber`/`externalId` fields, or an array of those. Values that are not a valid
   * identity (e.g. a number without a country code) are not indexed.
   */
  add(role: ParticipantRole, value: unknown, depth = 0): void {
    if (value == null || depth > 2) return;
    if (Array.isArray(value)) {
      for (const item of value.slice(0, MAX_PARTICIPANTS)) this.add(role, item, depth + 1);
      return;
    }
    if (typeof value === 'string') {
      this.addIdentity(role, value.includes('@') ? 'email' : 'phone', value);
      return;
    }
    if (typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    for (const field of ['email', 'address', 'emailAddress']) this.addText(role, 'email', record[field]);
    for (const field of ['phone', 'phoneNumber', 'phone_number']) this.addText(role, 'phone', record[field]);
    for (const field of ['externalId', 'external_id']) this.addText(role, 'external-id', record[field]);
  }

  private addText(role: ParticipantRole, type: IdentityType, value: unknown): void {
    if (typeof value === 'string') this.addIdentity(role, type, value);
  }

  private addIdentity(role: ParticipantRole, type: IdentityType, raw: string): void {
    if (this.people.size >= MAX_PARTICIPANTS || raw.length > 1024) return;
    const identity = toIdentity(type, raw);
    if (!identity.ok) return;
    const key = personKey(type, identity.identity.value);
    this.people.set(`${key}/${role}`, { key, role });
  }

  get size(): number {
    return this.people.size;
  }

  message(conversationId: string, source: JobSource, createdAt?: string): ParticipantsMessage | undefined {
    if (this.people.size === 0) return undefined;
    return {
      v: 1,
      type: 'participants',
      conversationId,
      ...(createdAt ? { createdAt: boundedSqsText(createdAt, 64) } : {}),
      source,
      people: [...this.people.values()],
    };
  }
}

// ---------------------------------------------------------------------------------------------- sources

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function csidOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return BigInt(value).toString();
  return undefined;
}

/**
 * Any webhook that names a conversation: its requester (`data.conversation.requester`, e.g. after
 * EndUserReplaced) and, for a message, its author.
 */
export function participantsFromWebhook(envelope: {
  event_timestamp?: string | undefined;
  data: Record<string, unknown>;
}): ParticipantsMessage | undefined {
  const conversation = isRecord(envelope.data.conversation) ? envelope.data.conversation : undefined;
  const conversationId = csidOf(conversation?.csid);
  if (!conversation || !conversationId) return undefined;
  const people = new ParticipantSet();
  people.add('requester', conversation.requester);
  people.add('author', envelope.data.author);
  const createdAt = typeof envelope.data.created_at === 'string' ? envelope.data.created_at : envelope.event_timestamp;
  return people.message(conversationId, 'webhook', createdAt);
}

/** One Message Export row: `author_email`, `from`, `to[]`, `cc[]`, `bcc[]`. */
export function participantsFromExport(row: unknown): ParticipantsMessage | undefined {
  if (!isRecord(row)) return undefined;
  const conversationId = csidOf(row.csid);
  if (!conversationId) return undefined;
  const people = new ParticipantSet();
  people.add('author', row.author_email);
  for (const role of ['from', 'to', 'cc', 'bcc'] as const) people.add(role, row[role]);
  const created = typeof row.created_at === 'number' ? new Date(row.created_at) : undefined;
  const createdAt = created && !Number.isNaN(created.getTime()) ? created.toISOString() : undefined;
  return people.message(conversationId, 'export', createdAt);
}

/** Message API rows (one message each): `attributes.from`, `to`, `cc`, `bcc` in whichever shape they come. */
export function participantsFromMessageApi(conversationId: string, rows: unknown[]): ParticipantsMessage[] {
  const csid = csidOf(conversationId);
  if (!csid) return [];
  return rows.flatMap((row) => {
    if (!isRecord(row) || !isRecord(row.attributes)) return [];
    const people = new ParticipantSet();
    for (const role of ['from', 'to', 'cc', 'bcc'] as const) people.add(role, row.attributes[role]);
    const createdAt = typeof row.createdAt === 'string' ? row.createdAt.replace(/\[[^\]]*\]$/, '') : undefined;
    const message = people.message(csid, 'messages-api', createdAt);
    return message ? [message] : [];
  });
}
