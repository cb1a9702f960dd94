/**
 * The job queue carries two message types, validated on both ends: a file job (job.ts) and a participants message
 * (participants.ts). One parser tells them apart by the participants message's `type`.
 */
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
