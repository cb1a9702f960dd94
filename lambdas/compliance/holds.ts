/**
 * Legal holds. The registry is write-once events in each conversation's ledger
 * (`<prefix>/ledger/<csid>/holds/<at>-<add|release>-<matterKey>.json`, docs/storage-layout.md), so the history of
 * every hold stays provable: nothing is ever overwritten or deleted. A conversation is held while any matter's
 * latest event for it is an `add`.
 *
 * On a bucket with Object Lock the hold is also S3's own: every version of every file and record of a held
 * conversation carries an S3 legal hold, removed only when no matter holds the conversation any more; files that
 * arrive later get it as they are stored (lambdas/archiver/archive-file.ts). Then not even a bug (or lifecycle
 * expiry) can delete a held file. `erase` and the anonymization follower consult the
 * registry first and refuse, naming the matters.
 */
import { createHash } from 'node:crypto';
import {
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
} from '@aws-sdk/client-s3';
import { UsageError, UserError } from '../commons/errors.ts';
import { mapLimit } from '../commons/map-limit.ts';
import {
  conversationPrefix,
  conversationsRoot,
  keyStamp,
  ledgerPrefix,
  ledgerRoot,
  parseKeyStamp,
} from '../core/keys.ts';
import { type Archive, listObjects, readConversation } from './archive.ts';
import { inFolder, type Ledger, readLedger } from './ledger.ts';
import { bucketUsesObjectLock } from './object-lock.ts';
import { checkReason } from './reason.ts';
import { listVersions } from './versions.ts';

export const HOLD_EVENT_VERSION = 1;
const MAX_MATTER_LENGTH = 200;
const LOCKS_IN_FLIGHT = 8;

export type HoldAction = 'add' | 'release';

/** One hold event. No personal data: the matter's name, ids, times, who and why (the caller keeps it that way). */
export interface HoldEvent {
  holdEventVersion: typeof HOLD_EVENT_VERSION;
  conversationId: string;
  action: HoldAction;
  matter: string;
  matterKey: string;
  reason: string;
  at: string;
  by: string;
  /** Whether anything of the conversation was archived when the event was written (a hold may precede its files). */
  archivedFiles: number;
}

/** First 16 hex of sha256("dixa-archiver/matter/v1\n" + matter): a matter's name never appears in a key. */
export function matterKey(matter: string): string {
  return createHash('sha256').update(`dixa-archiver/matter/v1\n${matter}`).digest('hex').slice(0, 16);
}

/** Returns the trimmed matter, or throws a UsageError that names the field as the caller calls it. */
export function checkMatter(matter: string | undefined, field = '--matter "<name>"'): string {
  const name = field.split(' ')[0];
  const text = matter?.trim();
  if (!text) throw new UsageError(`${field} is required: the legal matter the hold belongs to`);
  if (text.length > MAX_MATTER_LENGTH) throw new UsageError(`${name} is longer than ${MAX_MATTER_LENGTH} characters`);
  if (/\p{Cc}/u.test(text)) throw new UsageError(`${name} must be one line of text`);
  return text;
}

export function checkHoldReason(reason: string | undefined, field = '--reason "<text>"'): string {
  return checkReason(reason, field, 'the hold event');
}

const holdsPrefix = (archive: Archive, csid: string) => `${ledgerPrefix(archive.prefix, csid)}holds/`;

export function holdEventKey(
  archive: Archive,
  event: Pick<HoldEvent, 'conversationId' | 'at' | 'action' | 'matterKey'>,
) {
  const stamp = keyStamp(new Date(event.at));
  return `${holdsPrefix(archive, event.conversationId)}${stamp}-${event.action}-${event.matterKey}.json`;
}

/** Every hold event of a conversation, oldest first (one ledger listing, then the events' bodies). */
export async function readHoldEvents(archive: Archive, conversationId: string): Promise<HoldEvent[]> {
  return holdEventsOf(archive, await readLedger(archive, conversationId));
}

/** The hold events of a ledger already read. */
export async function holdEventsOf(archive: Archive, ledger: Ledger): Promise<HoldEvent[]> {
  const keys = inFolder(ledger, 'holds').map((object) => object.key);
  const events = await mapLimit(keys, LOCKS_IN_FLIGHT, (key) => readEvent(archive, key));
  return events.filter((e): e is HoldEvent => e !== undefined && e.conversationId === ledger.conversationId);
}

