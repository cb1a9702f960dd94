import { createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  computeSignature,
  DEFAULT_SIGNATURE_TOLERANCE_MS,
  decodeSigningSecret,
  MIN_SIGNING_SECRET_BYTES,
  parseSignatureHeader,
  SigningSecretError,
  signatureHeader,
  verifySignature,
} from '../../../lambdas/core/signature.ts';

/** Dixa's rule, written out independently of the code under test. */
function dixaSign(secretHex: string, t: string, body: Buffer): string {
  return createHmac('sha256', Buffer.from(secretHex, 'hex'))
    .update(Buffer.concat([Buffer.from(`${t}.`, 'utf8'), body]))
    .digest('hex');
}

const SECRET = randomBytes(32).toString('hex');
const KEY = decodeSigningSecret(SECRET);
const NOW = 1_714_550_400_000;
const T = String(NOW);
const JSON_BODY = Buffer.from(
  JSON.stringify({ event_id: 'e1', event_fqn: 'CONVERSATION_MESSAGE_ADDED', data: { conversation: { csid: 1 } } }),
);

function verify(header: unknown, body: Buffer = JSON_BODY, extra: { nowMs?: number; toleranceMs?: number } = {}) {
  return verifySignature({ header, rawBody: body, key: KEY, nowMs: NOW, ...extra });
}

