/**
 * `erase`: removes every version and delete marker of every object under one conversation's prefix (and its
 * people-index entries and failure markers), and leaves an erasure receipt under `<prefix>/erasure-receipts/`.
 * Planned first (versions, records, Object Lock holds) so a refused erasure deletes nothing. Then, before anything is
 * deleted, a write-once tombstone (ledger.ts) says the conversation is erased: from then on no road — a redelivered
 * webhook, a job in flight, a redrive, a backfill — archives its files again. Deletion runs in DeleteObjects batches,
 * stopping at the first refusal; the receipt is written in every case, also when nothing was archived.
 *
 * The same steps erase one message's files (`planMessageErasure`: the anonymization follower, for a message Dixa
 * redacted): the files whose records name the message, a tombstone for that message, and a receipt of its own.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { UserError } from '../commons/errors.ts';
import { conversationPrefix, keyStamp, ledgerPrefix, messageKey, receiptPrefix } from '../core/keys.ts';
import { type Archive, type ArchiveEntry, readConversation } from './archive.ts';
import { refuseIfHeld } from './holds.ts';
import { type Ledger, peopleIndexPrefixes, readLedger, TOMBSTONE_VERSION, writeTombstone } from './ledger.ts';
import { findHolds, type Hold, isUnbreakable } from './object-lock.ts';
import { deleteVersions, listVersions, MAX_DELETE_BATCH, type StoredVersion } from './versions.ts';

export const RECEIPT_VERSION = 2;

export interface ErasurePlan {
  conversationId: string;
  /** Set when only this message's files are erased; the rest of the conversation stays. */
  messageId?: string;
  keyPrefix: string;
  /** Every version under these key prefixes is erased: the conversation's prefix, or the folders of the message's files. */
  folders: string[];
  versioned: boolean;
  versions: StoredVersion[];
  /**
   * Every version of the conversation's entries elsewhere: its people-index entries (the ledger's `people/` and the
   * matching `<prefix>/people/<personKey>/<csid>/`) and failure markers. Tombstones and hold events stay: they are the proof.
   */
  ledgerVersions: StoredVersion[];
  /** The conversation's files and records as a plain listing shows them (names and sha256 for the plan and receipt). */
  entries: ArchiveEntry[];
  holds: Hold[];
}

export interface ReceiptObject {
  key: string;
  /** null when the bucket has no versioning. */
  versionId: string | null;
  deleteMarker: boolean;
  /** From the provenance record, for the current version of an archived file; null otherwise. */
  sha256: string | null;
}

export interface ErasureReceipt {
  receiptVersion: typeof RECEIPT_VERSION;
  conversationId: string;
  /** Present when only this message's files were erased (a message Dixa redacted); the conversation's other files stay. */
  messageId?: string;
  bucket: string;
  /** Everything under this key prefix was erased (for a message: the message's files under it). */
  keyPrefix: string;
  /** The write-once tombstone written before anything was deleted: nothing of the conversation is archived again. */
  tombstoneKey: string;
  erasedAt: string;
  erasedBy: string;
  reason: string;
  /** Object versions and delete markers removed. */
  objectCount: number;
  /** Archived files among them (not counting records, older versions or delete markers). */
  fileCount: number;
  /** True when nothing at all was archived for the conversation: the request is answered with this receipt. */
  nothingArchived: boolean;
  /** People-index entries and failure markers of the conversation removed (counted, not named: they are pseudonyms). */
  indexEntriesRemoved: number;
  bypassedGovernance: boolean;
  /** True when every listed version was removed and nothing was left under the prefix. */
  complete: boolean;
  objects: ReceiptObject[];
  failed: { key: string; versionId: string | null; code: string }[];
  /** Objects found under the prefix after the erasure (e.g. archived meanwhile); 0 when complete. */
  remainingAfterErasure: number;
}

export interface ErasureOptions {
  reason: string;
  erasedBy: string;
  bypassGovernance: boolean;
  now?: Date;
}

export interface ErasureResult {
  receipt: ErasureReceipt;
  receiptKey: string;
}

