/**
 * What `list` and the console's Find page show: one row per archived file, for some conversations or for everything
 * archived (or sent) within dates. Rows with an unusable record carry a note instead of being left out.
 */

import { parseDixaTimestamp } from '../core/extract.ts';
import type { ProvenanceRecord } from '../core/record.ts';
import { type Archive, type ArchiveEntry, displayName, readAllConversations, readConversation } from './archive.ts';
import { cannotBeInRange, type DateRange, inRange, isBounded } from './date-range.ts';

export interface ListedFile {
  conversationId: string;
  key: string;
  kind: string | null;
  name: string;
  /** The type it was archived with (from Dixa, else guessed from its name). */
  contentType: string | null;
  size: number;
  sha256: string | null;
  archivedAt: string | null;
  /** When the message that carried the file was created in Dixa (ISO, UTC), where known. */
  createdAt: string | null;
  note?: string;
}

export interface FileQuery {
  /** These conversations; every conversation when undefined. */
  conversations?: readonly string[] | undefined;
  /** Only files archived within this range. */
  archived?: DateRange | undefined;
  /**
   * Only files whose message was created within this range. A file whose record has no usable creation time counts
   * by its archive date: it is still found, and its empty `createdAt` shows why.
   */
  created?: DateRange | undefined;
}

export async function listFiles(archive: Archive, query: FileQuery): Promise<ListedFile[]> {
  const archived = query.archived && isBounded(query.archived) ? query.archived : undefined;
  const created = query.created && isBounded(query.created) ? query.created : undefined;
  // A record is written after its file was archived, which is after its message was created: either lower bound prunes.
  const earliest = [archived?.from, created?.from].filter((d) => d !== undefined).map(Number);
  const prune: DateRange = earliest.length > 0 ? { from: new Date(Math.min(...earliest)) } : {};
  const options = { skipRecord: (record: { lastModified?: Date }) => cannotBeInRange(prune, record.lastModified) };
  const wanted = (entries: ArchiveEntry[]) =>
    entries
      .filter((e) => !archived || (e.record && inRange(archived, e.record.archivedAt)))
      .filter((e) => !created || (e.record && inRange(created, messageDate(e.record) ?? e.record.archivedAt)))
      .map(toListed);
  const files: ListedFile[] = [];
  if (query.conversations) {
    for (const id of query.conversations) files.push(...wanted(await readConversation(archive, id, options)));
  } else {
    for await (const { entries } of readAllConversations(archive, options)) files.push(...wanted(entries));
  }
  return files;
}

/** When the file's message was created in Dixa, as ISO UTC (Dixa writes `…Z[GMT]`); undefined when not known. */
export function messageDate(record: ProvenanceRecord): string | undefined {
  return typeof record.createdAt === 'string' ? parseDixaTimestamp(record.createdAt) : undefined;
}

export function toListed(entry: ArchiveEntry): ListedFile {
  const { record, file } = entry;
  const listed: ListedFile = {
    conversationId: entry.conversationId,
    key: entry.key,
    kind: record?.kind ?? null,
    name: displayName(entry),
    contentType: record?.contentType ?? null,
    size: file?.size ?? record?.size ?? 0,
    sha256: record?.sha256 ?? null,
    archivedAt: record?.archivedAt ?? null,
    createdAt: (record && messageDate(record)) ?? null,
  };
  if (!record) listed.note = `record ${entry.recordProblem}`;
  else if (!file) listed.note = 'file missing';
  return listed;
}
