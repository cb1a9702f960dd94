/**
 * One meaning of every exit code across the compliance commands (list, get, verify, erase), written into each
 * one's --help. "Nothing is archived" for a conversation someone named is an answer, not a failure: the command
 * says so in one line and exits 3, so a script can tell it from success (0) and from a problem (1) — a typo in a
 * csid must not look like a verified or erased conversation.
 */
import type { Archive } from '../../lambdas/compliance/archive.ts';

export const EXIT = {
  ok: 0,
  problem: 1,
  usage: 2,
  nothingArchived: 3,
  /** backfill: every window or conversation done, but some file links were rejected (their files are not archived). */
  linksRejected: 4,
} as const;

export function exitCodesHelp(meaning: { ok: string; problem: string; nothing: string }): string {
  return `Exit codes:
  0  ${meaning.ok}
  1  ${meaning.problem}
  2  the command was typed wrong (nothing was done)
  3  ${meaning.nothing}`;
}

/** `Nothing is archived for conversation 4711 in s3://bucket/dixa/` (no final period: callers may go on). */
export function nothingArchived(archive: Archive, conversationIds: readonly string[]): string {
  const which = conversationIds.length === 1 ? 'conversation' : 'conversations';
  return `Nothing is archived for ${which} ${conversationIds.join(', ')} in s3://${archive.bucket}/${archive.prefix}/`;
}