export async function planErasure(archive: Archive, conversationId: string, now = new Date()): Promise<ErasurePlan> {
  // A legal hold outranks an erasure request: refused before anything else, naming the matters.
  await refuseIfHeld(archive, conversationId);
  const keyPrefix = conversationPrefix(archive.prefix, conversationId);
  const [listing, entries, ledger] = await Promise.all([
    listVersions(archive.s3, archive.bucket, keyPrefix),
    readConversation(archive, conversationId),
    readLedger(archive, conversationId),
  ]);
  const ledgerVersions = await listLedgerVersions(archive, ledger);
  const holds = await findHolds(archive.s3, archive.bucket, [...listing.versions, ...ledgerVersions], now);
  return {
    conversationId,
    keyPrefix,
    folders: [keyPrefix],
    versioned: listing.versioned,
    versions: listing.versions,
    ledgerVersions,
    entries,
    holds,
  };
}

/**
 * The erasure of one message's archived files: those whose provenance record names the message (each file's folder,
 * `<csid>/<linkHash>/`, every version). Refused while the conversation is held, like a conversation's erasure.
 */
export async function planMessageErasure(
  archive: Archive,
  conversationId: string,
  messageId: string,
  now = new Date(),
): Promise<ErasurePlan> {
  await refuseIfHeld(archive, conversationId);
  const entries = (await readConversation(archive, conversationId)).filter((e) => e.record?.messageId === messageId);
  const folders = [...new Set(entries.map((e) => e.key.slice(0, e.key.lastIndexOf('/') + 1)))];
  const listings = await Promise.all(folders.map((folder) => listVersions(archive.s3, archive.bucket, folder)));
  const versions = listings.flatMap((listing) => listing.versions);
  return {
    conversationId,
    messageId,
    keyPrefix: conversationPrefix(archive.prefix, conversationId),
    folders,
    versioned: listings.every((listing) => listing.versioned),
    versions,
    ledgerVersions: [],
    entries,
    holds: await findHolds(archive.s3, archive.bucket, versions, now),
  };
}

/** The prefixes an erasure clears besides the files: the people index (both directions) and failure markers. */
function ledgerPrefixes(archive: Archive, ledger: Ledger): string[] {
  return [
    ...peopleIndexPrefixes(archive.prefix, ledger),
    `${ledgerPrefix(archive.prefix, ledger.conversationId)}failures/`,
  ];
}

async function listLedgerVersions(archive: Archive, ledger: Ledger): Promise<StoredVersion[]> {
  const listings = await Promise.all(
    ledgerPrefixes(archive, ledger).map((prefix) => listVersions(archive.s3, archive.bucket, prefix)),
  );
  return listings.flatMap((listing) => listing.versions);
}

/** Why the plan cannot run, as a one-line summary plus one line per held object; undefined when it can. */
export function refusal(plan: ErasurePlan, bypassGovernance: boolean): { summary: string; held: Hold[] } | undefined {
  const unbreakable = plan.holds.filter(isUnbreakable);
  const nothingDeleted = 'nothing was deleted';
  if (unbreakable.length > 0) {
    return {
      summary:
        `refusing to erase conversation ${plan.conversationId}: ${unbreakable.length} object version(s) are under ` +
        `COMPLIANCE retention or a legal hold, which nobody can lift before it ends; ${nothingDeleted}`,
      held: unbreakable,
    };
  }
  if (plan.holds.length > 0 && !bypassGovernance) {
    return {
      summary:
        `refusing to erase conversation ${plan.conversationId}: ${plan.holds.length} object version(s) are under ` +
        `GOVERNANCE retention; rerun with --bypass-governance if you are allowed s3:BypassGovernanceRetention; ${nothingDeleted}`,
      held: plan.holds,
    };
  }
  return undefined;
}