/** The matters that hold the conversation now: each matter's latest event decides. */
export function activeMatters(events: readonly HoldEvent[]): string[] {
  const latest = new Map<string, HoldEvent>();
  for (const event of [...events].sort((a, b) => a.at.localeCompare(b.at))) latest.set(event.matterKey, event);
  return [...latest.values()].filter((e) => e.action === 'add').map((e) => e.matter);
}

/** The hold in force per matter: the `add` event that placed it, for each matter whose latest event is an add. */
export function activeHolds(events: readonly HoldEvent[]): HoldEvent[] {
  const active = new Set(activeMatters(events));
  const placed = new Map<string, HoldEvent>();
  for (const event of [...events].sort((a, b) => a.at.localeCompare(b.at))) {
    if (event.action === 'add' && active.has(event.matter)) placed.set(event.matterKey, event);
  }
  return [...placed.values()];
}

export async function heldBy(archive: Archive, conversationId: string): Promise<string[]> {
  return activeMatters(await readHoldEvents(archive, conversationId));
}

/** An erasure refused by a legal hold; `matters` names what holds the conversation. */
export class ConversationHeldError extends UserError {
  constructor(
    readonly conversationId: string,
    readonly matters: readonly string[],
  ) {
    super(
      `refusing to erase conversation ${conversationId}: it is under legal hold (${matters.map((m) => JSON.stringify(m)).join(', ')}); ` +
        'release the hold first (dixa-archiver hold release); nothing was deleted',
    );
  }
}

/** Throws (naming the matters) when the conversation is held: for `erase` and the anonymization follower. */
export async function refuseIfHeld(archive: Archive, conversationId: string): Promise<void> {
  const matters = await heldBy(archive, conversationId);
  if (matters.length > 0) throw new ConversationHeldError(conversationId, matters);
}

export interface HeldConversation {
  conversationId: string;
  /** The matters holding it now, each with the event that placed the hold. */
  holds: HoldEvent[];
}

/**
 * Every conversation with hold events, from one listing of `<prefix>/ledger/` (its hold events only are read),
 * with the matters that hold it now; conversations whose every hold was released are left out.
 */
export async function listHolds(archive: Archive): Promise<HeldConversation[]> {
  const root = ledgerRoot(archive.prefix);
  const byConversation = new Map<string, string[]>();
  for await (const object of listObjects(archive, root)) {
    const [csid, folder] = object.key.slice(root.length).split('/');
    if (folder !== 'holds' || !csid) continue;
    byConversation.set(csid, [...(byConversation.get(csid) ?? []), object.key]);
  }
  const held = await mapLimit([...byConversation], LOCKS_IN_FLIGHT, async ([conversationId, keys]) => {
    const events = (await Promise.all(keys.sort().map((key) => readEvent(archive, key)))).filter(
      (e): e is HoldEvent => e !== undefined,
    );
    return { conversationId, holds: activeHolds(events) };
  });
  return held.filter((h) => h.holds.length > 0);
}

/** Who places or releases a hold, for which matter and why: what each event records. */
export interface HoldRequest {
  matter: string;
  reason: string;
  by: string;
}

export interface PlacedHold {
  conversationId: string;
  /** Files archived for the conversation when the hold was placed (0: files arriving later are held on arrival). */
  files: number;
  /** Object versions that now carry S3's legal hold (0 on a bucket without Object Lock). */
  versions: number;
  /** Every matter that holds the conversation now, this one included. */
  matters: string[];
}

export interface ReleasedHold {
  conversationId: string;
  /** False when the matter did not hold the conversation (nothing was written for it). */
  released: boolean;
  /** The matters that still hold it; S3's legal holds are cleared only when none does. */
  stillHeldBy: string[];
  /** Object versions whose S3 legal hold was removed. */
  versions: number;
}

/**
 * Places a hold for one matter on each conversation, in order, calling `onEach` after each (for progress). Refused,
 * changing nothing, on a bucket without Object Lock whose lifecycle expiry would outrun the hold.
 */
