/**
 * `erase`: removes every version and delete marker of every object under one conversation's prefix and leaves an
 * erasure receipt under `<prefix>/erasure-receipts/`. Planned first (versions, records, Object Lock holds) so a
 * refused erasure deletes nothing; executed in DeleteObjects batches, stopping at the first refusal.
 */
import { DeleteObjectsCommand, type ObjectIdentifier, PutObjectCommand } from '@aws-sdk/client-s3';
import { UserError } from '../commons/errors.ts';
import { conversationPrefix, receiptPrefix } from '../core/keys.ts';
import { type Archive, type ArchiveEntry, readConversation } from './archive.ts';
import { findHolds, type Hold, isUnbreakable } from './object-lock.ts';
import { listVersions, type StoredVersion } from './versions.ts';

export const RECEIPT_VERSION = 1;
const MAX_DELETE_BATCH = 1000;

export interface ErasurePlan {
  conversationId: string;
  keyPrefix: string;
  versioned: boolean;
  versions: StoredVersion[];
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
  bucket: string;
  /** Everything under this key prefix was erased. */
  keyPrefix: string;
  erasedAt: string;
  erasedBy: string;
  reason: string;
  /** Object versions and delete markers removed. */
  objectCount: number;
  /** Archived files among them (not counting records, older versions or delete markers). */
  fileCount: number;
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
  const keyPrefix = conversationPrefix(archive.prefix, conversationId);
  const [listing, entries] = await Promise.all([
    listVersions(archive.s3, archive.bucket, keyPrefix),
    readConversation(archive, conversationId),
  ]);
  const holds = await findHolds(archive.s3, archive.bucket, listing.versions, now);
  return { conversationId, keyPrefix, versioned: listing.versioned, versions: listing.versions, entries, holds };
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
  const bypass = options.bypassGovernance && plan.holds.length > 0;
  const held = new Set(plan.holds.map(versionRef));
  // Governance-held versions go first, alone: if AWS denies the bypass, nothing else has been deleted yet.
  const ordered = [
    ...plan.versions.filter((v) => held.has(versionRef(v))),
    ...plan.versions.filter((v) => !held.has(versionRef(v))),
  ];
  const batches = [
    ...chunk(ordered.slice(0, held.size), MAX_DELETE_BATCH),
    ...chunk(ordered.slice(held.size), MAX_DELETE_BATCH),
  ];

  const deleted: StoredVersion[] = [];
  const failed: ErasureReceipt['failed'] = [];
  let thrown: unknown;
  for (const batch of batches) {
    try {
      const out = await archive.s3.send(
        new DeleteObjectsCommand({
          Bucket: archive.bucket,
          Delete: { Objects: batch.map(toIdentifier), Quiet: true },
          ...(bypass ? { BypassGovernanceRetention: true } : {}),
        }),
      );
      const errors = new Map((out.Errors ?? []).map((e) => [`${e.Key}\n${e.VersionId ?? ''}`, e.Code ?? 'Error']));
      for (const version of batch) {
        const code = errors.get(`${version.key}\n${version.versionId ?? ''}`);
        if (code) failed.push({ key: version.key, versionId: version.versionId ?? null, code });
        else deleted.push(version);
      }
    } catch (error: unknown) {
      thrown = error;
    }
    if (thrown || failed.length > 0) break;
  }

  const remaining = (await listVersions(archive.s3, archive.bucket, plan.keyPrefix)).versions.length;
  const now = options.now ?? new Date();
  const receipt = buildReceipt(
    archive,
    plan,
    deleted,
    failed,
    remaining,
    { ...options, bypassGovernance: bypass },
    now,
  );
  const receiptKey = `${receiptPrefix(archive.prefix)}${now.toISOString().replace(/[:.]/g, '-')}-${plan.conversationId}.json`;
  if (deleted.length > 0) await writeReceipt(archive, receiptKey, receipt);

  if (thrown || failed.length > 0) throw deletionFailure(thrown, failed, bypass, deleted.length, receiptKey);
  return { receipt, receiptKey };
}

function buildReceipt(
  archive: Archive,
  plan: ErasurePlan,
  deleted: StoredVersion[],
  failed: ErasureReceipt['failed'],
  remaining: number,
  options: ErasureOptions,
  now: Date,
): ErasureReceipt {
  const fileKeys = new Set(plan.entries.flatMap((e) => (e.file ? [e.key] : [])));
  const sha256ByKey = new Map(plan.entries.flatMap((e) => (e.record ? [[e.key, e.record.sha256] as const] : [])));
  const isFile = (v: StoredVersion) => !v.deleteMarker && fileKeys.has(v.key);
  return {
    receiptVersion: RECEIPT_VERSION,
    conversationId: plan.conversationId,
    bucket: archive.bucket,
    keyPrefix: plan.keyPrefix,
    erasedAt: now.toISOString(),
    erasedBy: options.erasedBy,
    reason: options.reason,
    objectCount: deleted.length,
    fileCount: deleted.filter((v) => isFile(v) && v.isLatest).length,
    bypassedGovernance: options.bypassGovernance,
    complete: failed.length === 0 && deleted.length === plan.versions.length && remaining === 0,
    objects: deleted.map((v) => ({
      key: v.key,
      versionId: v.versionId ?? null,
      deleteMarker: v.deleteMarker,
      sha256: isFile(v) && v.isLatest ? (sha256ByKey.get(v.key) ?? null) : null,
    })),
    failed,
    remainingAfterErasure: remaining,
  };
}

async function writeReceipt(archive: Archive, key: string, receipt: ErasureReceipt): Promise<void> {
  const body = `${JSON.stringify(receipt, null, 2)}\n`;
  try {
    await archive.s3.send(
      new PutObjectCommand({
        Bucket: archive.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
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
  const done =
    deletedCount > 0 ? `${deletedCount} objects were deleted (receipt ${receiptKey})` : 'nothing was deleted';
  if (code === 'AccessDenied') {
    const permission = bypass ? 's3:BypassGovernanceRetention' : 's3:DeleteObjectVersion';
    return new UserError(`AWS denied the deletion: the caller lacks ${permission}; ${done}`);
  }
  const detail = thrown ? (thrown as Error).message : `${failed.length} object(s) failed with ${code}`;
  return new UserError(`the erasure stopped: ${detail}; ${done}; run erase again to finish`);
}

const versionRef = (v: { key: string; versionId?: string }) => `${v.key}\n${v.versionId ?? ''}`;

const toIdentifier = (v: StoredVersion): ObjectIdentifier => ({
  Key: v.key,
  ...(v.versionId ? { VersionId: v.versionId } : {}),
});

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