export async function executeErasure(
  archive: Archive,
  plan: ErasurePlan,
  options: ErasureOptions,
): Promise<ErasureResult> {
  const refused = refusal(plan, options.bypassGovernance);
  if (refused) throw new UserError(refused.summary);
  await refuseIfHeld(archive, plan.conversationId); // a hold placed since the plan was shown
  const bypass = options.bypassGovernance && plan.holds.length > 0;
  const now = options.now ?? new Date();
  const receiptKey = erasureReceiptKey(archive, plan, now);
  const { key: tombstoneKey } = await writeTombstone(archive, {
    tombstoneVersion: TOMBSTONE_VERSION,
    conversationId: plan.conversationId,
    ...(plan.messageId === undefined ? {} : { messageId: plan.messageId }),
    erasedAt: now.toISOString(),
    receiptKey,
    erasedBy: options.erasedBy,
    reason: options.reason,
  });

  const held = new Set(plan.holds.map(versionRef));
  const all = [...plan.versions, ...plan.ledgerVersions];
  // Governance-held versions go first, alone: if AWS denies the bypass, nothing else has been deleted yet.
  const heldVersions = all.filter((v) => held.has(versionRef(v)));
  const batches = [
    ...chunk(heldVersions, MAX_DELETE_BATCH),
    ...chunk(
      all.filter((v) => !held.has(versionRef(v))),
      MAX_DELETE_BATCH,
    ),
  ];

  const deleted: StoredVersion[] = [];
  const failed: ErasureReceipt['failed'] = [];
  let thrown: unknown;
  for (const batch of batches) {
    try {
      const result = await deleteVersions(archive.s3, archive.bucket, batch, { bypassGovernance: bypass });
      deleted.push(...result.deleted);
      failed.push(...result.failed);
    } catch (error: unknown) {
      thrown = error;
    }
    if (thrown || failed.length > 0) break;
  }

  const left = await Promise.all(plan.folders.map((folder) => listVersions(archive.s3, archive.bucket, folder)));
  const remaining = left.reduce((sum, listing) => sum + listing.versions.length, 0);
  const receipt = buildReceipt(
    archive,
    plan,
    { deleted, failed, remaining, tombstoneKey },
    { ...options, bypassGovernance: bypass },
    now,
  );
  await writeReceipt(archive, receiptKey, receipt);

  if (thrown || failed.length > 0) throw deletionFailure(thrown, failed, bypass, deleted.length, receiptKey);
  return { receipt, receiptKey };
}

/** `<time>-<csid>.json`, or `<time>-<csid>-message-<messageKey>.json` for one message's files. */
function erasureReceiptKey(archive: Archive, plan: ErasurePlan, now: Date): string {
  const message = plan.messageId === undefined ? '' : `-message-${messageKey(plan.messageId)}`;
  return `${receiptPrefix(archive.prefix)}${keyStamp(now)}-${plan.conversationId}${message}.json`;
}

interface Outcome {
  deleted: StoredVersion[];
  failed: ErasureReceipt['failed'];
  remaining: number;
  tombstoneKey: string;
}

function buildReceipt(
  archive: Archive,
  plan: ErasurePlan,
  { deleted, failed, remaining, tombstoneKey }: Outcome,
  options: ErasureOptions,
  now: Date,
): ErasureReceipt {
  const fileKeys = new Set(plan.entries.flatMap((e) => (e.file ? [e.key] : [])));
  const sha256ByKey = new Map(plan.entries.flatMap((e) => (e.record ? [[e.key, e.record.sha256] as const] : [])));
  const isFile = (v: StoredVersion) => !v.deleteMarker && fileKeys.has(v.key);
  const ofConversation = deleted.filter((v) => v.key.startsWith(plan.keyPrefix));
  const planned = plan.versions.length + plan.ledgerVersions.length;
  return {
    receiptVersion: RECEIPT_VERSION,
    conversationId: plan.conversationId,
    ...(plan.messageId === undefined ? {} : { messageId: plan.messageId }),
    bucket: archive.bucket,
    keyPrefix: plan.keyPrefix,
    tombstoneKey,
    erasedAt: now.toISOString(),
    erasedBy: options.erasedBy,
    reason: options.reason,
    objectCount: ofConversation.length,
    fileCount: ofConversation.filter((v) => isFile(v) && v.isLatest).length,
    nothingArchived: plan.versions.length === 0,
    indexEntriesRemoved: deleted.length - ofConversation.length,
    bypassedGovernance: options.bypassGovernance,
    complete: failed.length === 0 && deleted.length === planned && remaining === 0,
    objects: ofConversation.map((v) => ({
      key: v.key,
      versionId: v.versionId ?? null,
      deleteMarker: v.deleteMarker,
      sha256: isFile(v) && v.isLatest ? (sha256ByKey.get(v.key) ?? null) : null,
    })),
    failed,
    remainingAfterErasure: remaining,
  };
}

/** Writes a receipt (a conversation's or a request's) once: `If-None-Match: *`, never over another. */
export async function putReceipt(archive: Archive, key: string, receipt: object): Promise<void> {
  await archive.s3.send(
    new PutObjectCommand({
      Bucket: archive.bucket,
      Key: key,
      Body: `${JSON.stringify(receipt, null, 2)}\n`,
      ContentType: 'application/json',
      IfNoneMatch: '*',
    }),
  );
}

