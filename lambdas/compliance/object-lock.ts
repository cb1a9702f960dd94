/**
 * Object Lock: which versions the bucket will refuse to delete. COMPLIANCE retention and legal holds cannot be
 * lifted by anyone before they end; GOVERNANCE retention can be bypassed by callers allowed
 * s3:BypassGovernanceRetention. Checked before an erasure so that a refused erasure deletes nothing.
 */
import {
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { UserError } from '../commons/errors.ts';
import { mapLimit } from '../commons/map-limit.ts';
import type { StoredVersion } from './versions.ts';

export interface Hold {
  key: string;
  versionId?: string;
  /** Active retention (its date lies in the future). */
  retention?: { mode: 'COMPLIANCE' | 'GOVERNANCE'; until: Date };
  legalHold: boolean;
}

/** No retention or legal hold was ever set on the object (or the bucket has no Object Lock). */
const NOT_LOCKED = new Set(['NoSuchObjectLockConfiguration', 'ObjectLockConfigurationNotFoundError', 'InvalidRequest']);
/** Emulators (s3rver) that have no Object Lock at all. */
const UNSUPPORTED = new Set(['NotImplemented', 'MethodNotAllowed']);
const CHECKS_IN_FLIGHT = 8;

export async function bucketUsesObjectLock(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    const out = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
    return out.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled';
  } catch (error: unknown) {
    const name = (error as Error).name;
    if (NOT_LOCKED.has(name) || UNSUPPORTED.has(name)) return false;
    if (name === 'AccessDenied') return true; // cannot tell: check every version instead
    throw error;
  }
}

/** The versions that carry an active retention or a legal hold (delete markers never do). */
export async function findHolds(
  s3: S3Client,
  bucket: string,
  versions: readonly StoredVersion[],
  now: Date,
): Promise<Hold[]> {
  if (!(await bucketUsesObjectLock(s3, bucket))) return [];
  const objects = versions.filter((v) => !v.deleteMarker);
  const holds = await mapLimit(objects, CHECKS_IN_FLIGHT, async (version) => {
    const [retention, legalHold] = await Promise.all([
      readRetention(s3, bucket, version, now),
      readLegalHold(s3, bucket, version),
    ]);
    const hold: Hold = {
      key: version.key,
      ...(version.versionId ? { versionId: version.versionId } : {}),
      ...(retention ? { retention } : {}),
      legalHold,
    };
    return retention || legalHold ? [hold] : [];
  });
  return holds.flat();
}

async function readRetention(s3: S3Client, bucket: string, version: StoredVersion, now: Date) {
  try {
    const out = await s3.send(
      new GetObjectRetentionCommand({ Bucket: bucket, Key: version.key, VersionId: version.versionId }),
    );
    const mode = out.Retention?.Mode;
    const until = out.Retention?.RetainUntilDate;
    if (!mode || !until || until.getTime() <= now.getTime()) return undefined;
    return { mode, until };
  } catch (error: unknown) {
    return lockReadFailure(error, version, 's3:GetObjectRetention');
  }
}

async function readLegalHold(s3: S3Client, bucket: string, version: StoredVersion): Promise<boolean> {
  try {
    const out = await s3.send(
      new GetObjectLegalHoldCommand({ Bucket: bucket, Key: version.key, VersionId: version.versionId }),
    );
    return out.LegalHold?.Status === 'ON';
  } catch (error: unknown) {
    return lockReadFailure(error, version, 's3:GetObjectLegalHold') ?? false;
  }
}

function lockReadFailure(error: unknown, version: StoredVersion, permission: string): undefined {
  const name = (error as Error).name;
  if (NOT_LOCKED.has(name) || UNSUPPORTED.has(name)) return undefined;
  const what = `${version.key}${version.versionId ? ` (version ${version.versionId})` : ''}`;
  if (name === 'AccessDenied') {
    throw new UserError(
      `cannot read the Object Lock state of ${what}: the caller lacks ${permission}; nothing was deleted`,
    );
  }
  throw new UserError(`cannot read the Object Lock state of ${what}: ${(error as Error).message}; nothing was deleted`);
}

/** Holds nobody can lift now: COMPLIANCE retention and legal holds. */
export const isUnbreakable = (hold: Hold) => hold.legalHold || hold.retention?.mode === 'COMPLIANCE';

export function describeHold(hold: Hold): string {
  const what = `${hold.key}${hold.versionId ? ` (version ${hold.versionId})` : ''}`;
  const why = [
    ...(hold.retention ? [`${hold.retention.mode} retention until ${hold.retention.until.toISOString()}`] : []),
    ...(hold.legalHold ? ['a legal hold (until someone with s3:PutObjectLegalHold removes it)'] : []),
  ];
  return `${what}: ${why.join(' and ')}`;
}
