/**
 * The ingest Lambda's configuration, read from the environment once per container (see docs/ingest.md).
 * A bad value is a deployment error: it throws with the variable's name and never
 * echoes a secret.
 */

import { filesOriginFromEnv, integerEnv, requiredEnv } from '../commons/env.ts';
import type { FilesOrigin } from '../core/links.ts';
import { DEFAULT_SIGNATURE_TOLERANCE_MS } from '../core/signature.ts';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface IngestConfig {
  queueUrl: string;
  files: FilesOrigin;
  signatureToleranceMs: number;
  maxBodyBytes: number;
}

export function ingestConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const queueUrl = requiredEnv(env, 'JOB_QUEUE_URL');
  const files = filesOriginFromEnv(env);
  const toleranceSeconds = integerEnv(env, 'SIGNATURE_TOLERANCE_SECONDS', DEFAULT_SIGNATURE_TOLERANCE_MS / 1000);
  return {
    queueUrl,
    files,
    signatureToleranceMs: toleranceSeconds * 1000,
    maxBodyBytes: integerEnv(env, 'MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES),
  };
}