describe('verifySignature against independently computed vectors', () => {
  it('accepts an ASCII JSON body', () => {
    expect(verify(`t=${T},v1=${dixaSign(SECRET, T, JSON_BODY)}`)).toEqual({ ok: true });
  });

  it('signs bytes, not characters: a body with non-ASCII text', () => {
    const text = '{"text":"Grüße, 日本語, emoji 👍, RTL \u202e"}';
    const body = Buffer.from(text, 'utf8');
    expect(body.length).toBeGreaterThan(text.length);
    expect(verify(`t=${T},v1=${dixaSign(SECRET, T, body)}`, body)).toEqual({ ok: true });
    // The same characters in another encoding are other bytes: not the signed message.
    expect(verify(`t=${T},v1=${dixaSign(SECRET, T, body)}`, Buffer.from(text, 'utf16le'))).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('accepts a base64-delivered body once decoded (binary, not valid UTF-8)', () => {
    const body = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe, 0x00, 0xc3]), Buffer.from('"}')]);
    const delivered = body.toString('base64');
    const decoded = Buffer.from(delivered, 'base64');
    expect(verify(`t=${T},v1=${dixaSign(SECRET, T, body)}`, decoded)).toEqual({ ok: true });
  });

  it('accepts an empty body', () => {
    const body = Buffer.alloc(0);
    expect(verify(`t=${T},v1=${dixaSign(SECRET, T, body)}`, body)).toEqual({ ok: true });
  });

  it('rejects a signature made with another secret', () => {
    const other = randomBytes(32).toString('hex');
    expect(verify(`t=${T},v1=${dixaSign(other, T, JSON_BODY)}`)).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('uses the hex-decoded secret: the secret taken as UTF-8 text does not verify', () => {
    const utf8Keyed = createHmac('sha256', Buffer.from(SECRET, 'utf8')).update(`${T}.`).update(JSON_BODY).digest('hex');
    expect(verify(`t=${T},v1=${utf8Keyed}`)).toEqual({ ok: false, reason: 'signature mismatch' });
    const wrongKey = Buffer.from(SECRET, 'utf8');
    const correct = `t=${T},v1=${dixaSign(SECRET, T, JSON_BODY)}`;
    expect(verifySignature({ header: correct, rawBody: JSON_BODY, key: wrongKey, nowMs: NOW }).ok).toBe(false);
  });

  it.each([
    ['one byte flipped', (b: Buffer) => Buffer.from(b).fill(b[5]! ^ 1, 5, 6)],
    ['a trailing newline', (b: Buffer) => Buffer.concat([b, Buffer.from('\n')])],
    ['truncated', (b: Buffer) => b.subarray(0, b.length - 1)],
    ['re-serialized JSON', (b: Buffer) => Buffer.from(JSON.stringify(JSON.parse(b.toString()), null, 1))],
  ])('rejects a tampered body: %s', (_, tamper) => {
    const header = `t=${T},v1=${dixaSign(SECRET, T, JSON_BODY)}`;
    expect(verify(header, tamper(JSON_BODY))).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('rejects a signature moved to another timestamp', () => {
    const later = String(NOW + 1000);
    expect(verify(`t=${later},v1=${dixaSign(SECRET, T, JSON_BODY)}`)).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('signs the timestamp string exactly as sent (leading zeros included)', () => {
    const padded = `0${T}`;
    expect(verify(`t=${padded},v1=${dixaSign(SECRET, padded, JSON_BODY)}`)).toEqual({ ok: true });
    expect(verify(`t=${padded},v1=${dixaSign(SECRET, T, JSON_BODY)}`)).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('accepts upper-case hex', () => {
    expect(verify(`t=${T},v1=${dixaSign(SECRET, T, JSON_BODY).toUpperCase()}`)).toEqual({ ok: true });
  });

  it('accepts when any one of several v1 values matches (secret rotation)', () => {
    const good = dixaSign(SECRET, T, JSON_BODY);
    const bad = dixaSign(randomBytes(32).toString('hex'), T, JSON_BODY);
    expect(verify(`t=${T},v1=${bad},v1=${good}`)).toEqual({ ok: true });
    expect(verify(`t=${T},v1=${good},v1=${bad}`)).toEqual({ ok: true });
    expect(verify(`t=${T},v1=${bad},v1=${bad}`)).toEqual({ ok: false, reason: 'signature mismatch' });
  });

  it('ignores unknown schemes beside v1', () => {
    const good = dixaSign(SECRET, T, JSON_BODY);
    expect(verify(`t=${T},v0=not-even-hex,v1=${good},v2=x`)).toEqual({ ok: true });
    expect(verify(`t=${T},v0=${good}`)).toEqual({ ok: false, reason: 'no v1 signature' });
  });
});

describe('verifySignature: replay window', () => {
  const signedAt = (t: number) => `t=${t},v1=${dixaSign(SECRET, String(t), JSON_BODY)}`;

  it('defaults to five minutes', () => {
    expect(DEFAULT_SIGNATURE_TOLERANCE_MS).toBe(300_000);
  });

  it.each([
    ['exactly at the tolerance, past', NOW - DEFAULT_SIGNATURE_TOLERANCE_MS, true],
    ['beyond the tolerance, past', NOW - DEFAULT_SIGNATURE_TOLERANCE_MS - 1, false],
    ['exactly at the tolerance, future', NOW + DEFAULT_SIGNATURE_TOLERANCE_MS, true],
    ['beyond the tolerance, future', NOW + DEFAULT_SIGNATURE_TOLERANCE_MS + 1, false],
    ['a day old', NOW - 86_400_000, false],
    ['in seconds instead of milliseconds', Math.floor(NOW / 1000), false],
    ['zero', 0, false],
  ])('default tolerance: %s', (_, t, ok) => {
    expect(verify(signedAt(t))).toEqual(ok ? { ok: true } : { ok: false, reason: 'stale signature timestamp' });
  });

  it.each([
    [NOW - 1000, true],
    [NOW - 1001, false],
    [NOW + 1000, true],
    [NOW + 1001, false],
  ])('configured tolerance of 1 s: t=%d', (t, ok) => {
    expect(verify(signedAt(t), JSON_BODY, { toleranceMs: 1000 }).ok).toBe(ok);
  });

  it('fails closed when the clock or the tolerance is not a number', () => {
    expect(verify(signedAt(NOW - 86_400_000), JSON_BODY, { nowMs: Number.NaN })).toEqual({
      ok: false,
      reason: 'stale signature timestamp',
    });
    expect(verify(signedAt(NOW - 86_400_000), JSON_BODY, { toleranceMs: Number.NaN })).toEqual({
      ok: false,
      reason: 'stale signature timestamp',
    });
  });

  it('checks the timestamp before the signature (a stale replay of a valid request is refused)', () => {
    const old = NOW - 3_600_000;
    expect(verify(signedAt(old))).toEqual({ ok: false, reason: 'stale signature timestamp' });
  });
});

describe('parseSignatureHeader', () => {
  const hex = 'ab'.repeat(32);

  it('returns the timestamp as sent, its value, and every v1 in lower case', () => {
    expect(parseSignatureHeader(`t=0${T},v1=${hex.toUpperCase()},v1=${'cd'.repeat(32)}`)).toEqual({
      ok: true,
      value: { timestamp: `0${T}`, timestampMs: NOW, v1: [hex, 'cd'.repeat(32)] },
    });
  });

  it.each([`t=${T}, v1=${hex}`, ` t = ${T} , v1 = ${hex} `, `v1=${hex},t=${T}`])(
    'tolerates spaces and order: %j',
    (header) => {
      expect(parseSignatureHeader(header)).toMatchObject({ ok: true, value: { timestamp: T, v1: [hex] } });
    },
  );

  it.each([
    [undefined, 'missing signature'],
    [null, 'missing signature'],
    [42, 'missing signature'],
    [{ t: T, v1: hex }, 'missing signature'],
    [[`t=${T},v1=${hex}`], 'missing signature'],
    ['', 'missing signature'],
    ['   ', 'missing signature'],
    [`v1=${hex}`, 'malformed timestamp'],
    [`t=${T}`, 'no v1 signature'],
    [`t=${T},v1=${'zz'.repeat(32)}`, 'malformed v1 signature'],
    [`t=${T},v1=${hex.slice(0, 62)}`, 'malformed v1 signature'],
    [`t=${T},v1=${hex}00`, 'malformed v1 signature'],
    [`t=${T},v1=`, 'malformed v1 signature'],
    [`t=${T},v1=${hex.slice(0, 63)}g`, 'malformed v1 signature'],
    [`t=${T},v1=0x${hex.slice(2)}`, 'malformed v1 signature'],
    [`t=${T},t=${T},v1=${hex}`, 'malformed signature header'],
    [`t=${T},t=${NOW + 1},v1=${hex}`, 'malformed signature header'],
    [`t=${T},v1=${hex},`, 'malformed signature header'],
    [`,t=${T},v1=${hex}`, 'malformed signature header'],
    [`t=${T},,v1=${hex}`, 'malformed signature header'],
    [`=${T},v1=${hex}`, 'malformed signature header'],
    [`t${T},v1=${hex}`, 'malformed signature header'],
    [`t=${T};v1=${hex}`, 'malformed timestamp'],
    [`t=,v1=${hex}`, 'malformed timestamp'],
    [`t=abc,v1=${hex}`, 'malformed timestamp'],
    [`t=-1,v1=${hex}`, 'malformed timestamp'],
    [`t=1.5,v1=${hex}`, 'malformed timestamp'],
    [`t=1e12,v1=${hex}`, 'malformed timestamp'],
    [`t=${'9'.repeat(16)},v1=${hex}`, 'malformed timestamp'],
    [`T=${T},v1=${hex}`, 'malformed timestamp'],
    [`t=${T},v1=${hex},v0=${'a'.repeat(1024)}`, 'signature header too long'],
    [`t=${T},v1=${hex}${',x=y'.repeat(100_000)}`, 'signature header too long'],
  ])('rejects %j: %s', (header, reason) => {
    expect(parseSignatureHeader(header)).toEqual({ ok: false, reason });
    // The same reason reaches the caller of verifySignature.
    expect(verify(header)).toEqual({ ok: false, reason });
  });
});

describe('decodeSigningSecret', () => {
  it.each([
    ['a1B2'.repeat(8), Array(8).fill([0xa1, 0xb2]).flat()],
    [` ${'00ff'.repeat(8)}\n`, Array(8).fill([0x00, 0xff]).flat()],
    ['DEADbeef'.repeat(4), Array(4).fill([0xde, 0xad, 0xbe, 0xef]).flat()],
  ])('decodes %j', (hex, bytes) => {
    expect([...decodeSigningSecret(hex)]).toEqual(bytes);
  });

  it('round-trips a 32-byte secret', () => {
    const bytes = randomBytes(32);
    expect(decodeSigningSecret(bytes.toString('hex')).equals(bytes)).toBe(true);
  });

  const malformed = 'webhook signing secret must be a hex string of even length (as Dixa shows it)';
  it.each([
    ['', 'webhook signing secret is not set'],
    ['   ', 'webhook signing secret is not set'],
    ...['abc', 'xyz1', 'ab cd', '0xab', 'ab:cd', 'c2VjcmV0', 'zz', `${'ab'.repeat(16)}g`].map((v) => [v, malformed]),
    ['ab', 'webhook signing secret is 1 bytes; at least 16 bytes (32 hex digits) are required'],
    ['ab'.repeat(15), 'webhook signing secret is 15 bytes; at least 16 bytes (32 hex digits) are required'],
  ])('rejects %j without echoing it', (value, expected) => {
    let message = '';
    try {
      decodeSigningSecret(value);
    } catch (error) {
      expect(error).toBeInstanceOf(SigningSecretError);
      message = (error as Error).message;
    }
    expect(message).toBe(expected);
  });

  it('accepts exactly 16 bytes', () => {
    expect(decodeSigningSecret('ab'.repeat(16))).toHaveLength(MIN_SIGNING_SECRET_BYTES);
  });
});

describe('computeSignature and signatureHeader (the sign helper)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('match the independent computation for string and byte bodies', () => {
    const text = '{"text":"Grüße 日本語"}';
    const bytes = Buffer.from(text, 'utf8');
    expect(computeSignature(KEY, NOW, bytes)).toBe(dixaSign(SECRET, T, bytes));
    expect(computeSignature(KEY, `0${T}`, bytes)).toBe(dixaSign(SECRET, `0${T}`, bytes));
    expect(signatureHeader(SECRET, text, NOW)).toBe(`t=${T},v1=${dixaSign(SECRET, T, bytes)}`);
    expect(signatureHeader(SECRET, bytes, NOW)).toBe(`t=${T},v1=${dixaSign(SECRET, T, bytes)}`);
  });

  it('stamps the current time by default, and verifies', () => {
    vi.useFakeTimers({ now: NOW });
    const header = signatureHeader(SECRET, JSON_BODY);
    expect(header).toBe(`t=${T},v1=${dixaSign(SECRET, T, JSON_BODY)}`);
    expect(verify(header)).toEqual({ ok: true });
  });
});
