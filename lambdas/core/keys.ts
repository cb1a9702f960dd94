/**
 * Where a file lives in the archive. The key is a function of the file's identity — (conversation csid,
 * normalized link path) — and nothing else, so every road a file takes to us (webhook, message API, export,
 * redelivery) lands on the same key.
 *
 *   <prefix>/conversations/<csid>/<16 hex of sha256(link path)>/<safe last segment of the link>
 *   <same key>.json   the provenance record
 */
import { createHash } from 'node:crypto';

export const MAX_NAME_BYTES = 150;
export const RECORD_SUFFIX = '.json';
export const RECEIPTS_FOLDER = 'erasure-receipts';
export const LEDGER_FOLDER = 'ledger';
export const PEOPLE_FOLDER = 'people';

export function linkHash(linkPath: string): string {
  return createHash('sha256').update(linkPath).digest('hex').slice(0, 16);
}

/** A prefix is `a/b/c`: no leading/trailing slash, no empty segments, no segments made of dots only. */
export function normalizePrefix(prefix: string): string {
  const segments = prefix.split('/').filter((s) => s !== '');
  for (const segment of segments) {
    if (/^\.+$/.test(segment) || !/^[A-Za-z0-9._-]+$/.test(segment)) {
      throw new Error(`archive prefix segment ${JSON.stringify(segment)} is not allowed (use A-Z a-z 0-9 . _ -)`);
    }
  }
  return segments.join('/');
}

/** `<prefix>/conversations/`: every archived file and record, and nothing else (receipts live beside it). */
export function conversationsRoot(prefix: string): string {
  return `${prefix ? `${prefix}/` : ''}conversations/`;
}

export function conversationPrefix(prefix: string, conversationId: string): string {
  return `${conversationsRoot(prefix)}${conversationId}/`;
}

export function receiptPrefix(prefix: string): string {
  return `${prefix ? `${prefix}/` : ''}${RECEIPTS_FOLDER}/`;
}

/** `<prefix>/ledger/`: every conversation's ledger (docs/storage-layout.md). */
export function ledgerRoot(prefix: string): string {
  return `${prefix ? `${prefix}/` : ''}${LEDGER_FOLDER}/`;
}

/** `<prefix>/ledger/<csid>/`: one listing answers "what is the state of this conversation?". */
export function ledgerPrefix(prefix: string, conversationId: string): string {
  return `${ledgerRoot(prefix)}${conversationId}/`;
}

/** `<prefix>/people/`: the people index, by person key. */
export function peopleRoot(prefix: string): string {
  return `${prefix ? `${prefix}/` : ''}${PEOPLE_FOLDER}/`;
}

/**
 * A time as one key segment that sorts like the time and reads back exactly: `2024-05-01T08-30-00-123Z`
 * (ISO 8601 with `:` and `.` made key-safe; the receipts use the same form).
 */
export function keyStamp(at: Date): string {
  return at.toISOString().replace(/[:.]/g, '-');
}

/** The time a `keyStamp` segment stands for; undefined when the segment is not one. */
export function parseKeyStamp(segment: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/.exec(segment);
  if (!match) return undefined;
  const [, day, h, m, s, ms] = match;
  const at = new Date(`${day}T${h}:${m}:${s}.${ms}Z`);
  return Number.isNaN(at.getTime()) || keyStamp(at) !== segment ? undefined : at;
}

/**
 * A Dixa message id as one key segment (message tombstones, receipts of a message's erasure): the id itself when it is
 * key-safe (Dixa's ids are UUIDs), otherwise `sha256-` and 32 hex of its SHA-256. The same id always gives the same
 * segment, so the archiver can match a job by its message id from a listing alone.
 */
export function messageKey(messageId: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(messageId) && !messageId.startsWith('sha256-')) return messageId;
  return `sha256-${createHash('sha256').update(messageId).digest('hex').slice(0, 32)}`;
}

/** Where the archiver notes that a file failed for good (dead-lettered); removed once the file is archived. */
export function failureKey(prefix: string, conversationId: string, hashOfLink: string): string {
  return `${ledgerPrefix(prefix, conversationId)}failures/${hashOfLink}.json`;
}

/** `<prefix>/reports/completeness/<YYYY-MM-DD>.json`: the daily sweep's report. */
export function completenessReportKey(prefix: string, day: string): string {
  return `${prefix ? `${prefix}/` : ''}reports/completeness/${day}.json`;
}

export function objectKey(prefix: string, conversationId: string, linkPath: string): string {
  return `${conversationPrefix(prefix, conversationId)}${linkHash(linkPath)}/${sanitizeName(lastSegment(linkPath))}`;
}

export const recordKey = (objectKey: string): string => `${objectKey}${RECORD_SUFFIX}`;

function lastSegment(linkPath: string): string {
  const path = linkPath.split('?')[0] ?? '';
  const segment = path.slice(path.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Windows refuses these as file names, with or without an extension (the compliance CLI writes names to disk). */
const WINDOWS_DEVICE_NAME = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;

/**
 * A name that is safe as one path segment on any file system and in an S3 key: no separators, no traversal,
 * no control or invisible formatting characters, at most MAX_NAME_BYTES of UTF-8 (extension kept), letters,
 * marks and digits of any script kept. Symbols become `_`: emoji among them, and slash look-alikes (∕ ⧸ ／).
 */
export function sanitizeName(name: string, fallback = 'file'): string {
  let safe = name
    // Invisible: controls, format characters (bidi overrides, zero-width), separators, variation selectors. Removed
    // before NFC, so that a letter and its accent that were split by one of them still compose.
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Variation_Selector}]/gu, '')
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N} ._()+,=@-]/gu, '_')
    .replace(/\s+/g, ' ')
    .replace(/_+/g, '_')
    .replace(/\.{2,}/g, '.') // ".." never survives, even inside a name
    .trim()
    .replace(/^[. ]+/, '') // no hidden files, no "..", no leading spaces
    .replace(/[. ]+$/, ''); // Windows strips trailing dots and spaces
  if (safe === '') return fallback === 'file' ? fallback : sanitizeName(fallback);
  if (WINDOWS_DEVICE_NAME.test(safe)) safe = `_${safe}`;
  return truncateUtf8(safe, MAX_NAME_BYTES);
}

function truncateUtf8(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  const budget = maxBytes - Buffer.byteLength(ext);
  let stem = '';
  for (const char of name.slice(0, name.length - ext.length)) {
    if (Buffer.byteLength(stem + char) > budget) break;
    stem += char;
  }
  return stem.replace(/[. ]+$/, '') + ext;
}
