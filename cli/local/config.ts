/**
 * Local mode's configuration: the environment, plus an optional `.env` file (real environment variables win).
 * Every value is checked here, so a mistake stops local mode with one line naming the variable (exit 2) instead of
 * a stack trace from deep inside a handler.
 *
 * Without any Dixa settings (no DIXA_API_TOKEN and no DIXA_FILES_BASE_URL) local mode runs in demo mode: a small
 * built-in files server stands in for files.dixa.io, so the README walkthrough works without a Dixa account.
 * Without DIXA_WEBHOOK_SECRET, a random secret is generated once and kept in ARCHIVE_DIR/local-secret, where
 * `dixa-archiver sign` finds it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, type Stats, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { archiverConfigFromEnv } from '../../lambdas/archiver/config.ts';
import { ConfigError } from '../../lambdas/commons/env.ts';
import { UserError } from '../../lambdas/commons/errors.ts';
import { normalizePrefix } from '../../lambdas/core/keys.ts';
import { DEFAULT_FILES_BASE_URL, parseFilesBaseUrl } from '../../lambdas/core/links.ts';
import { decodeSigningSecret } from '../../lambdas/core/signature.ts';
import { ingestConfigFromEnv } from '../../lambdas/ingest/config.ts';
import type { LogFormat } from './log.ts';

/** The variables `dixa-archiver local --help` documents (name, default, meaning). */
export const VARIABLES: [name: string, fallback: string, meaning: string][] = [
  ['DIXA_API_TOKEN', '(none: demo mode)', 'Dixa API token; sent only to DIXA_FILES_BASE_URL, for private files'],
  [
    'DIXA_WEBHOOK_SECRET',
    '(generated)',
    'webhook signing secret, hex as Dixa shows it (unset: one is kept in ARCHIVE_DIR/local-secret)',
  ],
  [
    'DIXA_FILES_BASE_URL',
    DEFAULT_FILES_BASE_URL,
    'files host; http:// only for 127.0.0.1/localhost/[::1] (tests, fakes)',
  ],
  [
    'DIXA_API_BASE_URL',
    'https://dev.dixa.io',
    'Dixa message API, for `dixa-archiver backfill` (checked and passed on)',
  ],
  [
    'DIXA_EXPORTS_BASE_URL',
    'https://exports.dixa.io',
    'Dixa Message Export API, for the backfill (checked and passed on)',
  ],
  ['ARCHIVE_BUCKET', 'dixa-archive', 'bucket of the local S3 (created when missing)'],
  ['ARCHIVE_PREFIX', 'dixa', 'key prefix of the archive'],
  ['PORT', '3000', 'port of the webhook endpoint on 127.0.0.1 (0 = any free port)'],
  ['S3_PORT', '4569', 'port of the local S3 on 127.0.0.1 (for `--endpoint http://127.0.0.1:4569`; 0 = any)'],
  ['SQS_PORT', '4566', 'port of the local SQS on 127.0.0.1 (0 = any)'],
  ['ARCHIVE_DIR', './.dixa-archive', 'where the archive (s3/), the job journal (journal/) and local-secret live'],
  ['MAX_RECEIVE_COUNT', '5', 'receives before a failing job goes to the dead-letter queue (as in the stack)'],
  ['VISIBILITY_TIMEOUT_SECONDS', '60', 'how long a failed job waits before it is retried'],
  ['LOG_FORMAT', 'pretty on a terminal, else json', 'pretty | json'],
];

export interface LocalConfig {
  archiveDir: string;
  port: number;
  s3Port: number;
  sqsPort: number;
  bucket: string;
  prefix: string;
  region: string;
  /** Demo mode: files come from the built-in demo files server (filesBaseUrl/apiToken are set at start). */
  demo: boolean;
  filesBaseUrl: string;
  apiToken: string;
  /** Undefined: use (or create) ARCHIVE_DIR/local-secret. */
  webhookSecret: string | undefined;
  apiBaseUrl: string | undefined;
  exportsBaseUrl: string | undefined;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  logFormat: LogFormat;
}

/**
 * Reads `.env` (when present; a missing explicit file is an error) into `env` without overriding what is set,
 * so the handlers' own variables (PART_SIZE_MIB, SIGNATURE_TOLERANCE_SECONDS, …) can live there too.
 */
export function loadEnvFile(env: NodeJS.ProcessEnv, path: string | undefined): void {
  const file = path ?? '.env';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (path === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UserError(`cannot read env file ${file}: ${(error as Error).message}`, 2);
  }
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined && value !== undefined) env[name] = value;
  }
}

function fail(message: string): never {
  throw new UserError(message, 2);
}

