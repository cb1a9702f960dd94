/**
 * The archiver Lambda's configuration, read from the environment once per container. A bad value is a
 * deployment error: it throws with the variable's name (the whole batch then returns to the queue).
 */

import { normalizePrefix } from '../core/keys.ts';
import { DEFAULT_FILES_BASE_URL, type FilesOrigin, parseFilesBaseUrl } from '../core/links.ts';

const MIB = 1024 * 1024;

/**
 * 8 MiB parts, 2 in flight, as measured by `npm run bench` (README, "Benchmarks"): as fast as 4 or 8 in flight,
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
  jobQueueUrl: string;
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function archiverConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ArchiverConfig {
  let files: FilesOrigin;
  try {
    files = parseFilesBaseUrl(env.DIXA_FILES_BASE_URL || DEFAULT_FILES_BASE_URL);
  } catch (error) {
    throw new ConfigError(`DIXA_FILES_BASE_URL: ${(error as Error).message}`);
  }
  let prefix: string;
  try {
    prefix = normalizePrefix(env.ARCHIVE_PREFIX ?? DEFAULT_ARCHIVE_PREFIX);
  } catch (error) {
    throw new ConfigError(`ARCHIVE_PREFIX: ${(error as Error).message}`);
  }
  return {
    files,
    bucket: required(env, 'ARCHIVE_BUCKET'),
    prefix,
    // S3 parts are at least 5 MiB (but the last); 10,000 parts of 512 MiB cover the 5 TiB object limit.
    partSizeBytes: integer(env, 'PART_SIZE_MIB', DEFAULT_PART_SIZE_MIB, 5, 512) * MIB,
    queueSize: integer(env, 'UPLOAD_QUEUE_SIZE', DEFAULT_UPLOAD_QUEUE_SIZE, 1, 32),
    connectTimeoutMs: integer(env, 'FETCH_CONNECT_TIMEOUT_MS', DEFAULT_CONNECT_TIMEOUT_MS, 1, 600_000),
    idleTimeoutMs: integer(env, 'FETCH_IDLE_TIMEOUT_MS', DEFAULT_IDLE_TIMEOUT_MS, 1, 600_000),
    jobQueueUrl: required(env, 'JOB_QUEUE_URL'),
    deadLetterQueueUrl: required(env, 'DEAD_LETTER_QUEUE_URL'),
    maxReceiveCount: integer(env, 'MAX_RECEIVE_COUNT', DEFAULT_MAX_RECEIVE_COUNT, 1, 1000),
  };
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is not set`);
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return value;
}
