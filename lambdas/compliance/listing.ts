/**
 * What `list` and the console's Find page show: one row per archived file, for some conversations or for everything
 * archived (or sent) within dates. Rows with an unusable record carry a note instead of being left out.
 */
import { type Archive, type ArchiveEntry, displayName, readAllConversations, readConversation } from './archive.ts';
import { cannotBeInRange, type DateRange, inRange } from './date-range.ts';

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
  /** When the message that carried the file was created in Dixa, where known. */
  createdAt: string | null;
  note?: string;
}

export interface FileQuery {
  /** These conversations; every conversation when undefined. */
  conversations?: readonly string[] | undefined;
  /** Only files archived within this range. */
  archived?: DateRange | undefined;
  /** Only files whose message was created within this range (files without a known creation time are left out). */
  created?: DateRange | undefined;
}

export async function listFiles(archive: Archive, query: FileQuery): Promise<ListedFile[]> {
  const { archived, created } = query;
  const options = archived
    ? { skipRecord: (record: { lastModified?: Date }) => cannotBeInRange(archived, record.lastModified) }
    : {};
  const wanted = (entries: ArchiveEntry[]) =>
    entries
      .filter((e) => !archived || (e.record && inRange(archived, e.record.archivedAt)))
      .filter((e) => !created || (e.record?.createdAt && inRange(created, e.record.createdAt)))
      .map(toListed);
  const files: ListedFile[] = [];
  if (query.conversations) {
    for (const id of query.conversations) files.push(...wanted(await readConversation(archive, id, options)));
  } else {
    for await (const { entries } of readAllConversations(archive, options)) files.push(...wanted(entries));
  }
  return files;
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
    createdAt: record?.createdAt ?? null,
  };
  if (!record) listed.note = `record ${entry.recordProblem}`;
  else if (!file) listed.note = 'file missing';
  return listed;
}
