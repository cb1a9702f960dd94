/**
 * The job queue carries two message types, validated on both ends: a file job (job.ts) and a participants message
 * (participants.ts). One parser tells them apart by the participants message's `type`.
 */
import type { RejectedLink } from './extract.ts';
import { type FileJob, parseFileJob } from './job.ts';
import type { FilesOrigin } from './links.ts';
import { isParticipantsBody, type ParticipantsMessage, parseParticipants } from './participants.ts';

/** Either message on the job queue: a file to archive, or who took part in a conversation (participants.ts). */
export type QueueMessage = FileJob | ParticipantsMessage;

export type QueueMessageParse =
  | { ok: true; kind: 'file'; job: FileJob }
  | { ok: true; kind: 'participants'; message: ParticipantsMessage }
  | { ok: false; reason: string };

export function parseQueueMessage(body: string, files: FilesOrigin): QueueMessageParse {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'job body is not JSON' };
  }
  if (isParticipantsBody(value)) {
    const parsed = parseParticipants(value);
    return parsed.ok ? { ok: true, kind: 'participants', message: parsed.message } : parsed;
  }
  const parsed = parseFileJob(body, files);
  return parsed.ok ? { ok: true, kind: 'file', job: parsed.job } : parsed;
}

/** A file job, not a participants message. */
export const isFileJob = (message: QueueMessage): message is FileJob => !isParticipantsBody(message);

/** A message the job queue refused for its content, even bare: it is not on the queue. */
export interface RefusedJob {
  job: QueueMessage;
  /** SQS's code and message, e.g. `InvalidMessageContents: Invalid characters found...`. */
  reason: string;
}

/**
 * The message without what came with it, all of it ASCII (checked by the contracts): a file job's link, identity
 * and origin; a participants message without its time (the archiver then treats it as covered by any erasure of
 * the conversation, as it does a file job without one).
 */
export function bareMessage(message: QueueMessage): QueueMessage {
  if (!isFileJob(message)) {
    const { createdAt: _, ...bare } = message;
    return bare;
  }
  const { v, url, visibility, kind, conversationId, source, checksum } = message;
  return { v, url, visibility, kind, conversationId, source, ...(checksum ? { checksum } : {}) };
}

/** A message the queue refused even bare, as the rejected entry the caller reports (it will never be archived). */
export function refusalReport({ job, reason }: RefusedJob): RejectedLink {
  return isFileJob(job)
    ? { field: 'job queue', link: job.url, reason: `the job queue refused the job: ${reason}` }
    : {
        field: 'job queue',
        link: `participants of conversation ${job.conversationId}`,
        reason: `the job queue refused who took part (not in the people index): ${reason}`,
      };
}
