/**
 * The stack's configuration: typed, with defaults, read from CDK context (cdk.json or `-c key=value`).
 * A wrong value stops synth with one line that names the key, what was expected and what was given.
 * No secret value is ever configured here: the Dixa token and signing secret live only in Secrets Manager.
 */
import {
  DEFAULT_ARCHIVE_PREFIX,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_RECEIVE_COUNT,
  DEFAULT_PART_SIZE_MIB,
  DEFAULT_UPLOAD_QUEUE_SIZE,
} from '../lambdas/archiver/config.ts';
import {
  DEFAULT_MAX_DECODED_RATIO,
  DEFAULT_MIN_BYTES_PER_SECOND,
  DEFAULT_THROUGHPUT_WINDOW_MS,
} from '../lambdas/archiver/fetch-file.ts';
import { normalizePrefix } from '../lambdas/core/keys.ts';
import { DEFAULT_FILES_BASE_URL, parseFilesBaseUrl } from '../lambdas/core/links.ts';
import { MAX_SWEEP_DAYS } from '../lambdas/sweep/config.ts';
import { ANONYMIZATION_POLICIES, type AnonymizationPolicy } from '../lambdas/sweep/report.ts';
import { DEFAULT_SWEEP_DAYS } from '../lambdas/sweep/sweep.ts';

export type ArchiveEncryption = 'SSE-S3' | 'SSE-KMS';
export type ObjectLockMode = 'NONE' | 'GOVERNANCE' | 'COMPLIANCE';
export type TransitionStorageClass = 'STANDARD_IA' | 'INTELLIGENT_TIERING' | 'GLACIER_IR' | 'GLACIER' | 'DEEP_ARCHIVE';

export interface StackConfig {
  stackName: string;
  /** Key prefix of the archive, normalized (`a/b`), never empty: every IAM grant is scoped to it. */
  archivePrefix: string;
  archiveEncryption: ArchiveEncryption;
  /** Move current objects to `transitionStorageClass` after this many days; unset = never. */
  transitionAfterDays: number | undefined;
  transitionStorageClass: TransitionStorageClass;
  /** Expire (delete-mark) archived objects after this many days; unset = keep forever. */
  expireAfterDays: number | undefined;
  /** Permanently remove noncurrent versions (overwritten, or hidden by a delete marker) after this many days. */
  noncurrentVersionExpireDays: number;
  objectLockMode: ObjectLockMode;
  /** Default Object Lock retention in days; set exactly when objectLockMode is not NONE. */
  objectLockDays: number | undefined;
  /** Let the erase policy bypass GOVERNANCE retention (s3:BypassGovernanceRetention); only with GOVERNANCE. */
  eraseBypassGovernance: boolean;
  accessLogExpireDays: number;
  maxReceiveCount: number;
  archiverMemoryMiB: number;
  archiverTimeoutSeconds: number;
  archiverMaxConcurrency: number;
  archiverBatchSize: number;
  partSizeMiB: number;
  uploadQueueSize: number;
  fetchConnectTimeoutMs: number;
  fetchIdleTimeoutMs: number;
  /** A download slower than this over a whole throughput window is failed and retried (0 turns the rule off). */
  fetchMinBytesPerSecond: number;
  fetchThroughputWindowMs: number;
  /** Bound on decoded / wire bytes when a host compresses despite `Accept-Encoding: identity`. */
  fetchMaxDecodedRatio: number;
  ingestMemoryMiB: number;
  apiRateLimit: number;
  apiBurstLimit: number;
  /** Import this secret instead of creating one. */
  dixaSecretArn: string | undefined;
  dixaFilesBaseUrl: string;
  alarmEmail: string | undefined;
  oldestJobAlarmMinutes: number;
  logRetentionDays: number;
  /** The UTC hour (0-23) the daily completeness sweep runs at, or `none` for no scheduled sweep. */
  sweepSchedule: number | 'none';
  /** Days the daily sweep looks back (overlapping runs catch what a failed run missed). */
  sweepDays: number;
  /** What the sweep does with conversations Dixa anonymized: list them (report), erase them, or ignore (off). */
  followAnonymization: AnonymizationPolicy;
  /** Alarm when one sweep run had to queue more missed files than this (webhooks are failing). */
  sweepMissedFilesAlarmThreshold: number;
}

