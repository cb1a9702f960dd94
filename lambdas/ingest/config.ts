/**
 * The ingest Lambda's configuration, read from the environment once per container (see docs in README,
 * "Webhook endpoint (ingest)"). A bad value is a deployment error: it throws with the variable's name and never
 * echoes a secret.
 */

import { DEFAULT_FILES_BASE_URL, type FilesOrigin, parseFilesBaseUrl } from '../core/links.ts';
import { DEFAULT_SIGNATURE_TOLERANCE_MS } from '../core/signature.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface IngestConfig {
  queueUrl: string;
  files: FilesOrigin;
  signatureToleranceMs: number;
  maxBodyBytes: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function ingestConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const queueUrl = env.JOB_QUEUE_URL?.trim();
  if (!queueUrl) throw new ConfigError('JOB_QUEUE_URL is not set');
  let files: FilesOrigin;
  try {
    files = parseFilesBaseUrl(env.DIXA_FILES_BASE_URL || DEFAULT_FILES_BASE_URL);
  } catch (error) {
    throw new ConfigError(`DIXA_FILES_BASE_URL: ${(error as Error).message}`);
  }
  const toleranceSeconds = positiveInteger(env, 'SIGNATURE_TOLERANCE_SECONDS', DEFAULT_SIGNATURE_TOLERANCE_MS / 1000);
  return {
    queueUrl,
    files,
    signatureToleranceMs: toleranceSeconds * 1000,
    maxBodyBytes: positiveInteger(env, 'MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES),
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive integer, got ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return value;
}