async function writeReceipt(archive: Archive, key: string, receipt: ErasureReceipt): Promise<void> {
  try {
    await putReceipt(archive, key, receipt);
  } catch (error: unknown) {
    // The objects are gone; the receipt must not be: the caller hands it to the person instead.
    throw new ReceiptNotWrittenError(receipt, key, (error as Error).message);
  }
}

/** The erasure happened but its receipt could not be stored: the receipt travels with the error, to be kept. */
export class ReceiptNotWrittenError extends UserError {
  constructor(
    readonly receipt: ErasureReceipt,
    readonly receiptKey: string,
    cause: string,
  ) {
    super(
      `erased ${receipt.objectCount} objects but could not write the receipt to ${receiptKey} (${cause}); ` +
        'the receipt is shown instead: keep it',
    );
  }
}

function deletionFailure(
  thrown: unknown,
  failed: ErasureReceipt['failed'],
  bypass: boolean,
  deletedCount: number,
  receiptKey: string,
): UserError {
  const code = thrown ? (thrown as Error).name : failed[0]!.code;
  const done = `${deletedCount > 0 ? `${deletedCount} objects were deleted` : 'nothing was deleted'}, the conversation is tombstoned (receipt ${receiptKey})`;
  if (code === 'AccessDenied') {
    const permission = bypass ? 's3:BypassGovernanceRetention' : 's3:DeleteObjectVersion';
    return new UserError(`AWS denied the deletion: the caller lacks ${permission}; ${done}`);
  }
  const detail = thrown ? (thrown as Error).message : `${failed.length} object(s) failed with ${code}`;
  return new UserError(`the erasure stopped: ${detail}; ${done}; run erase again to finish`);
}

const versionRef = (v: { key: string; versionId?: string }) => `${v.key}\n${v.versionId ?? ''}`;

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Counts for the plan shown before confirmation. */
export function summarizePlan(plan: ErasurePlan) {
  const files = plan.entries.filter((e) => e.file).length;
  const current = plan.versions.filter((v) => v.isLatest && !v.deleteMarker).length;
  return {
    objects: plan.versions.length,
    files,
    records: current - files,
    olderVersions: plan.versions.filter((v) => !v.isLatest && !v.deleteMarker).length,
    deleteMarkers: plan.versions.filter((v) => v.deleteMarker).length,
  };
}

export interface ErasuresOptions extends ErasureOptions {
  /** Called after each conversation's erasure, with its receipt (progress for a person). */
  onErased?: (result: ErasureResult) => void;
}

/** Plans several erasures; none runs unless every one can (see `refusals`). */
export async function planErasures(archive: Archive, conversationIds: readonly string[]): Promise<ErasurePlan[]> {
  const plans: ErasurePlan[] = [];
  for (const id of conversationIds) plans.push(await planErasure(archive, id));
  return plans;
}

export function refusals(plans: readonly ErasurePlan[], bypassGovernance: boolean) {
  return plans.flatMap((plan) => {
    const refused = refusal(plan, bypassGovernance);
    return refused ? [{ conversationId: plan.conversationId, ...refused }] : [];
  });
}

/**
 * Runs the plans one after another (each writes its tombstone, deletes, writes its receipt). The first failure stops
 * the run with one line naming what was erased before it and what was not started, so nothing is silently partial.
 */
export async function executeErasures(
  archive: Archive,
  plans: readonly ErasurePlan[],
  options: ErasuresOptions,
): Promise<ErasureResult[]> {
  const refused = refusals(plans, options.bypassGovernance);
  if (refused.length > 0) throw new UserError(refused.map((r) => r.summary).join('; '));
  const results: ErasureResult[] = [];
  for (const [i, plan] of plans.entries()) {
    try {
      results.push(await executeErasure(archive, plan, options));
    } catch (error: unknown) {
      if (plans.length === 1 || !(error instanceof UserError)) throw error;
      const done = results.map((r) => `${r.receipt.conversationId} (receipt ${r.receiptKey})`);
      const notStarted = plans.slice(i + 1).map((p) => p.conversationId);
      error.message =
        `conversation ${plan.conversationId}: ${error.message}` +
        `${done.length > 0 ? `; erased before it: ${done.join(', ')}` : ''}` +
        `${notStarted.length > 0 ? `; not started: ${notStarted.join(', ')}` : ''}`;
      throw error;
    }
    options.onErased?.(results.at(-1)!);
  }
  return results;
}
