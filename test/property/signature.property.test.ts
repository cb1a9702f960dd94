import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeSigningSecret,
  MIN_SIGNING_SECRET_BYTES,
  parseSignatureHeader,
  signatureHeader,
  verifySignature,
} from '../../lambdas/core/signature.ts';
import { anyText, runs } from './arbitraries.ts';

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));

/** Headers made of the pieces real and forged headers are made of. */
const headerLike = fc
  .array(
    fc.tuple(
      fc.constantFrom('t', 'v1', 'v0', 'v2', ' t', 'v1 ', 'T', 'V1', '', 't=t', 'v1,'),
      fc.oneof(
        hex64,
        hex64.map((h) => h.toUpperCase()),
        fc.bigInt({ min: 0n, max: 10n ** 16n }).map(String),
        fc.constantFrom('', ' ', '=', '-1', '1e3', '0x10', 'NaN', 'Infinity', '١٢٣', 'é'),
        anyText(70),
      ),
      fc.constantFrom('=', '= ', ' = ', ':', ''),
    ),
    { maxLength: 6 },
  )
  .chain((parts) =>
    fc
      .constantFrom(',', ', ', ';', ',,')
      .map((sep) => parts.map(([key, value, eq]) => `${key}${eq}${value}`).join(sep)),
  );

const anyHeader = fc.oneof(headerLike, anyText(200), fc.anything(), fc.string({ minLength: 1000, maxLength: 1100 }));
const anyClock = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 45 }),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1),
);

describe('parseSignatureHeader properties', () => {
  it('never throws, and whatever it accepts is well-formed', () => {
    fc.assert(
      fc.property(anyHeader, (header) => {
        const parsed = parseSignatureHeader(header);
        if (!parsed.ok) {
          expect(parsed.reason.length).toBeGreaterThan(0);
          return;
        }
        expect(typeof header).toBe('string');
        expect(parsed.value.timestamp).toMatch(/^\d{1,15}$/);
        expect(parsed.value.timestampMs).toBe(Number(parsed.value.timestamp));
        expect(parsed.value.v1.length).toBeGreaterThan(0);
        for (const v1 of parsed.value.v1) expect(v1).toMatch(/^[0-9a-f]{64}$/);
      }),
      { numRuns: runs(2000) },
    );
  });
});

describe('verifySignature properties', () => {
  it('never throws on arbitrary headers, bodies, keys and clocks', () => {
    fc.assert(
      fc.property(
        anyHeader,
        fc.uint8Array({ maxLength: 512 }),
        fc.uint8Array({ maxLength: 64 }),
        anyClock,
        anyClock,
        (header, body, key, nowMs, toleranceMs) => {
          const result = verifySignature({ header, rawBody: body, key: Buffer.from(key), nowMs, toleranceMs });
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: runs(2000) },
    );
  });

  it('accepts exactly what was signed with the hex-decoded secret, and nothing tampered', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: MIN_SIGNING_SECRET_BYTES, maxLength: 64 }),
        fc.uint8Array({ maxLength: 2048 }),
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.nat(),
        (secret, bodyBytes, t, flipAt) => {
          const secretHex = Buffer.from(secret).toString('hex');
          const key = decodeSigningSecret(secretHex);
          const body = Buffer.from(bodyBytes);
          const header = signatureHeader(secretHex, body, t);
          // Independent computation: the header carries exactly Dixa's v1.
          const expected = createHmac('sha256', Buffer.from(secretHex, 'hex'))
            .update(`${t}.`)
            .update(body)
            .digest('hex');
          expect(header).toBe(`t=${t},v1=${expected}`);

          expect(verifySignature({ header, rawBody: body, key, nowMs: t })).toEqual({ ok: true });

          if (body.length > 0) {
            const tampered = Buffer.from(body);
            tampered[flipAt % body.length]! ^= 1 << (flipAt % 8);
            expect(verifySignature({ header, rawBody: tampered, key, nowMs: t }).ok).toBe(false);
          }
          // (Not key + a zero byte: HMAC zero-pads keys, so that would be the same key.)
          const otherKey = Buffer.from(key);
          otherKey[0]! ^= 1;
          expect(verifySignature({ header, rawBody: body, key: otherKey, nowMs: t }).ok).toBe(false);
          expect(verifySignature({ header, rawBody: body, key: Buffer.from(secretHex, 'utf8'), nowMs: t }).ok).toBe(
            false,
          );
        },
      ),
      { numRuns: runs(300) },
    );
  });
});

describe('decodeSigningSecret properties', () => {
  it('round-trips any secret long enough, in either hex case', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: MIN_SIGNING_SECRET_BYTES, maxLength: 128 }),
        fc.boolean(),
        (bytes, upper) => {
          const hex = Buffer.from(bytes).toString('hex');
          expect(decodeSigningSecret(upper ? hex.toUpperCase() : hex).equals(Buffer.from(bytes))).toBe(true);
        },
      ),
      { numRuns: runs(300) },
    );
  });

  it('either decodes hex of 16+ bytes or throws one of its fixed messages (never echoing the value)', () => {
    const fixed =
      /^webhook signing secret (is not set|must be a hex string of even length \(as Dixa shows it\)|is \d+ bytes; at least 16 bytes \(32 hex digits\) are required)$/;
    fc.assert(
      fc.property(
        fc.oneof(
          anyText(80),
          fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('hex')),
        ),
        (text) => {
          try {
            const key = decodeSigningSecret(text);
            expect(key.toString('hex')).toBe(text.trim().toLowerCase());
            expect(key.length).toBeGreaterThanOrEqual(MIN_SIGNING_SECRET_BYTES);
          } catch (error) {
            expect((error as Error).message).toMatch(fixed);
          }
        },
      ),
      { numRuns: runs(1000) },
    );
  });
});
