/**
 * `--endpoint --bucket --prefix --region` for the commands that read or write the archive bucket.
 * Defaults: ARCHIVE_BUCKET / ARCHIVE_PREFIX / S3_ENDPOINT from the environment; in local mode the bucket
 * `dixa-archive`; the prefix `dixa`.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { UsageError } from '../../lambdas/commons/errors.ts';
import { normalizePrefix } from '../../lambdas/core/keys.ts';
import { chooseEndpoint } from './aws-endpoint.ts';

export const LOCAL_BUCKET = 'dixa-archive';
export const DEFAULT_PREFIX = 'dixa';

export const S3_FLAGS = {
  endpoint: { type: 'string' },
  bucket: { type: 'string' },
  prefix: { type: 'string' },
  region: { type: 'string' },
} as const;

export const S3_FLAGS_HELP = `Where the archive is:
  --bucket <name>      the archive bucket (default: $ARCHIVE_BUCKET; in local mode ${LOCAL_BUCKET})
  --prefix <prefix>    the key prefix the archiver writes under (default: $ARCHIVE_PREFIX or ${DEFAULT_PREFIX})
  --region <region>    AWS region (default: your AWS configuration)
  --endpoint <url>     an S3-compatible endpoint, e.g. local mode's http://127.0.0.1:<port> (default: $S3_ENDPOINT)
AWS credentials come from the usual places (environment, profile, SSO, role).`;

export interface S3Target {
  s3: S3Client;
  bucket: string;
  prefix: string;
  /** Local mode (an emulator on loopback). */
  local: boolean;
}

export interface S3Flags {
  endpoint?: string;
  bucket?: string;
  prefix?: string;
  region?: string;
}

export function s3Target(flags: S3Flags, env: NodeJS.ProcessEnv = process.env): S3Target {
  const { settings, local } = chooseEndpoint(flags.endpoint ?? env.S3_ENDPOINT, flags.region, env);
  const bucket = flags.bucket ?? env.ARCHIVE_BUCKET ?? (local ? LOCAL_BUCKET : undefined);
  if (!bucket) throw new UsageError('--bucket is required (or set ARCHIVE_BUCKET)');
  let prefix: string;
  try {
    prefix = normalizePrefix(flags.prefix ?? env.ARCHIVE_PREFIX ?? DEFAULT_PREFIX);
  } catch (error: unknown) {
    throw new UsageError((error as Error).message);
  }
  const s3 = new S3Client({ ...settings, ...(settings.endpoint ? { forcePathStyle: true } : {}) });
  return { s3, bucket, prefix, local };
}
