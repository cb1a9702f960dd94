/**
 * A conversation's ledger (docs/storage-layout.md): everything the archive knows about a conversation besides its
 * files, under `<prefix>/ledger/<csid>/`, read in one listing —
 *   tombstones/<erasedAt>.json                 write-once: the conversation was erased at erasedAt
 *   tombstones/messages/<messageKey>/<erasedAt>.json  write-once: one message's files were erased (Dixa redacted it)
 *   holds/<at>-<add|release>-<matterKey>.json  write-once legal-hold events
 *   people/<personKey>/<role>                  who took part (the reverse of the people index)
 *   failures/<linkHash>.json                   files that failed for good
 * Every reader (archiver, erase, hold, sweep, console) goes through `readLedger`, which returns the raw objects by
 * folder plus the parsed tombstones; a feature parses its own folder from `ledger.objects` (see `inFolder`), so a
 * new kind of entry needs no second listing. Keys alone answer the common questions (a tombstone's time is in its
 * key): reading the ledger costs one ListObjectsV2 request for any ordinary conversation.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mapLimit } from '../commons/map-limit.ts';
import { type FailureMarker, parseFailureMarker } from '../core/failure-marker.ts';
import { keyStamp, ledgerPrefix, messageKey, parseKeyStamp, peopleRoot } from '../core/keys.ts';
import { type Archive, listObjects, type StoredObject } from './archive.ts';

export const LEDGER_FOLDERS = ['tombstones', 'holds', 'people', 'failures'] as const;
export type LedgerFolder = (typeof LEDGER_FOLDERS)[number];
export const TOMBSTONE_VERSION = 1;

export interface LedgerObject extends StoredObject {
  /** The first segment below `<prefix>/ledger/<csid>/` (one of LEDGER_FOLDERS, or a folder a newer version added). */
  folder: string;
  /** The rest of the key below the folder, e.g. `2024-05-01T08-30-00-123Z.json`. */
  name: string;
}

/** A tombstone as its key tells it: enough to decide whether a job is erased, without reading it. */
export interface TombstoneRef {
  key: string;
  erasedAt: Date;
}

export interface Ledger {
  conversationId: string;
  /** Every object under the conversation's ledger prefix, in key order. */
  objects: LedgerObject[];
  /** Oldest first. */
  tombstones: TombstoneRef[];
  /** Messages whose files were erased (by message key, lambdas/core/keys.ts `messageKey`), each with its tombstones. */
  erasedMessages: Map<string, TombstoneRef[]>;
}

/** The body of a tombstone. No personal data: ids, times, the receipt's key, who erased and why. */
export interface Tombstone {
  tombstoneVersion: typeof TOMBSTONE_VERSION;
  conversationId: string;
  /** Set when only this message's files were erased (the conversation's other files stay). */
  messageId?: string;
  erasedAt: string;
  /** The erasure receipt this erasure writes (written after the deletions; absent while they run). */
  receiptKey: string;
  erasedBy: string;
  reason: string;
}

export async function readLedger(archive: Archive, conversationId: string): Promise<Ledger> {
  const objects: StoredObject[] = [];
  for await (const object of listObjects(archive, ledgerPrefix(archive.prefix, conversationId))) objects.push(object);
  return parseLedger(archive.prefix, conversationId, objects);
}

/** The ledger a listing of `<prefix>/ledger/<csid>/` describes (exported for readers that list in bulk). */
export function parseLedger(prefix: string, conversationId: string, listed: readonly StoredObject[]): Ledger {
  const root = ledgerPrefix(prefix, conversationId);
  const objects: LedgerObject[] = [];
  for (const object of listed) {
    if (!object.key.startsWith(root)) continue;
    const rest = object.key.slice(root.length);
    const slash = rest.indexOf('/');
    if (slash <= 0 || slash === rest.length - 1) continue; // not an entry of any folder
    objects.push({ ...object, folder: rest.slice(0, slash), name: rest.slice(slash + 1) });
  }
  objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const tombstones: TombstoneRef[] = [];
  const erasedMessages = new Map<string, TombstoneRef[]>();
  for (const object of inFolder({ objects }, 'tombstones')) {
    const path = object.name.split('/');
    const name = path.at(-1)!;
    const erasedAt = name.endsWith('.json') ? parseKeyStamp(name.slice(0, -5)) : undefined;
    if (!erasedAt) continue;
    if (path.length === 1) tombstones.push({ key: object.key, erasedAt });
    else if (path.length === 3 && path[0] === 'messages' && path[1]) {
      erasedMessages.set(path[1], [...(erasedMessages.get(path[1]) ?? []), { key: object.key, erasedAt }]);
    }
  }
  tombstones.sort((a, b) => a.erasedAt.getTime() - b.erasedAt.getTime());
  return { conversationId, objects, tombstones, erasedMessages };
}

export function inFolder(ledger: Pick<Ledger, 'objects'>, folder: LedgerFolder): LedgerObject[] {
  return ledger.objects.filter((object) => object.folder === folder);
}

/**
 * Where a conversation's people-index entries are: the ledger's `people/` (reverse) and, for each person in it,
 * `<prefix>/people/<personKey>/<csid>/` (forward). Erase and the archiver's cleanup remove every version under these.
 */
