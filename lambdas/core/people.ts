/**
 * People as the archive indexes them (docs/storage-layout.md): an identity (an e-mail address, a phone number or a
 * Dixa external id) is normalized so that one person is one entry, then hashed into a *person key* — the only form
 * in which a person appears in S3 keys, queue messages' routing, metric dimensions or log fields.
 *
 * Normalization:
 * - e-mail: the address inside `Name <address>` if given, trimmed, NFC, case-folded (lower case), the domain in its
 *   ASCII (punycode) form so `münchen.de` and `xn--mnchen-3ya.de` are one; one `@`, no spaces, at most 254 bytes.
 * - phone: digits with their country code — `+` or the international `00` prefix first, then 8–15 digits once
 *   spaces, dots, dashes and parentheses are gone (E.164). A number without a country code is not a phone
 *   identity: the same digits are different people in different countries, and guessing would merge them. Dixa
 *   keeps numbers in international form; one that arrives without a country code is not indexed by phone (the
 *   conversation is still found by the person's e-mail, or in Dixa), and `--phone` asks for the country code.
 * - external id: trimmed, kept exactly otherwise (an integrator's opaque id), 1–256 characters.
 * Normalizing a normalized value returns it unchanged (tested as a property).
 */
import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';

export const IDENTITY_TYPES = ['email', 'phone', 'external-id'] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];

/** How a person took part in a conversation (the last segment of an index key). */
export const PARTICIPANT_ROLES = ['requester', 'author', 'from', 'to', 'cc', 'bcc'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

export interface Identity {
  type: IdentityType;
  /** The normalized value: never in a key, a log field or a metric dimension. */
  value: string;
  /** sha256("dixa-archiver/person/v1\n" + type + "\n" + value), hex. */
  key: string;
}

export type Normalized = { ok: true; value: string } | { ok: false; reason: string };

const MAX_EMAIL_BYTES = 254;
const MAX_EXTERNAL_ID = 256;

export function normalizeEmail(raw: string): Normalized {
  const angle = /<([^<>]*)>\s*$/.exec(raw);
  const text = (angle ? angle[1]! : raw).trim().normalize('NFC').toLowerCase();
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1)
    return { ok: false, reason: 'an e-mail address needs a name, an @ and a domain' };
  const local = text.slice(0, at);
  if (local.includes('@') || /[\s<>,;]/u.test(text) || /\p{Cc}/u.test(text)) {
    return { ok: false, reason: 'an e-mail address has one @ and no spaces, commas or angle brackets' };
  }
  const domain = domainToASCII(text.slice(at + 1));
  if (!domain?.includes('.') || domain.startsWith('.') || domain.endsWith('.')) {
    return { ok: false, reason: 'the domain of the e-mail address is not valid' };
  }
  const value = `${local}@${domain}`;
  if (Buffer.byteLength(value) > MAX_EMAIL_BYTES) return { ok: false, reason: 'the e-mail address is too long' };
  return { ok: true, value };
}

export function normalizePhone(raw: string): Normalized {
  const compact = raw.trim().replace(/[\s.\-()/\u00a0]/g, '');
  const international = /^(?:\+|00)(\d+)$/.exec(compact);
  if (!international) {
    return /^\d+$/.test(compact)
      ? { ok: false, reason: 'a phone number needs its country code (e.g. +45 12 34 56 78)' }
      : { ok: false, reason: 'a phone number has digits, spaces, dashes and a leading + only' };
  }
  const digits = international[1]!;
  if (digits.startsWith('0') || digits.length < 8 || digits.length > 15) {
    return { ok: false, reason: 'a phone number with its country code has 8 to 15 digits' };
  }
  return { ok: true, value: `+${digits}` };
}

export function normalizeExternalId(raw: string): Normalized {
  const value = raw.trim();
  if (value === '' || value.length > MAX_EXTERNAL_ID || /\p{Cc}/u.test(value)) {
    return { ok: false, reason: `an external id is 1 to ${MAX_EXTERNAL_ID} characters on one line` };
  }
  return { ok: true, value };
}

const NORMALIZE: Record<IdentityType, (raw: string) => Normalized> = {
  email: normalizeEmail,
  phone: normalizePhone,
  'external-id': normalizeExternalId,
};

export function normalizeIdentity(type: IdentityType, raw: string): Normalized {
  return NORMALIZE[type](raw);
}

export function personKey(type: IdentityType, normalized: string): string {
  return createHash('sha256').update(`dixa-archiver/person/v1\n${type}\n${normalized}`).digest('hex');
}

/** An identity from a raw value, or why the value is not one. */
export function toIdentity(
  type: IdentityType,
  raw: string,
): { ok: true; identity: Identity } | { ok: false; reason: string } {
  const normalized = normalizeIdentity(type, raw);
  if (!normalized.ok) return normalized;
  return { ok: true, identity: { type, value: normalized.value, key: personKey(type, normalized.value) } };
}

/** A person key as it appears in keys: 64 lower-case hex digits. */
export const isPersonKey = (value: string): boolean => /^[0-9a-f]{64}$/.test(value);
