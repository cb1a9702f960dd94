/** Re-hashes archived files against their provenance records. */
import { mapLimit } from '../commons/map-limit.ts';
import { type Archive, type ArchiveEntry, displayName, readAllConversations, readConversation } from './archive.ts';
import { digestFinding, entryFinding, type Finding } from './findings.ts';
import { hashObject } from './hash.ts';

export interface VerifyReport {
  files: number;
  bytes: number;
  findings: Finding[];
}

const FILES_IN_FLIGHT = 4;

/** The entries to verify: of these conversations, or of every conversation when `ids` is undefined. */
export async function readEntries(archive: Archive, ids: readonly string[] | undefined): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  if (ids) {
    for (const id of ids) entries.push(...(await readConversation(archive, id)));
  } else {
    for await (const conversation of readAllConversations(archive)) entries.push(...conversation.entries);
  }
  return entries;
}

export async function verifyEntries(
  archive: Archive,
  entries: readonly ArchiveEntry[],
  onBytes: (bytes: number) => void = () => {},
): Promise<VerifyReport> {
  const checked = await mapLimit(entries, FILES_IN_FLIGHT, async (entry) => {
    const early = entryFinding(entry);
    if (early) return { finding: early, bytes: 0 };
    try {
      const digest = await hashObject(archive, entry.key, { onBytes });
      return { finding: digestFinding(entry, digest), bytes: digest.bytes };
    } catch (error: unknown) {
      if ((error as Error).name !== 'NoSuchKey') throw error;
      const finding: Finding = {
        conversationId: entry.conversationId,
        key: entry.key,
        name: displayName(entry),
        problem: 'missing-file',
        detail: `the file ${entry.key} disappeared while verifying`,
      };
      return { finding, bytes: 0 };
    }
  });
  return {
    files: entries.length,
    bytes: checked.reduce((sum, c) => sum + c.bytes, 0),
    findings: checked.flatMap((c) => (c.finding ? [c.finding] : [])),
  };
}
