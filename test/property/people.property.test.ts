/**
 * People in the archive: normalization is idempotent (normalizing twice changes nothing), one person spelled
 * differently is one key, and no key, index key or participants message ever holds the address or number in
 * plain text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forwardKey, reverseKey } from '../../lambdas/archiver/people.ts';
import { ParticipantSet } from '../../lambdas/core/participants.ts';
import {
  IDENTITY_TYPES,
  normalizeEmail,
  normalizeIdentity,
  normalizePhone,
  PARTICIPANT_ROLES,
  personKey,
  toIdentity,
} from '../../lambdas/core/people.ts';
import { anyText, runs } from './arbitraries.ts';

const local = fc.stringMatching(/^[A-Za-z0-9._%+-]{1,20}$/);
const label = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,10}[A-Za-z0-9])?$/);
const unicodeLabel = fc.constantFrom('münchen', 'straße', 'ÆØÅ', 'δοκιμή', 'пример', 'example');
const email = fc
  .tuple(local, fc.oneof(label, unicodeLabel), fc.constantFrom('com', 'dk', 'de', 'io', 'co.uk'))
  .map(([name, domain, tld]) => `${name}@${domain}.${tld}`);
/** The same address as people write it: any case, spaces around, a display name. */
const spelled = (address: string) =>
  fc
    .tuple(fc.constantFrom('', ' ', '\t'), fc.boolean(), fc.constantFrom('', 'Jane Doe ', '"Doe, Jane" '))
    .map(([pad, upper, name]) => {
      const cased = upper ? address.replace(/[a-z]/g, (c) => c.toUpperCase()) : address;
      return name ? `${name}<${pad}${cased}${pad}>` : `${pad}${cased}${pad}`;
    });
const phone = fc
  .tuple(fc.integer({ min: 1, max: 999 }), fc.stringMatching(/^[0-9]{6,11}$/))
  .map(([country, rest]) => `+${country}${rest}`);
const phoneSpelled = (number: string) =>
  fc.constantFrom(
    number,
    `00${number.slice(1)}`,
    `${number.slice(0, 3)} ${number.slice(3, 6)} ${number.slice(6)}`,
    `${number.slice(0, 3)}-(${number.slice(3, 6)}).${number.slice(6)}`,
  );

describe('identity normalization', () => {
  it('is idempotent for every type and any input', () => {
    fc.assert(
      fc.property(fc.constantFrom(...IDENTITY_TYPES), fc.oneof(anyText(80), email, phone), (type, raw) => {
        const once = normalizeIdentity(type, raw);
        if (!once.ok) return;
        expect(normalizeIdentity(type, once.value)).toEqual(once);
      }),
      { numRuns: runs(500) },
    );
  });

  it('makes one key of an address however it is spelled', () => {
    fc.assert(
      fc.property(
        email.chain((address) => fc.tuple(fc.constant(address), spelled(address), spelled(address))),
        ([address, a, b]) => {
          const base = normalizeEmail(address);
          expect(base.ok).toBe(true);
          expect(normalizeEmail(a)).toEqual(base);
          expect(normalizeEmail(b)).toEqual(base);
        },
      ),
      { numRuns: runs(300) },
    );
  });

  it('makes one key of a number however it is spelled, and refuses one without a country code', () => {
    fc.assert(
      fc.property(
        phone.chain((number) => fc.tuple(fc.constant(number), phoneSpelled(number))),
        ([number, spelledNumber]) => {
          expect(normalizePhone(spelledNumber)).toEqual(normalizePhone(number));
          expect(normalizePhone(number.slice(1)).ok).toBe(false);
        },
      ),
      { numRuns: runs(300) },
    );
  });

  it('never puts the identity in plain text into a person key, an index key or a participants message', () => {
    fc.assert(
      fc.property(
        fc.oneof(email, phone),
        fc.constantFrom(...PARTICIPANT_ROLES),
        fc.integer({ min: 0, max: 1e12 }),
        (raw, role, csid) => {
          const type = raw.includes('@') ? 'email' : 'phone';
          const parsed = toIdentity(type, raw);
          if (!parsed.ok) return;
          const { value, key } = parsed.identity;
          expect(key).toBe(personKey(type, value));
          const people = new ParticipantSet();
          people.add(role, raw);
          const message = JSON.stringify(people.message(String(csid), 'export'));
          const keys = [key, reverseKey('dixa', String(csid), key, role), forwardKey('dixa', key, String(csid), role)];
          for (const text of [...keys, message]) {
            const lower = text.toLowerCase();
            expect(lower).not.toContain(value.toLowerCase());
            expect(lower).not.toContain(raw.toLowerCase());
            const localPart = value.split('@')[0]!;
            if (localPart.length >= 4) expect(lower).not.toContain(localPart.toLowerCase());
            if (type === 'phone') expect(text).not.toContain(value.slice(1));
          }
        },
      ),
      { numRuns: runs(300) },
    );
  });
});
