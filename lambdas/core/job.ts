/**
 * The file job: one message on the queue, one file to archive. Versioned, validated on both ends.
 */
import * as v from 'valibot';
import { type FilesOrigin, MAX_URL_LENGTH, normalizeLink } from './links.ts';

export const FILE_KINDS = ['attachment', 'recording', 'voicemail', 'inline-image', 'original-email'] as const;
export const JOB_SOURCES = ['webhook', 'export', 'messages-api'] as const;
export type FileKind = (typeof FILE_KINDS)[number];
export type JobSource = (typeof JOB_SOURCES)[number];

const id = v.pipe(v.string(), v.minLength(1), v.maxLength(256));
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
  name: v.optional(v.pipe(v.string(), v.maxLength(1024))),
  contentType: v.optional(v.pipe(v.string(), v.maxLength(256))),
  createdAt: v.optional(v.pipe(v.string(), v.maxLength(64))),
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