export function configFromEnv(env: NodeJS.ProcessEnv, options: { demo?: boolean; tty?: boolean } = {}): LocalConfig {
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const token = get('DIXA_API_TOKEN');
  const filesUrl = get('DIXA_FILES_BASE_URL');
  const demo = options.demo === true || (token === undefined && filesUrl === undefined);
  if (!demo && token === undefined) {
    fail('DIXA_API_TOKEN is not set (it is needed to fetch private files; unset DIXA_FILES_BASE_URL for demo mode)');
  }

  const rawSecret = get('DIXA_WEBHOOK_SECRET');
  const secret = rawSecret === undefined ? undefined : checkSecret(rawSecret, 'DIXA_WEBHOOK_SECRET');

  const bucket = get('ARCHIVE_BUCKET') ?? 'dixa-archive';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    fail(`ARCHIVE_BUCKET ${JSON.stringify(bucket)} is not a valid S3 bucket name (3-63 of a-z 0-9 . -)`);
  }
  let prefix = '';
  try {
    prefix = normalizePrefix(get('ARCHIVE_PREFIX') ?? 'dixa');
  } catch (error) {
    fail(`ARCHIVE_PREFIX: ${(error as Error).message}`);
  }

  const logFormat = get('LOG_FORMAT') ?? (options.tty ? 'pretty' : 'json');
  if (logFormat !== 'pretty' && logFormat !== 'json')
    fail(`LOG_FORMAT must be pretty or json, not ${JSON.stringify(logFormat)}`);

  checkHandlerSettings(env, { bucket, prefix });
  const archiveDir = resolve(get('ARCHIVE_DIR') ?? '.dixa-archive');
  checkFolder(archiveDir);
  return {
    archiveDir,
    port: integer(get('PORT'), 'PORT', 3000, 0, 65535),
    s3Port: integer(get('S3_PORT'), 'S3_PORT', 4569, 0, 65535),
    sqsPort: integer(get('SQS_PORT'), 'SQS_PORT', 4566, 0, 65535),
    bucket,
    prefix,
    region: get('AWS_REGION') ?? 'us-east-1',
    demo,
    filesBaseUrl: demo ? '' : filesBaseUrl(filesUrl ?? DEFAULT_FILES_BASE_URL),
    apiToken: demo ? '' : (token ?? ''),
    webhookSecret: secret,
    apiBaseUrl: optionalUrl(get('DIXA_API_BASE_URL'), 'DIXA_API_BASE_URL'),
    exportsBaseUrl: optionalUrl(get('DIXA_EXPORTS_BASE_URL'), 'DIXA_EXPORTS_BASE_URL'),
    maxReceiveCount: integer(get('MAX_RECEIVE_COUNT'), 'MAX_RECEIVE_COUNT', 5, 1, 1000),
    visibilityTimeoutSeconds: integer(get('VISIBILITY_TIMEOUT_SECONDS'), 'VISIBILITY_TIMEOUT_SECONDS', 60, 2, 43200),
    logFormat,
  };
}

/** ARCHIVE_DIR must be a folder, or a path where one can be made: not a file, and not under one. */
function checkFolder(dir: string): void {
  for (let path = dir; ; path = dirname(path)) {
    let found: Stats | undefined;
    try {
      found = statSync(path);
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(path) === path) throw error;
      continue;
    }
    if (!found.isDirectory()) fail(`ARCHIVE_DIR ${dir}: ${path} is a file, not a folder`);
    return;
  }
}

/**
 * The handlers read their own settings (PART_SIZE_MIB, SIGNATURE_TOLERANCE_SECONDS, …) on their first invocation: a
 * bad one would fail every job after local mode said "ready". Read them now, as the handlers will, with the values
 * local mode itself provides (queues, files host) filled in.
 */
function checkHandlerSettings(env: NodeJS.ProcessEnv, archive: { bucket: string; prefix: string }): void {
  const handlerEnv: NodeJS.ProcessEnv = {
    ...env,
    JOB_QUEUE_URL: 'http://127.0.0.1/000000000000/jobs',
    DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1/000000000000/jobs-dlq',
    ARCHIVE_BUCKET: archive.bucket,
    ARCHIVE_PREFIX: archive.prefix,
    DIXA_FILES_BASE_URL: 'http://127.0.0.1:1',
  };
  try {
    ingestConfigFromEnv(handlerEnv);
    archiverConfigFromEnv(handlerEnv);
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

function integer(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    fail(`${name} must be an integer from ${min} to ${max}, not ${JSON.stringify(value)}`);
  return n;
}

/** The files host: an origin; plain http only on loopback (core's rule: the pipeline sends the API token there). */
export function filesBaseUrl(value: string): string {
  try {
    return parseFilesBaseUrl(value).origin;
  } catch (error) {
    return fail(`DIXA_FILES_BASE_URL: ${(error as Error).message}`);
  }
}

function optionalUrl(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    fail(`${name} is not an http(s) URL: ${JSON.stringify(value)}`);
  return value.replace(/\/+$/, '');
}

function checkSecret(value: string, where: string): string {
  try {
    decodeSigningSecret(value);
  } catch (error) {
    fail(`${where}: ${(error as Error).message}`); // the message never holds the secret
  }
  return value.trim().toLowerCase();
}

export const localSecretPath = (archiveDir: string) => join(archiveDir, 'local-secret');

/** The secret written by a previous local run, if any (malformed → a one-line error naming the file). */
export async function readLocalSecret(archiveDir: string): Promise<string | undefined> {
  const path = localSecretPath(archiveDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return checkSecret(text.trim(), path);
}

export type SecretOrigin = 'environment' | 'local-secret' | 'generated';

/** DIXA_WEBHOOK_SECRET when configured; else the stored local secret; else a new one, stored (mode 0600). */
export async function resolveWebhookSecret(config: LocalConfig): Promise<{ secret: string; origin: SecretOrigin }> {
  if (config.webhookSecret) return { secret: config.webhookSecret, origin: 'environment' };
  const stored = await readLocalSecret(config.archiveDir);
  if (stored) return { secret: stored, origin: 'local-secret' };
  const secret = randomBytes(32).toString('hex');
  await mkdir(config.archiveDir, { recursive: true });
  await writeFile(localSecretPath(config.archiveDir), `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secret, origin: 'generated' };
}
