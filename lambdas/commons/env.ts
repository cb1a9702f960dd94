/**
 * Reading a handler's configuration from its environment: one rule for every variable, and errors that name it.
 */
import { DEFAULT_FILES_BASE_URL, type FilesOrigin, parseFilesBaseUrl } from '../core/links.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is not set`);
  return value;
}

/** A whole number in [min, max]; without `max`, any positive integer up to Number.MAX_SAFE_INTEGER. */
export function integerEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1, max?: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  const upper = max ?? Number.MAX_SAFE_INTEGER;
  if (!/^\d+$/.test(raw) || value < min || value > upper) {
    const expected = max === undefined ? 'a positive integer' : `an integer from ${min} to ${max}`;
    throw new ConfigError(`${name} must be ${expected}, got ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return value;
}

/** `true` or `false` (any case); unset or empty is `fallback`. */
export function booleanEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw.slice(0, 40))}`);
}

/** DIXA_FILES_BASE_URL: the files host every link must normalize to (https; http only on loopback). */
export function filesOriginFromEnv(env: NodeJS.ProcessEnv): FilesOrigin {
  try {
    return parseFilesBaseUrl(env.DIXA_FILES_BASE_URL || DEFAULT_FILES_BASE_URL);
  } catch (error) {
    throw new ConfigError(`DIXA_FILES_BASE_URL: ${(error as Error).message}`);
  }
}