export const DEFAULT_CONFIG: Readonly<StackConfig> = {
  stackName: 'DixaArchiver',
  archivePrefix: DEFAULT_ARCHIVE_PREFIX,
  archiveEncryption: 'SSE-S3',
  transitionAfterDays: undefined,
  transitionStorageClass: 'GLACIER_IR',
  expireAfterDays: undefined,
  noncurrentVersionExpireDays: 30,
  objectLockMode: 'NONE',
  objectLockDays: undefined,
  eraseBypassGovernance: false,
  accessLogExpireDays: 365,
  maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT,
  archiverMemoryMiB: 512,
  archiverTimeoutSeconds: 600,
  archiverMaxConcurrency: 5,
  archiverBatchSize: 1,
  // The archiver's own defaults (its measured memory bound assumes them).
  partSizeMiB: DEFAULT_PART_SIZE_MIB,
  uploadQueueSize: DEFAULT_UPLOAD_QUEUE_SIZE,
  fetchConnectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  fetchIdleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
  fetchMinBytesPerSecond: DEFAULT_MIN_BYTES_PER_SECOND,
  fetchThroughputWindowMs: DEFAULT_THROUGHPUT_WINDOW_MS,
  fetchMaxDecodedRatio: DEFAULT_MAX_DECODED_RATIO,
  ingestMemoryMiB: 256,
  apiRateLimit: 50,
  apiBurstLimit: 100,
  dixaSecretArn: undefined,
  dixaFilesBaseUrl: DEFAULT_FILES_BASE_URL,
  alarmEmail: undefined,
  oldestJobAlarmMinutes: 60,
  logRetentionDays: 365,
  sweepSchedule: 5,
  sweepDays: DEFAULT_SWEEP_DAYS,
  followAnonymization: 'report',
  sweepMissedFilesAlarmThreshold: 10,
};

/** CloudWatch Logs accepts only these retention periods (RetentionDays; 9999 = never expire). */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999,
];
/** Lifecycle transitions to the infrequent-access class are refused by S3 before 30 days. */
const MIN_DAYS_BEFORE_IA = 30;

export const CONFIG_KEYS = Object.keys(DEFAULT_CONFIG) as (keyof StackConfig)[];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `get(key)` returns the raw context value (a string from `-c`, any JSON value from cdk.json, or undefined). */
export type ContextReader = (key: string) => unknown;