export async function placeHolds(
  archive: Archive,
  conversations: readonly string[],
  request: HoldRequest,
  onEach: (placed: PlacedHold) => void = () => {},
): Promise<{ objectLock: boolean; placed: PlacedHold[] }> {
  if (conversations.length === 0) throw new UsageError('name at least one conversation to hold');
  const objectLock = await bucketUsesObjectLock(archive.s3, archive.bucket);
  if (!objectLock && (await expiryCannotSeeHolds(archive))) {
    throw new UserError(
      `refusing to place a hold: s3://${archive.bucket} has no Object Lock and a lifecycle rule expires archived ` +
        'files, which cannot see holds; held files would still expire. Deploy with Object Lock (objectLockMode) ' +
        'or without expireAfterDays; nothing was changed',
    );
  }
  const placed: PlacedHold[] = [];
  for (const conversationId of conversations) {
    const files = (await readConversation(archive, conversationId)).filter((e) => e.file).length;
    await writeEvent(archive, conversationId, 'add', request, files);
    // After the event: an archiver writing meanwhile either is seen here, or sees the event after its write.
    const versions = await setLegalHolds(archive, conversationId, true);
    const outcome = { conversationId, files, versions, matters: await heldBy(archive, conversationId) };
    placed.push(outcome);
    onEach(outcome);
  }
  return { objectLock, placed };
}

/**
 * Releases one matter's hold on the conversations named, or on every conversation it holds when none is named.
 * S3's legal holds of a conversation are cleared only once no matter holds it any more.
 */
export async function releaseHolds(
  archive: Archive,
  named: readonly string[],
  request: HoldRequest,
  onEach: (released: ReleasedHold) => void = () => {},
): Promise<ReleasedHold[]> {
  const conversations =
    named.length > 0
      ? named
      : (await listHolds(archive))
          .filter((h) => h.holds.some((e) => e.matterKey === matterKey(request.matter)))
          .map((h) => h.conversationId);
  if (conversations.length === 0) {
    throw new UserError(`matter ${JSON.stringify(request.matter)} holds no conversation; nothing was changed`);
  }
  const outcomes: ReleasedHold[] = [];
  for (const conversationId of conversations) {
    const before = await heldBy(archive, conversationId);
    let outcome: ReleasedHold;
    if (!before.includes(request.matter)) {
      outcome = { conversationId, released: false, stillHeldBy: before, versions: 0 };
    } else {
      await writeEvent(archive, conversationId, 'release', request, 0);
      const still = await heldBy(archive, conversationId);
      const versions = still.length > 0 ? 0 : await setLegalHolds(archive, conversationId, false);
      outcome = { conversationId, released: true, stillHeldBy: still, versions };
    }
    outcomes.push(outcome);
    onEach(outcome);
  }
  return outcomes;
}

function writeEvent(
  archive: Archive,
  conversationId: string,
  action: HoldAction,
  request: HoldRequest,
  archivedFiles: number,
) {
  return writeHoldEvent(archive, {
    holdEventVersion: HOLD_EVENT_VERSION,
    conversationId,
    action,
    matter: request.matter,
    matterKey: matterKey(request.matter),
    reason: request.reason,
    at: new Date().toISOString(),
    by: request.by,
    archivedFiles,
  });
}

/** One hold in force, as `hold list` and the console show it: a conversation held for a matter, since when, by whom, why. */
export interface HoldInForce {
  conversationId: string;
  matter: string;
  since: string;
  by: string;
  reason: string;
}

export function holdsInForce(held: readonly HeldConversation[]): HoldInForce[] {
  return held.flatMap((h) =>
    h.holds.map((e) => ({
      conversationId: h.conversationId,
      matter: e.matter,
      since: e.at,
      by: e.by,
      reason: e.reason,
    })),
  );
}

/**
 * Whether S3 lifecycle expiry can remove archived files of a bucket without Object Lock: an enabled expiration
 * rule whose prefix covers `<prefix>/conversations/`. Such expiry cannot consult the hold registry.
 */
