/**
 * Turns what Dixa sends — webhooks, message API rows, Message Export rows — into file jobs.
 * Every link goes through normalizeLink; a link that fails is reported with its reason, never silently dropped.
 */
import * as v from 'valibot';
import { boundedSqsText, type Checksum, type FileJob, type FileKind, type JobSource } from './job.ts';
import { type FilesOrigin, normalizeLink } from './links.ts';

export const MESSAGE_ADDED = 'CONVERSATION_MESSAGE_ADDED';

export interface RejectedLink {
  /** Where in the source the link was found, e.g. `data.attachments[2]`. */
  field: string;
  /** The offending value, shortened for logs. */
  link: string;
  reason: string;
}

export interface Extraction {
  jobs: FileJob[];
  rejected: RejectedLink[];
}

/** One source item's worth of context shared by all its jobs. */
interface JobContext {
  conversationId: string;
  source: JobSource;
  orgId?: string;
  messageId?: string;
  eventId?: string;
  createdAt?: string;
}

interface Candidate {
  field: string;
  value: unknown;
  kind: FileKind;
  name?: string;
  contentType?: string;
  checksum?: Checksum;
  /** Set when the source item is already known to carry no usable link (e.g. an attachment without url). */
  problem?: string;
}

// Bounds of the FileJob contract (job.ts): optional metadata that does not fit is left out (names are cut short,
// characters SQS refuses become U+FFFD), never allowed to make an otherwise good job invalid.
const MAX_ID_LENGTH = 256;
const MAX_NAME_LENGTH = 1024;
const MAX_CONTENT_TYPE_LENGTH = 256;

function collect(candidates: Candidate[], context: JobContext, files: FilesOrigin): Extraction {
  const jobs: FileJob[] = [];
  const rejected: RejectedLink[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    const link = candidate.problem
      ? { ok: false as const, reason: candidate.problem }
      : normalizeLink(candidate.value, files);
    if (!link.ok) {
      rejected.push({ field: candidate.field, link: preview(candidate.value), reason: link.reason });
      continue;
    }
    if (seen.has(link.url)) continue;
    seen.add(link.url);
    jobs.push(
      dropUndefined({
        v: 1 as const,
        url: link.url,
        visibility: link.visibility,
        kind: candidate.kind,
        orgId: optionalId(context.orgId),
        conversationId: context.conversationId,
        messageId: optionalId(context.messageId),
        eventId: optionalId(context.eventId),
        name: candidate.name === undefined ? undefined : boundedSqsText(candidate.name, MAX_NAME_LENGTH),
        contentType: candidate.contentType === undefined ? undefined : boundedSqsText(candidate.contentType, 256),
        createdAt: context.createdAt === undefined ? undefined : boundedSqsText(context.createdAt, 64),
        checksum: candidate.checksum,
        source: context.source,
      }),
    );
  }
  return { jobs, rejected };
}

// ---------------------------------------------------------------------------------------------- webhooks

const text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const csidSchema = v.union([
  v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)),
  v.pipe(v.string(), v.regex(/^\d{1,20}$/)),
]);

/** The envelope every Dixa webhook shares. Unknown fields are allowed; known ones must have the right type. */
export const WebhookEnvelopeSchema = v.looseObject({
  event_id: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  event_fqn: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  event_version: v.optional(v.union([text(16), v.number()])),
  event_timestamp: v.optional(text(64)),
  organization: v.optional(v.looseObject({ id: text(128), name: v.optional(v.nullable(v.string())) })),
  data: v.looseObject({}),
});

const MessageAddedDataSchema = v.looseObject({
  conversation: v.looseObject({ csid: csidSchema }),
  message_id: v.optional(v.nullable(text(256))),
  created_at: v.optional(v.nullable(text(64))),
  attachments: v.optional(v.nullable(v.array(v.unknown()))),
  content: v.optional(v.nullable(v.looseObject({ original_content_url: v.optional(v.nullable(v.unknown())) }))),
});

export type WebhookEnvelope = v.InferOutput<typeof WebhookEnvelopeSchema>;

export type EnvelopeParse = { ok: true; envelope: WebhookEnvelope } | { ok: false; reason: string };

export function parseWebhookEnvelope(value: unknown): EnvelopeParse {
  const parsed = v.safeParse(WebhookEnvelopeSchema, value);
  if (parsed.success) return { ok: true, envelope: parsed.output };
  return { ok: false, reason: describeIssue(parsed.issues[0]) };
}

export type WebhookExtraction = ({ ok: true; ignored: boolean } & Extraction) | { ok: false; reason: string };

