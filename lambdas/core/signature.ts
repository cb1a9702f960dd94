/**
 * Dixa webhook signatures: `X-DIXA-SIGNATURE: t=<unix ms>,v1=<hex>`, where
 * v1 = hex(HMAC-SHA256(hexDecode(secretKey), t + "." + rawBody)).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;
const MAX_HEADER_LENGTH = 1024;

export interface SignatureHeader {
  /** `t` exactly as sent: it is what was signed. */
  timestamp: string;
  timestampMs: number;
  /** Every v1 value present (Dixa may send more than one while a secret is rotated). */
  v1: string[];
}

export type ParsedSignature = { ok: true; value: SignatureHeader } | { ok: false; reason: string };
export type Verification = { ok: true } | { ok: false; reason: string };

export function parseSignatureHeader(header: unknown): ParsedSignature {
  if (typeof header !== 'string' || header.trim() === '') return { ok: false, reason: 'missing signature' };
  if (header.length > MAX_HEADER_LENGTH) return { ok: false, reason: 'signature header too long' };
  let timestamp: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, reason: 'malformed signature header' };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined) return { ok: false, reason: 'malformed signature header' };
      timestamp = value;
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) return { ok: false, reason: 'malformed v1 signature' };
      v1.push(value.toLowerCase());
    }
    // Unknown schemes (v0, v2, ...) are ignored, as signature schemes usually are.
  }
  if (timestamp === undefined || !/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };
  if (v1.length === 0) return { ok: false, reason: 'no v1 signature' };
  return { ok: true, value: { timestamp, timestampMs: Number(timestamp), v1 } };
}

/** An HMAC key shorter than this can be guessed; Dixa's secrets are longer. */
export const MIN_SIGNING_SECRET_BYTES = 16;

/** A signing secret that cannot be used: a configuration error. The message never holds the secret's text. */
export class SigningSecretError extends Error {
  override name = 'SigningSecretError';
}

/** Accepts a secret that is hex (as Dixa issues it) of at least 16 bytes; anything else is a loud misconfiguration. */
export function decodeSigningSecret(secretHex: string): Buffer {
  const trimmed = secretHex.trim();
  if (trimmed.length === 0) throw new SigningSecretError('webhook signing secret is not set');
  if (trimmed.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(trimmed)) {
    throw new SigningSecretError('webhook signing secret must be a hex string of even length (as Dixa shows it)');
  }
  if (trimmed.length / 2 < MIN_SIGNING_SECRET_BYTES) {
    throw new SigningSecretError(
      `webhook signing secret is ${trimmed.length / 2} bytes; at least ${MIN_SIGNING_SECRET_BYTES} bytes (${2 * MIN_SIGNING_SECRET_BYTES} hex digits) are required`,
    );
  }
  return Buffer.from(trimmed, 'hex');
}

export function computeSignature(key: Buffer, timestampMs: number | string, rawBody: Uint8Array): string {
  return createHmac('sha256', key).update(`${timestampMs}.`).update(rawBody).digest('hex');
}

/** Header value for a body, as Dixa would send it: used by the `sign` helper and by tests. */
export function signatureHeader(secretHex: string, rawBody: Uint8Array | string, timestampMs = Date.now()): string {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return `t=${timestampMs},v1=${computeSignature(decodeSigningSecret(secretHex), timestampMs, body)}`;
}

export interface VerifyOptions {
  header: unknown;
  rawBody: Uint8Array;
  /** Hex-decoded signing key, or several during a rotation (current and previous): any of them may have signed. */
  key: Buffer | readonly Buffer[];
  nowMs?: number;
  toleranceMs?: number;
}

export function verifySignature(options: VerifyOptions): Verification {
  const { rawBody, key, nowMs = Date.now(), toleranceMs = DEFAULT_SIGNATURE_TOLERANCE_MS } = options;
  const parsed = parseSignatureHeader(options.header);
  if (!parsed.ok) return parsed;
  const { timestamp, timestampMs, v1 } = parsed.value;
  // Written so that NaN (a broken clock or tolerance) fails closed instead of disabling the replay check.
  if (!(Math.abs(nowMs - timestampMs) <= toleranceMs)) return { ok: false, reason: 'stale signature timestamp' };
  // Compare every key against every candidate without short-circuiting, so timing does not reveal which matched.
  let matched = false;
  for (const one of Buffer.isBuffer(key) ? [key] : key) {
    const expected = Buffer.from(computeSignature(one, timestamp, rawBody), 'hex');
    for (const candidate of v1) matched = timingSafeEqual(expected, Buffer.from(candidate, 'hex')) || matched;
  }
  return matched ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}