export async function expiryCannotSeeHolds(archive: Archive): Promise<boolean> {
  let rules: { Status?: string; Expiration?: unknown; Prefix?: string; Filter?: { Prefix?: string } }[];
  try {
    const out = await archive.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: archive.bucket }));
    rules = out.Rules ?? [];
  } catch (error: unknown) {
    const name = (error as Error).name;
    if (name === 'NoSuchLifecycleConfiguration' || name === 'NotImplemented' || name === 'MethodNotAllowed')
      return false;
    throw error;
  }
  const files = conversationsRoot(archive.prefix);
  return rules.some((rule) => {
    if (rule.Status !== 'Enabled' || !rule.Expiration) return false;
    const prefix = rule.Filter?.Prefix ?? rule.Prefix ?? '';
    return files.startsWith(prefix) || prefix.startsWith(files);
  });
}

/** Writes one event, write-once. Two events in the same millisecond for the same matter cannot both exist. */
export async function writeHoldEvent(archive: Archive, event: HoldEvent): Promise<string> {
  const key = holdEventKey(archive, event);
  await archive.s3.send(
    new PutObjectCommand({
      Bucket: archive.bucket,
      Key: key,
      Body: `${JSON.stringify(event, null, 2)}\n`,
      ContentType: 'application/json',
      IfNoneMatch: '*',
    }),
  );
  return key;
}

/**
 * Sets (ON) or clears (OFF) the S3 legal hold on every version of every object of the conversation. Returns how
 * many versions were set; 0 when the bucket has no Object Lock (the registry alone then holds).
 */
export async function setLegalHolds(archive: Archive, conversationId: string, on: boolean): Promise<number> {
  if (!(await bucketUsesObjectLock(archive.s3, archive.bucket))) return 0;
  const { versions } = await listVersions(
    archive.s3,
    archive.bucket,
    conversationPrefix(archive.prefix, conversationId),
  );
  const objects = versions.filter((v) => !v.deleteMarker);
  await mapLimit(objects, LOCKS_IN_FLIGHT, (version) =>
    archive.s3.send(
      new PutObjectLegalHoldCommand({
        Bucket: archive.bucket,
        Key: version.key,
        ...(version.versionId ? { VersionId: version.versionId } : {}),
        LegalHold: { Status: on ? 'ON' : 'OFF' },
      }),
    ),
  );
  return objects.length;
}

/**
 * An event as its key tells it (time, action, matter key; the matter's name stands in as `matter <matterKey>`), or
 * undefined for a key that is not a hold event. The key alone decides whether the conversation is held.
 */
export function eventFromKey(key: string): HoldEvent | undefined {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const match = /^(.+Z)-(add|release)-([0-9a-f]{16})\.json$/.exec(name);
  const at = match ? parseKeyStamp(match[1]!) : undefined;
  if (!match || !at) return undefined;
  const [, , action, mKey] = match;
  return {
    holdEventVersion: HOLD_EVENT_VERSION,
    conversationId: key.slice(0, -`/holds/${name}`.length).split('/').at(-1)!,
    action: action as HoldAction,
    matter: `matter ${mKey}`,
    matterKey: mKey!,
    reason: '(unreadable event)',
    at: at.toISOString(),
    by: 'unknown',
    archivedFiles: 0,
  };
}

/**
 * Whether the conversation is held, from the ledger's listing alone (no event is read): what the archiver asks of
 * every file it stores, at no cost beyond the ledger listing it makes anyway.
 */
export function isHeld(ledger: Ledger): boolean {
  const events = inFolder(ledger, 'holds').map((object) => eventFromKey(object.key));
  return activeMatters(events.filter((e): e is HoldEvent => e !== undefined)).length > 0;
}

/** An event as its key tells it, completed from its body; a body that cannot be read still counts (the safe side). */
async function readEvent(archive: Archive, key: string): Promise<HoldEvent | undefined> {
  const fromKey = eventFromKey(key);
  if (!fromKey) return undefined;
  const { conversationId, matterKey: mKey } = fromKey;
  try {
    const out = await archive.s3.send(new GetObjectCommand({ Bucket: archive.bucket, Key: key }));
    const body = JSON.parse((await out.Body?.transformToString('utf8')) ?? '') as Partial<HoldEvent>;
    return typeof body.matter === 'string' && matterKey(body.matter) === mKey
      ? { ...fromKey, ...body, action: fromKey.action, at: fromKey.at, conversationId, matterKey: mKey }
      : fromKey;
  } catch (error: unknown) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    if (error instanceof SyntaxError) return fromKey;
    throw error;
  }
}
