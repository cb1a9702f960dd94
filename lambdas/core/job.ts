/**
 * The file job: one message on the queue, one file to archive. Versioned, validated on both ends.
 */
import * as v from 'valibot';
import { type FilesOrigin, MAX_URL_LENGTH, normalizeLink } from './links.ts';

export const FILE_KINDS = [
  'attachment',
  'recording',
  'voicemail',
  'inline-image',
  'original-email',
  /** An e-mail body Dixa stored as a file because it was too large (`emailContent: { _type: "TooLarge", file }`). */
  'email-content',
] as const;
export const JOB_SOURCES = ['webhook', 'export', 'messages-api'] as const;
export type FileKind = (typeof FILE_KINDS)[number];
export type JobSource = (typeof JOB_SOURCES)[number];

/**
 * What SQS accepts in a message: #x9 #xA #xD #x20–#xD7FF #xE000–#xFFFD #x10000–#x10FFFF (so no other control
 * characters, no U+FFFE/U+FFFF, no lone surrogates). Every string a job carries must be such text.
 */
const SQS_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const SQS_INVALID_ALL = new RegExp(SQS_INVALID.source, 'gu');

export const isSqsText = (text: string): boolean => !SQS_INVALID.test(text);

/**
 * Text as SQS will carry it: every character SQS refuses (and every lone surrogate) becomes U+FFFD. Such text is
 * metadata (a name, an id, a type): its file must still be archived, so the text is repaired rather than refused.
 */
export const toSqsText = (text: string): string => text.replace(SQS_INVALID_ALL, '\uFFFD');

/** At most `max` UTF-16 units, never ending in half a surrogate pair, and valid for SQS. */
export function boundedSqsText(text: string, max: number): string {
  if (text.length <= max) return toSqsText(text);
  const cut = text.slice(0, max);
  return toSqsText(/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut);
}

/** The contract for a string a queue message carries: at most `max` UTF-16 units, all of them text SQS accepts. */
export const sqsText = (max: number) =>
  v.pipe(v.string(), v.maxLength(max), v.check(isSqsText, 'text holds characters SQS refuses'));
const id = v.pipe(sqsText(256), v.minLength(1));

/** Dixa's own checksum of a file (MessengerForm FileMeta), verified against the download. */
export const ChecksumSchema = v.strictObject({
  /** Lowercase, without punctuation: `sha256`, `sha1`, `md5`, ... */
  algorithm: v.pipe(v.string(), v.regex(/^[a-z0-9]{1,32}$/)),
  hex: v.pipe(v.string(), v.regex(/^[0-9a-f]{8,256}$/)),
});
export type Checksum = v.InferOutput<typeof ChecksumSchema>;
const csid = v.pipe(
  v.string(),
  v.regex(/^(0|[1-9]\d{0,19})$/, 'conversationId must be a numeric csid without leading zeros'),
);

export const FileJobSchema = v.strictObject({
  v: v.literal(1),
  url: v.pipe(v.string(), v.maxLength(MAX_URL_LENGTH)),
  visibility: v.picklist(['private', 'public']),
  kind: v.picklist(FILE_KINDS),
  orgId: v.optional(id),
  conversationId: csid,
  messageId: v.optional(id),
  eventId: v.optional(id),
  name: v.optional(sqsText(1024)),
  contentType: v.optional(sqsText(256)),
  createdAt: v.optional(sqsText(64)),
  /** Added within v1 (optional, so jobs without it stay valid): the checksum Dixa published for the file. */
  checksum: v.optional(ChecksumSchema),
  source: v.picklist(JOB_SOURCES),
});

export type FileJob = v.InferOutput<typeof FileJobSchema>;

export type JobParse = { ok: true; job: FileJob } | { ok: false; reason: string };

/**
 * Parses a queue message body. Beyond the schema, the link must still normalize to the files host and to the
 * visibility the job claims: a job is never trusted just because it came off our own queue.
 */
export function parseFileJob(body: string, files: FilesOrigin): JobParse {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'job body is not JSON' };
  }
  const parsed = v.safeParse(FileJobSchema, value);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = issue ? v.getDotPath(issue) : undefined;
    return { ok: false, reason: `invalid job${where ? ` at ${where}` : ''}: ${issue?.message ?? 'unknown'}` };
  }
  const link = normalizeLink(parsed.output.url, files);
  if (!link.ok) return { ok: false, reason: `invalid job link: ${link.reason}` };
  if (link.visibility !== parsed.output.visibility)
    return { ok: false, reason: 'job visibility does not match its link' };
  return { ok: true, job: { ...parsed.output, url: link.url } };
}