export function parseConfig(get: ContextReader, allKeys: readonly string[] = []): StackConfig {
  rejectUnknownKeys(allKeys);
  const read = new Reader(get);
  const config: StackConfig = {
    stackName: read.pattern('stackName', /^[A-Za-z][A-Za-z0-9-]{0,127}$/, 'a CloudFormation stack name'),
    archivePrefix: read.prefix('archivePrefix'),
    archiveEncryption: read.oneOf('archiveEncryption', ['SSE-S3', 'SSE-KMS']),
    transitionAfterDays: read.optionalInteger('transitionAfterDays', 0, 36_500),
    transitionStorageClass: read.oneOf('transitionStorageClass', [
      'STANDARD_IA',
      'INTELLIGENT_TIERING',
      'GLACIER_IR',
      'GLACIER',
      'DEEP_ARCHIVE',
    ]),
    expireAfterDays: read.optionalInteger('expireAfterDays', 1, 36_500),
    noncurrentVersionExpireDays: read.integer('noncurrentVersionExpireDays', 1, 36_500),
    objectLockMode: read.oneOf('objectLockMode', ['NONE', 'GOVERNANCE', 'COMPLIANCE']),
    objectLockDays: read.optionalInteger('objectLockDays', 1, 36_500),
    eraseBypassGovernance: read.boolean('eraseBypassGovernance'),
    accessLogExpireDays: read.integer('accessLogExpireDays', 1, 36_500),
    maxReceiveCount: read.integer('maxReceiveCount', 1, 1000),
    archiverMemoryMiB: read.integer('archiverMemoryMiB', 128, 10_240),
    // 6× the timeout must fit SQS's 12-hour maximum visibility timeout; Lambda allows at most 900 s anyway.
    archiverTimeoutSeconds: read.integer('archiverTimeoutSeconds', 30, 900),
    // Lambda's SQS event source accepts maxConcurrency 2-1000.
    archiverMaxConcurrency: read.integer('archiverMaxConcurrency', 2, 1000),
    archiverBatchSize: read.integer('archiverBatchSize', 1, 10),
    // The same bounds the archiver enforces on its environment (lambdas/archiver/config.ts).
    partSizeMiB: read.integer('partSizeMiB', 5, 512),
    uploadQueueSize: read.integer('uploadQueueSize', 1, 32),
    fetchConnectTimeoutMs: read.integer('fetchConnectTimeoutMs', 1, 600_000),
    fetchIdleTimeoutMs: read.integer('fetchIdleTimeoutMs', 1, 600_000),
    fetchMinBytesPerSecond: read.integer('fetchMinBytesPerSecond', 0, 1024 ** 3),
    fetchThroughputWindowMs: read.integer('fetchThroughputWindowMs', 100, 600_000),
    fetchMaxDecodedRatio: read.integer('fetchMaxDecodedRatio', 1, 100_000),
    ingestMemoryMiB: read.integer('ingestMemoryMiB', 128, 10_240),
    apiRateLimit: read.integer('apiRateLimit', 1, 10_000),
    apiBurstLimit: read.integer('apiBurstLimit', 1, 5000),
    dixaSecretArn: read.optionalPattern(
      'dixaSecretArn',
      /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/,
      'a Secrets Manager secret ARN',
    ),
    dixaFilesBaseUrl: read.filesBaseUrl('dixaFilesBaseUrl'),
    alarmEmail: read.optionalPattern('alarmEmail', /^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address'),
    oldestJobAlarmMinutes: read.integer('oldestJobAlarmMinutes', 1, 20_160),
    logRetentionDays: read.integer('logRetentionDays', 1, 9999),
    sweepSchedule: read.hourOrNone('sweepSchedule'),
    sweepDays: read.integer('sweepDays', 1, MAX_SWEEP_DAYS),
    followAnonymization: read.oneOf('followAnonymization', ANONYMIZATION_POLICIES),
    sweepMissedFilesAlarmThreshold: read.integer('sweepMissedFilesAlarmThreshold', 0, 1_000_000),
  };
  checkCombinations(config);
  return config;
}

function checkCombinations(config: StackConfig): void {
  if (!LOG_RETENTION_DAYS.includes(config.logRetentionDays)) {
    throw new ConfigError(
      `Invalid context "logRetentionDays": expected one of ${LOG_RETENTION_DAYS.join(', ')}, got ${config.logRetentionDays}`,
    );
  }
  if (config.objectLockMode === 'NONE' && config.objectLockDays !== undefined) {
    throw new ConfigError(
      'Invalid context "objectLockDays": only allowed with "objectLockMode" GOVERNANCE or COMPLIANCE',
    );
  }
  if (config.objectLockMode !== 'NONE' && config.objectLockDays === undefined) {
    throw new ConfigError(`Missing context "objectLockDays": required with "objectLockMode" ${config.objectLockMode}`);
  }
  if (config.eraseBypassGovernance && config.objectLockMode !== 'GOVERNANCE') {
    throw new ConfigError(
      `Invalid context "eraseBypassGovernance": only allowed with "objectLockMode" GOVERNANCE, got ${config.objectLockMode}`,
    );
  }
  const { transitionAfterDays, expireAfterDays, objectLockDays } = config;
  if (
    transitionAfterDays !== undefined &&
    config.transitionStorageClass === 'STANDARD_IA' &&
    transitionAfterDays < MIN_DAYS_BEFORE_IA
  ) {
    throw new ConfigError(
      `Invalid context "transitionAfterDays": ${config.transitionStorageClass} needs at least ${MIN_DAYS_BEFORE_IA} days, got ${transitionAfterDays}`,
    );
  }
  if (expireAfterDays !== undefined && transitionAfterDays !== undefined && expireAfterDays <= transitionAfterDays) {
    throw new ConfigError(
      `Invalid context "expireAfterDays": must be greater than "transitionAfterDays" (${transitionAfterDays}), got ${expireAfterDays}`,
    );
  }
  if (expireAfterDays !== undefined && objectLockDays !== undefined && expireAfterDays < objectLockDays) {
    throw new ConfigError(
      `Invalid context "expireAfterDays": must be at least "objectLockDays" (${objectLockDays}), got ${expireAfterDays}`,
    );
  }
  // A window the invocation cannot outlast never judges a download: the drip would hold the worker to its deadline.
  if (config.fetchMinBytesPerSecond > 0 && config.fetchThroughputWindowMs >= config.archiverTimeoutSeconds * 1000) {
    throw new ConfigError(
      `Invalid context "fetchThroughputWindowMs": must be shorter than "archiverTimeoutSeconds" (${config.archiverTimeoutSeconds} s), got ${config.fetchThroughputWindowMs}`,
    );
  }
  if (config.apiBurstLimit < config.apiRateLimit) {
    throw new ConfigError(
      `Invalid context "apiBurstLimit": must be at least "apiRateLimit" (${config.apiRateLimit}), got ${config.apiBurstLimit}`,
    );
  }
}

/**
 * A typo in a key would otherwise be ignored silently and deploy a default. Our keys are plain camelCase words;
 * the CDK's own context keys contain `:`, `@`, `-` or `/`, so only camelCase keys are checked.
 */
function rejectUnknownKeys(allKeys: readonly string[]): void {
  const known = new Set<string>(CONFIG_KEYS);
  for (const key of allKeys) {
    if (/^[a-z][A-Za-z0-9]*$/.test(key) && !known.has(key)) {
      throw new ConfigError(`Unknown context "${key}": expected one of ${CONFIG_KEYS.join(', ')}`);
    }
  }
}

class Reader {
  constructor(private readonly get: ContextReader) {}

  private raw(key: keyof StackConfig): unknown {
    const value = this.get(key);
    return value === '' || value === null ? undefined : value;
  }

  private default<K extends keyof StackConfig>(key: K): StackConfig[K] {
    return DEFAULT_CONFIG[key];
  }

  integer(key: keyof StackConfig, min: number, max: number): number {
    return this.optionalInteger(key, min, max) ?? (this.default(key) as number);
  }

  optionalInteger(key: keyof StackConfig, min: number, max: number): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return this.default(key) as number | undefined;
    const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
      throw invalid(key, `an integer ${min}-${max}`, value);
    }
    return number;
  }

  /** An hour of the day 0-23 (a number, or a string from `-c`), or the word `none`. */
  hourOrNone(key: keyof StackConfig): number | 'none' {
    const value = this.raw(key);
    if (value === undefined) return this.default(key) as number | 'none';
    if (value === 'none') return 'none';
    const hour = typeof value === 'string' && /^\d{1,2}$/.test(value.trim()) ? Number(value) : value;
    if (typeof hour !== 'number' || !Number.isInteger(hour) || hour < 0 || hour > 23) {
      throw invalid(key, 'an hour 0-23 (UTC) or "none"', value);
    }
    return hour;
  }

  /** `true`/`false` from cdk.json, or the strings "true"/"false" from `-c key=value`. */
  boolean(key: keyof StackConfig): boolean {
    const value = this.raw(key);
    if (value === undefined) return this.default(key) as boolean;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw invalid(key, 'true or false', value);
  }

  oneOf<T extends string>(key: keyof StackConfig, allowed: readonly T[]): T {
    const value = this.raw(key);
    if (value === undefined) return this.default(key) as T;
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      throw invalid(key, `one of ${allowed.join(', ')}`, value);
    }
    return value as T;
  }

  pattern(key: keyof StackConfig, pattern: RegExp, what: string): string {
    return this.optionalPattern(key, pattern, what) ?? (this.default(key) as string);
  }

  optionalPattern(key: keyof StackConfig, pattern: RegExp, what: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return this.default(key) as string | undefined;
    if (typeof value !== 'string' || !pattern.test(value)) throw invalid(key, what, value);
    return value;
  }

  /** An https origin: plain http is allowed only on loopback, which a Lambda never talks to. */
  filesBaseUrl(key: keyof StackConfig): string {
    const value = this.raw(key);
    if (value === undefined) return this.default(key) as string;
    if (typeof value !== 'string' || !value.startsWith('https://')) throw invalid(key, 'an https:// origin', value);
    try {
      return parseFilesBaseUrl(value).origin;
    } catch (error) {
      throw new ConfigError(`Invalid context "${key}": ${(error as Error).message}`);
    }
  }

  prefix(key: keyof StackConfig): string {
    const value = this.get(key);
    if (value === undefined || value === null) return this.default(key) as string;
    const expected = 'a non-empty key prefix like "dixa" or "archive/dixa"';
    if (typeof value !== 'string') throw invalid(key, expected, value);
    let prefix: string;
    try {
      prefix = normalizePrefix(value);
    } catch (error) {
      throw new ConfigError(`Invalid context "${key}": ${(error as Error).message}`);
    }
    if (prefix === '') throw invalid(key, expected, value);
    return prefix;
  }
}

function invalid(key: string, expected: string, got: unknown): ConfigError {
  return new ConfigError(`Invalid context "${key}": expected ${expected}, got ${JSON.stringify(got)}`);
}