export function peopleIndexPrefixes(prefix: string, ledger: Ledger): string[] {
  const personKeys = new Set(inFolder(ledger, 'people').map((entry) => entry.name.slice(0, entry.name.indexOf('/'))));
  return [
    `${ledgerPrefix(prefix, ledger.conversationId)}people/`,
    ...[...personKeys].filter(Boolean).map((key) => `${peopleRoot(prefix)}${key}/${ledger.conversationId}/`),
  ];
}

export function latestErasure(ledger: Ledger): Date | undefined {
  return ledger.tombstones.at(-1)?.erasedAt;
}

/**
 * Whether the conversation's erasure covers a file of a message created at `createdAt`: yes unless the message is
 * newer than the latest erasure (new data). A missing or unreadable creation time counts as before (the safe side).
 */
export function erasureCovers(ledger: Ledger, createdAt: string | undefined): boolean {
  const erasedAt = latestErasure(ledger);
  if (!erasedAt) return false;
  const created = createdAt === undefined ? Number.NaN : Date.parse(createdAt.replace(/\[[^\]]*\]$/, ''));
  return Number.isNaN(created) || created <= erasedAt.getTime();
}

/**
 * Whether an erasure covers a file job: its message's files were erased (a redacted message: any file of that message,
 * whenever it comes), or the conversation's erasure covers the message's creation time (`erasureCovers`). A job
 * without a message id can only be matched by the conversation's tombstones.
 */
export function coversJob(ledger: Ledger, job: ErasableJob): boolean {
  if (job.messageId !== undefined && ledger.erasedMessages.has(messageKey(job.messageId))) return true;
  return erasureCovers(ledger, job.createdAt);
}

export function tombstoneKey(prefix: string, conversationId: string, erasedAt: Date, messageId?: string): string {
  const folder = messageId === undefined ? '' : `messages/${messageKey(messageId)}/`;
  return `${ledgerPrefix(prefix, conversationId)}tombstones/${folder}${keyStamp(erasedAt)}.json`;
}

/**
 * Writes a tombstone once (`If-None-Match: *`): an existing tombstone is never replaced. `created: false` when one
 * with the same time was already there, which still leaves the conversation tombstoned.
 */
export async function writeTombstone(
  archive: Archive,
  tombstone: Tombstone,
): Promise<{ key: string; created: boolean }> {
  const key = tombstoneKey(archive.prefix, tombstone.conversationId, new Date(tombstone.erasedAt), tombstone.messageId);
  try {
    await archive.s3.send(
      new PutObjectCommand({
        Bucket: archive.bucket,
        Key: key,
        Body: `${JSON.stringify(tombstone, null, 2)}\n`,
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
    return { key, created: true };
  } catch (error: unknown) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if ((error as Error).name === 'PreconditionFailed' || status === 412) return { key, created: false };
    throw error;
  }
}

export async function readTombstone(archive: Archive, key: string): Promise<Tombstone> {
  const out = await archive.s3.send(new GetObjectCommand({ Bucket: archive.bucket, Key: key }));
  return JSON.parse((await out.Body?.transformToString('utf8')) ?? '') as Tombstone;
}

/**
 * Reads each conversation's ledger once per run (backfill, redrive, the sweep): many jobs share a conversation.
 * A run sees the ledger as it was when first read; the archiver checks again for itself before and after it writes.
 */
export function ledgerCache(archive: Archive): (conversationId: string) => Promise<Ledger> {
  const ledgers = new Map<string, Promise<Ledger>>();
  return (conversationId) => {
    let ledger = ledgers.get(conversationId);
    if (!ledger) {
      ledger = readLedger(archive, conversationId);
      ledger.catch(() => ledgers.delete(conversationId));
      ledgers.set(conversationId, ledger);
    }
    return ledger;
  };
}

/** Whether an erasure covers a job (`coversJob`), each ledger read once per run. */
export function erasureCheck(archive: Archive): (job: ErasableJob) => Promise<boolean> {
  const ledgers = ledgerCache(archive);
  return async (job) => coversJob(await ledgers(job.conversationId), job);
}

export interface ErasableJob {
  conversationId: string;
  messageId?: string;
  createdAt?: string;
}

/**
 * The conversation's failure markers (files the archiver dead-lettered; lambdas/core/failure-marker.ts), by link
 * hash. Read only when the ledger lists some, so an ordinary conversation costs no request beyond the listing.
 */
export async function readFailures(archive: Archive, ledger: Ledger): Promise<Map<string, FailureMarker>> {
  const markers = await mapLimit(inFolder(ledger, 'failures'), 4, async (object) => {
    try {
      const out = await archive.s3.send(new GetObjectCommand({ Bucket: archive.bucket, Key: object.key }));
      return parseFailureMarker((await out.Body?.transformToString('utf8')) ?? '');
    } catch (error: unknown) {
      if ((error as Error).name === 'NoSuchKey') return undefined; // removed meanwhile: the file was archived
      throw error;
    }
  });
  const byHash = new Map<string, FailureMarker>();
  for (const marker of markers) {
    if (marker && marker.conversationId === ledger.conversationId) byHash.set(marker.linkHash, marker);
  }
  return byHash;
}
