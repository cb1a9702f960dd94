/**
 * Every stored version of every object under a key prefix, delete markers included — what an erasure must remove.
 * Buckets that never had versioning (and emulators without it, like s3rver) hold one version per key, which
 * ListObjectsV2 lists completely.
 */
import {
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import { listObjects } from './archive.ts';

export interface StoredVersion {
  key: string;
  /** Undefined when the bucket does not support versioning (a plain delete removes the object). */
  versionId?: string;
  deleteMarker: boolean;
  /** The version a plain GET returns. */
  isLatest: boolean;
  size: number;
}

export interface VersionListing {
  /** False when the bucket does not know versioning at all. */
  versioned: boolean;
  versions: StoredVersion[];
}

const UNSUPPORTED = new Set(['MethodNotAllowed', 'NotImplemented']);

export async function listVersions(s3: S3Client, bucket: string, keyPrefix: string): Promise<VersionListing> {
  try {
    return { versioned: true, versions: await listObjectVersions(s3, bucket, keyPrefix) };
  } catch (error: unknown) {
    if (!UNSUPPORTED.has((error as Error).name)) throw error;
  }
  const versions: StoredVersion[] = [];
  for await (const object of listObjects({ s3, bucket, prefix: '' }, keyPrefix)) {
    versions.push({ key: object.key, deleteMarker: false, isLatest: true, size: object.size });
  }
  return { versioned: false, versions };
}

async function listObjectVersions(s3: S3Client, bucket: string, keyPrefix: string): Promise<StoredVersion[]> {
  const versions: StoredVersion[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: keyPrefix,
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(versionIdMarker ? { VersionIdMarker: versionIdMarker } : {}),
      }),
    );
    for (const v of page.Versions ?? []) {
      if (v.Key === undefined) continue;
      versions.push({
        key: v.Key,
        versionId: v.VersionId ?? 'null',
        deleteMarker: false,
        isLatest: v.IsLatest ?? false,
        size: v.Size ?? 0,
      });
    }
    for (const m of page.DeleteMarkers ?? []) {
      if (m.Key === undefined) continue;
      versions.push({
        key: m.Key,
        versionId: m.VersionId ?? 'null',
        deleteMarker: true,
        isLatest: m.IsLatest ?? false,
        size: 0,
      });
    }
    const more = page.IsTruncated === true;
    keyMarker = more ? page.NextKeyMarker : undefined;
    versionIdMarker = more ? page.NextVersionIdMarker : undefined;
    if (more && !keyMarker) throw new Error('S3 said the version listing is truncated but gave no marker to continue');
  } while (keyMarker);
  return versions.sort((a, b) => a.key.localeCompare(b.key));
}

/** The most keys one DeleteObjects request takes. */
export const MAX_DELETE_BATCH = 1000;

export interface DeletedBatch {
  deleted: StoredVersion[];
  failed: { key: string; versionId: string | null; code: string }[];
}

/**
 * Deletes these versions (at most MAX_DELETE_BATCH) by version id — so nothing is hidden behind a delete marker —
 * or by key where the bucket has no versioning. Reports what S3 refused, one entry per version.
 */
export async function deleteVersions(
  s3: S3Client,
  bucket: string,
  versions: readonly StoredVersion[],
  options: { bypassGovernance?: boolean } = {},
): Promise<DeletedBatch> {
  if (versions.length > MAX_DELETE_BATCH) throw new Error(`deleteVersions: more than ${MAX_DELETE_BATCH} versions`);
  if (versions.length === 0) return { deleted: [], failed: [] };
  const out = await s3.send(
    new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: { Objects: versions.map(toIdentifier), Quiet: true },
      ...(options.bypassGovernance ? { BypassGovernanceRetention: true } : {}),
    }),
  );
  const errors = new Map((out.Errors ?? []).map((e) => [`${e.Key}\n${e.VersionId ?? ''}`, e.Code ?? 'Error']));
  const result: DeletedBatch = { deleted: [], failed: [] };
  for (const version of versions) {
    const code = errors.get(`${version.key}\n${version.versionId ?? ''}`);
    if (code) result.failed.push({ key: version.key, versionId: version.versionId ?? null, code });
    else result.deleted.push(version);
  }
  return result;
}

const toIdentifier = (v: StoredVersion): ObjectIdentifier => ({
  Key: v.key,
  ...(v.versionId ? { VersionId: v.versionId } : {}),
});

/** Deletes every version under these prefixes (a file's folder, a conversation's index entries); returns how many. */
export async function deleteAllUnder(s3: S3Client, bucket: string, prefixes: readonly string[]): Promise<number> {
  const listings = await Promise.all(prefixes.map((prefix) => listVersions(s3, bucket, prefix)));
  const versions = listings.flatMap((listing) => listing.versions);
  let deleted = 0;
  for (let i = 0; i < versions.length; i += MAX_DELETE_BATCH) {
    const batch = await deleteVersions(s3, bucket, versions.slice(i, i + MAX_DELETE_BATCH));
    if (batch.failed.length > 0) {
      throw new Error(`S3 refused to delete ${batch.failed.length} version(s) (${batch.failed[0]!.code})`);
    }
    deleted += batch.deleted.length;
  }
  return deleted;
}
