/**
 * The sweep Lambda's configuration, read from the environment once per container. A bad value is a deployment
 * error: it throws with the variable's name (the run fails, and the "sweep failed" alarm says so).
 */
import { ConfigError, filesOriginFromEnv, integerEnv, requiredEnv } from '../commons/env.ts';
import { normalizePrefix } from '../core/keys.ts';
import { type FilesOrigin, parseDixaOrigin } from '../core/links.ts';
import { DEFAULT_API_BASE_URL, DEFAULT_EXPORTS_BASE_URL } from '../dixa/dixa-client.ts';
import { ANONYMIZATION_POLICIES, type AnonymizationPolicy } from './report.ts';
import { DEFAULT_SWEEP_DAYS } from './sweep.ts';

/** Dixa's export API keeps a query within 31 days; a daily sweep looks back far less. */
export const MAX_SWEEP_DAYS = 31;

export interface SweepConfig {
  bucket: string;
  prefix: string;
  jobQueueUrl: string;
  files: FilesOrigin;
  exportsBaseUrl: string;
  apiBaseUrl: string;
  sweepDays: number;
  followAnonymization: AnonymizationPolicy;
}

export function sweepConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SweepConfig {
  let prefix: string;
  try {
    prefix = normalizePrefix(requiredEnv(env, 'ARCHIVE_PREFIX'));
  } catch (error) {
    throw error instanceof ConfigError ? error : new ConfigError(`ARCHIVE_PREFIX: ${(error as Error).message}`);
  }
  const policy = env.FOLLOW_ANONYMIZATION?.trim() || 'report';
  if (!(ANONYMIZATION_POLICIES as readonly string[]).includes(policy)) {
    throw new ConfigError(
      `FOLLOW_ANONYMIZATION must be one of ${ANONYMIZATION_POLICIES.join(', ')}, got ${JSON.stringify(policy)}`,
    );
  }
  return {
    bucket: requiredEnv(env, 'ARCHIVE_BUCKET'),
    prefix,
    jobQueueUrl: requiredEnv(env, 'JOB_QUEUE_URL'),
    files: filesOriginFromEnv(env),
    exportsBaseUrl: dixaOrigin(env, 'DIXA_EXPORTS_BASE_URL', DEFAULT_EXPORTS_BASE_URL),
    apiBaseUrl: dixaOrigin(env, 'DIXA_API_BASE_URL', DEFAULT_API_BASE_URL),
    sweepDays: integerEnv(env, 'SWEEP_DAYS', DEFAULT_SWEEP_DAYS, 1, MAX_SWEEP_DAYS),
    followAnonymization: policy as AnonymizationPolicy,
  };
}

/** The token is sent there: https only (http only on loopback), checked like every Dixa origin. */
function dixaOrigin(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  try {
    return parseDixaOrigin(env[name]?.trim() || fallback, name).origin;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}
