/**
 * Writes a participants message into the people index (docs/storage-layout.md), under the tombstone rule:
 *   <prefix>/ledger/<csid>/people/<personKey>/<role>   first (erase finds the forward entries through these)
 *   <prefix>/people/<personKey>/<csid>/<role>          then
 * Both are empty, write-once objects: the key is the whole fact. Like a file, a message covered by an erasure is
 * not recorded; and once written, the ledger is read again: an erasure that started meanwhile had its tombstone in
 * place before it listed the index, so either it removed these entries or this check sees the tombstone and removes
 * the conversation's index entries itself.
 */
import type { Archive } from '../compliance/archive.ts';
import { erasureCovers, type Ledger, peopleIndexPrefixes, readLedger } from '../compliance/ledger.ts';
import { deleteAllUnder } from '../compliance/versions.ts';
import { ledgerPrefix, peopleRoot } from '../core/keys.ts';
import type { ParticipantsMessage } from '../core/participants.ts';
import { type ArchiveDeps, archiveOf } from './archive-file.ts';
import { retryable } from './failures.ts';

export type ParticipantsOutcome = { status: 'recorded'; entries: number } | { status: 'erased'; removed: number };

export function reverseKey(prefix: string, conversationId: string, personKey: string, role: string): string {
  return `${ledgerPrefix(prefix, conversationId)}people/${personKey}/${role}`;
}

export function forwardKey(prefix: string, personKey: string, conversationId: string, role: string): string {
  return `${peopleRoot(prefix)}${personKey}/${conversationId}/${role}`;
}

export async function recordParticipants(
  message: ParticipantsMessage,
  deps: ArchiveDeps,
): Promise<ParticipantsOutcome> {
  const archive = archiveOf(deps);
  const { conversationId } = message;
  if (erasureCovers(await readLedger(archive, conversationId), message.createdAt)) {
    return { status: 'erased', removed: 0 };
  }
  for (const { key, role } of message.people) {
    await deps.storage.putIfAbsent(reverseKey(archive.prefix, conversationId, key, role), '', 'text/plain');
    await deps.storage.putIfAbsent(forwardKey(archive.prefix, key, conversationId, role), '', 'text/plain');
  }
  const after = await readLedger(archive, conversationId);
  if (erasureCovers(after, message.createdAt)) return { status: 'erased', removed: await removeIndex(archive, after) };
  return { status: 'recorded', entries: message.people.length };
}

/** Every version of the conversation's index entries, both directions (what erase removes). */
async function removeIndex(archive: Archive, ledger: Ledger): Promise<number> {
  try {
    return await deleteAllUnder(archive.s3, archive.bucket, peopleIndexPrefixes(archive.prefix, ledger));
  } catch (error: unknown) {
    throw retryable(
      'erased-cleanup',
      `could not remove the index entries of an erased conversation: ${(error as Error).message}`,
    );
  }
}