/** Jobs from a webhook. Events other than CONVERSATION_MESSAGE_ADDED carry no files: `ignored`, not an error. */
export function extractFromWebhook(envelope: WebhookEnvelope, files: FilesOrigin): WebhookExtraction {
  if (envelope.event_fqn !== MESSAGE_ADDED) return { ok: true, ignored: true, jobs: [], rejected: [] };
  const parsed = v.safeParse(MessageAddedDataSchema, envelope.data);
  if (!parsed.success) return { ok: false, reason: describeIssue(parsed.issues[0], 'data') };
  const data = parsed.output;
  const candidates: Candidate[] = (data.attachments ?? []).map((element, i) =>
    attachmentCandidate(element, `data.attachments[${i}]`, 'attachment'),
  );
  const original = data.content?.original_content_url;
  if (original !== undefined && original !== null) {
    candidates.push(attachmentCandidate(original, 'data.content.original_content_url', 'original-email'));
  }
  const context: JobContext = {
    conversationId: canonicalCsid(data.conversation.csid),
    source: 'webhook',
    orgId: envelope.organization?.id,
    messageId: data.message_id ?? undefined,
    eventId: envelope.event_id,
    createdAt: data.created_at ?? envelope.event_timestamp,
  };
  return { ok: true, ignored: false, ...collect(candidates, context, files) };
}

/**
 * One file in any of the shapes seen: a bare link, a `File` `{url, prettyName}`, `{url, pretty_name}`,
 * `{url, name, contentType}`, or a MessengerForm `FileMeta` `{url, name, mediaType, bytesLength, checksum}`.
 */
function attachmentCandidate(element: unknown, field: string, kind: FileKind): Candidate {
  if (typeof element === 'string') return { field, value: element, kind };
  if (element === null || typeof element !== 'object' || Array.isArray(element)) {
    return { field, value: element, kind };
  }
  const record = element as Record<string, unknown>;
  const name = firstString(record.prettyName, record.pretty_name, record.name, record.fileName, record.filename);
  const contentType = firstString(record.contentType, record.content_type, record.mimeType, record.mediaType);
  return {
    field: `${field}.url`,
    value: record.url,
    kind,
    name,
    contentType: contentType && contentType.length <= MAX_CONTENT_TYPE_LENGTH ? contentType : undefined,
    checksum: dixaChecksum(record.checksum),
    problem: record.url == null ? 'attachment has no url' : undefined,
  };
}

const CHECKSUM_ALGORITHMS: Record<string, string> = { sha256: 'sha256', sha1: 'sha1', md5: 'md5', sha512: 'sha512' };

/** FileMeta's `checksum { algorithm, hex }`, spelled one way (`SHA-256` → `sha256`); anything malformed is left out. */
function dixaChecksum(value: unknown): Checksum | undefined {
  if (!isRecord(value) || typeof value.algorithm !== 'string' || typeof value.hex !== 'string') return undefined;
  const algorithm = value.algorithm.toLowerCase().replace(/[^a-z0-9]/g, '');
  const hex = value.hex.trim().toLowerCase();
  if (!/^[a-z0-9]{1,32}$/.test(algorithm) || !/^[0-9a-f]{8,256}$/.test(hex)) return undefined;
  return { algorithm: CHECKSUM_ALGORITHMS[algorithm] ?? algorithm, hex };
}

// ---------------------------------------------------------------------------------------------- message API

export interface MessageApiRow {
  id?: unknown;
  createdAt?: unknown;
  attributes?: unknown;
}

/**
 * Jobs from `GET /v1/conversations/{csid}/messages` rows: attachments, inline images, original e-mails (a `File` or
 * a bare link), e-mail content stored as a file (`TooLarge`), MessengerForm file answers, recordings.
 */
export function extractFromMessageApi(
  conversationId: string | number,
  rows: unknown[],
  files: FilesOrigin,
): Extraction {
  const all: Extraction = { jobs: [], rejected: [] };
  if (!isCsid(conversationId)) {
    const reason = 'conversation id is not a numeric csid';
    return { jobs: [], rejected: [{ field: 'conversationId', link: preview(conversationId), reason }] };
  }
  rows.forEach((row, i) => {
    if (row === null || typeof row !== 'object') {
      all.rejected.push({ field: `data[${i}]`, link: preview(row), reason: 'message is not an object' });
      return;
    }
    const message = row as MessageApiRow;
    const attributes = (isRecord(message.attributes) ? message.attributes : {}) as Record<string, unknown>;
    const at = `data[${i}].attributes`;
    const candidates: Candidate[] = [
      ...arrayOf(attributes.attachments).map((a, j) => attachmentCandidate(a, `${at}.attachments[${j}]`, 'attachment')),
      ...arrayOf(attributes.inlineImages).map((a, j) =>
        attachmentCandidate(a, `${at}.inlineImages[${j}]`, 'inline-image'),
      ),
    ];
    if (attributes.originalContentUrl != null) {
      candidates.push(attachmentCandidate(attributes.originalContentUrl, `${at}.originalContentUrl`, 'original-email'));
    }
    const emailContent = attributes.emailContent;
    if (isRecord(emailContent) && emailContent._type === 'TooLarge') {
      candidates.push(attachmentCandidate(emailContent.file, `${at}.emailContent.file`, 'email-content'));
    }
    if (isRecord(attributes.formSubmission)) {
      const values = `${at}.formSubmission.values`;
      for (const [path, meta] of fileMetas(attributes.formSubmission.values, values)) {
        candidates.push(attachmentCandidate(meta, path, 'attachment'));
      }
    }
    if (attributes._type === 'CallRecordingAttributes' && attributes.recording != null) {
      candidates.push({ field: `${at}.recording`, value: attributes.recording, kind: 'recording' });
    }
    const one = collect(
      candidates,
      {
        conversationId: canonicalCsid(conversationId),
        source: 'messages-api',
        messageId: idString(message.id),
        createdAt: typeof message.createdAt === 'string' ? parseDixaTimestamp(message.createdAt) : undefined,
      },
      files,
    );
    all.jobs.push(...one.jobs);
    all.rejected.push(...one.rejected);
  });
  return all;
}

