/**
 * The archiver Lambda's configuration, read from the environment once per container. A bad value is a
 * deployment error: it throws with the variable's name (the whole batch then returns to the queue).
 */

import { booleanEnv, ConfigError, filesOriginFromEnv, integerEnv, requiredEnv } from '../commons/env.ts';
import { normalizePrefix } from '../core/keys.ts';
import type { FilesOrigin } from '../core/links.ts';
import { DEFAULT_MAX_DECODED_RATIO, DEFAULT_MIN_BYTES_PER_SECOND, DEFAULT_THROUGHPUT_WINDOW_MS } from './fetch-file.ts';

const MIB = 1024 * 1024;

/**
 * 8 MiB parts, 2 in flight, as measured by `npm run bench` (docs/benchmarks.md): as fast as 4 or 8 in flight,
 * and the peak RSS stays under 160 MiB for 100 MiB and 2 GiB files, where 4 in flight went over. 8 MiB rather
 * than 5 MiB parts: fewer S3 requests per file, and 10,000 parts cover files up to 78 GiB.
 */
export const DEFAULT_PART_SIZE_MIB = 8;
export const DEFAULT_UPLOAD_QUEUE_SIZE = 2;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RECEIVE_COUNT = 5;
export const DEFAULT_ARCHIVE_PREFIX = 'dixa';

export interface ArchiverConfig {
  files: FilesOrigin;
  bucket: string;
  prefix: string;
  partSizeBytes: number;
  queueSize: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Minimum download rate over each throughput window (0 turns the rule off); a slower download is retried. */
  minBytesPerSecond: number;
  throughputWindowMs: number;
  /** Bound on decoded / wire bytes when a host compresses despite `identity`. */
  maxDecodedRatio: number;
  jobQueueUrl: string;
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
  /**
   * Whether the bucket has Object Lock (the stack sets ARCHIVE_OBJECT_LOCK): then a file of a held conversation gets
   * S3's legal hold as it is stored (archive-file.ts). Without it the hold registry alone holds.
   */
  objectLock: boolean;
}

export function archiverConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ArchiverConfig {
  const files = filesOriginFromEnv(env);
  let prefix: string;
  try {
    prefix = normalizePrefix(env.ARCHIVE_PREFIX ?? DEFAULT_ARCHIVE_PREFIX);
  } catch (error) {
    throw new ConfigError(`ARCHIVE_PREFIX: ${(error as Error).message}`);
  }
  return {
    files,
    bucket: requiredEnv(env, 'ARCHIVE_BUCKET'),
    prefix,
    // S3 parts are at least 5 MiB (but the last); 10,000 parts of 512 MiB cover the 5 TiB object limit.
    partSizeBytes: integerEnv(env, 'PART_SIZE_MIB', DEFAULT_PART_SIZE_MIB, 5, 512) * MIB,
    queueSize: integerEnv(env, 'UPLOAD_QUEUE_SIZE', DEFAULT_UPLOAD_QUEUE_SIZE, 1, 32),
    connectTimeoutMs: integerEnv(env, 'FETCH_CONNECT_TIMEOUT_MS', DEFAULT_CONNECT_TIMEOUT_MS, 1, 600_000),
    idleTimeoutMs: integerEnv(env, 'FETCH_IDLE_TIMEOUT_MS', DEFAULT_IDLE_TIMEOUT_MS, 1, 600_000),
    minBytesPerSecond: integerEnv(env, 'FETCH_MIN_BYTES_PER_SECOND', DEFAULT_MIN_BYTES_PER_SECOND, 0, 1024 ** 3),
    throughputWindowMs: integerEnv(env, 'FETCH_THROUGHPUT_WINDOW_MS', DEFAULT_THROUGHPUT_WINDOW_MS, 100, 600_000),
    maxDecodedRatio: integerEnv(env, 'FETCH_MAX_DECODED_RATIO', DEFAULT_MAX_DECODED_RATIO, 1, 100_000),
    jobQueueUrl: requiredEnv(env, 'JOB_QUEUE_URL'),
    deadLetterQueueUrl: requiredEnv(env, 'DEAD_LETTER_QUEUE_URL'),
    maxReceiveCount: integerEnv(env, 'MAX_RECEIVE_COUNT', DEFAULT_MAX_RECEIVE_COUNT, 1, 1000),
    objectLock: booleanEnv(env, 'ARCHIVE_OBJECT_LOCK', false),
  };
}