const MAX_FORM_DEPTH = 4;
const MAX_FORM_FILES = 100;

/**
 * The FileMeta objects in a MessengerForm submission's values (`{ url, name?, mediaType?, bytesLength?, checksum? }`),
 * wherever they sit: the exact nesting of `values` is not documented, so arrays and objects are searched a few levels
 * deep (bounded, so a hostile form cannot make this walk expensive).
 */
function fileMetas(value: unknown, field: string, depth = 0, found: [string, unknown][] = []): [string, unknown][] {
  if (depth > MAX_FORM_DEPTH || found.length >= MAX_FORM_FILES) return found;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) fileMetas(item, `${field}[${i}]`, depth + 1, found);
  } else if (isRecord(value)) {
    const looksLikeFileMeta =
      'url' in value && ('checksum' in value || 'bytesLength' in value || 'mediaType' in value || 'name' in value);
    if (looksLikeFileMeta) found.push([field, value]);
    else for (const [key, item] of Object.entries(value)) fileMetas(item, `${field}.${key}`, depth + 1, found);
  }
  return found;
}

/** `2021-12-01T12:46:36.581Z[GMT]` → `2021-12-01T12:46:36.581Z` (undefined when unparseable). */
export function parseDixaTimestamp(value: string): string | undefined {
  const date = new Date(value.replace(/\[[^\]]*\]$/, ''));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

// ---------------------------------------------------------------------------------------------- Message Export

/** Jobs from one Message Export row: `attached_files[]`, `recording_url`, `voicemail_url`. */
export function extractFromExport(row: unknown, files: FilesOrigin, field = 'row'): Extraction {
  if (!isRecord(row)) return { jobs: [], rejected: [{ field, link: preview(row), reason: 'row is not an object' }] };
  const csid = row.csid;
  if (!isCsid(csid)) {
    return { jobs: [], rejected: [{ field: `${field}.csid`, link: preview(csid), reason: 'row has no valid csid' }] };
  }
  const candidates: Candidate[] = arrayOf(row.attached_files).map((value, j) => ({
    field: `${field}.attached_files[${j}]`,
    value,
    kind: 'attachment' as const,
  }));
  if (row.recording_url != null)
    candidates.push({ field: `${field}.recording_url`, value: row.recording_url, kind: 'recording' });
  if (row.voicemail_url != null)
    candidates.push({ field: `${field}.voicemail_url`, value: row.voicemail_url, kind: 'voicemail' });
  const createdAt =
    typeof row.created_at === 'number' && Number.isFinite(row.created_at) ? new Date(row.created_at) : undefined;
  return collect(
    candidates,
    {
      conversationId: canonicalCsid(csid),
      source: 'export',
      messageId: idString(row.id),
      createdAt: createdAt && !Number.isNaN(createdAt.getTime()) ? createdAt.toISOString() : undefined,
    },
    files,
  );
}

// ---------------------------------------------------------------------------------------------- helpers

function describeIssue(issue: v.BaseIssue<unknown> | undefined, base?: string): string {
  if (!issue) return 'invalid payload';
  const path = v.getDotPath(issue);
  const where = [base, path].filter(Boolean).join('.');
  return where ? `${where}: ${issue.message}` : issue.message;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A Dixa conversation id: a non-negative integer, as a number or a numeric string (the job carries the string). */
const isCsid = (value: unknown): value is number | string =>
  (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
  (typeof value === 'string' && /^\d{1,20}$/.test(value));

/** One spelling per conversation: `"00012"` and `12` are the same csid and must share one S3 prefix. */
export const canonicalCsid = (value: number | string): string => BigInt(value).toString();

/** An id as the job contract carries it: a 1–256 character string (integers are accepted and stringified). */
function idString(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return typeof value === 'string' ? optionalId(value) : undefined;
}

const optionalId = (value: string | undefined): string | undefined =>
  value !== undefined && value.length >= 1 && value.length <= MAX_ID_LENGTH
    ? boundedSqsText(value, MAX_ID_LENGTH)
    : undefined;

const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : value == null ? [] : [value]);

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value.trim() !== '') return value;
  return undefined;
}

function preview(value: unknown): string {
  let s: string;
  try {
    s = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    // Nested too deeply for JSON.stringify's recursion (a 1 MiB body can nest ~500k levels): describe, do not crash.
    s = Array.isArray(value) ? '[deeply nested array]' : '[deeply nested object]';
  }
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
