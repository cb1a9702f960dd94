/** `dixa-archiver list`: the archived files of some conversations, or of everything archived between two dates. */

import { UsageError } from '../../lambdas/commons/errors.ts';
import {
  type Archive,
  type ArchiveEntry,
  checkConversationId,
  displayName,
  readAllConversations,
  readConversation,
  type StoredObject,
} from '../../lambdas/compliance/archive.ts';
import { cannotBeInRange, type DateRange, inRange, parseDateRange } from '../../lambdas/compliance/date-range.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../shared/flags.ts';
import { type Column, formatBytes, printResult, say, wantsJson } from '../shared/output.ts';
import { S3_FLAGS, S3_FLAGS_HELP, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver list — show the archived files of conversations

Usage: dixa-archiver list --conversation <csid> [--conversation <csid>…] [options]
       dixa-archiver list --from <date> [--to <date>] [options]

Options:
  --conversation <csid>  a Dixa conversation id (repeat for several)
  --from <date>          files archived on or after this UTC date (2024-05-01) or time (2024-05-01T08:00:00Z)
  --to <date>            files archived up to this date (a bare date includes the whole day) or time
  --json                 print JSON even at a terminal (always JSON when piped)

${S3_FLAGS_HELP}

Shows, for every file: conversation, kind, original name, size, SHA-256 and when it was archived.
Files whose provenance record is missing or unreadable are listed with a note (dixa-archiver verify explains).

Examples:
  npx dixa-archiver list --conversation 1234 --bucket acme-dixa-archive
  npx dixa-archiver list --from 2024-05-01 --to 2024-05-31 --json > may.json
  npx dixa-archiver list --conversation 1234 --endpoint http://127.0.0.1:4569      (local mode)
`;

export interface ListedFile {
  conversationId: string;
  key: string;
  kind: string | null;
  name: string;
  size: number;
  sha256: string | null;
  archivedAt: string | null;
  note?: string;
}

const COLUMNS: Column<ListedFile>[] = [
  { header: 'CONVERSATION', value: (f) => f.conversationId },
  { header: 'KIND', value: (f) => f.kind ?? '-' },
  { header: 'NAME', value: (f) => f.name },
  { header: 'SIZE', value: (f) => formatBytes(f.size), align: 'right' },
  { header: 'SHA-256', value: (f) => f.sha256 ?? '-' },
  { header: 'ARCHIVED AT', value: (f) => f.archivedAt ?? '-' },
];
const NOTE: Column<ListedFile> = { header: 'NOTE', value: (f) => f.note ?? '' };

export const command: Command = {
  name: 'list',
  summary: 'list the archived files of conversations (or of a date range)',
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      ...S3_FLAGS,
      conversation: { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
    });
    const ids = flags.conversation?.map(checkConversationId);
    const range = parseDateRange(flags.from, flags.to);
    const dated = Boolean(range.from || range.before);
    if (!ids && !dated)
      throw new UsageError('give --conversation <csid> or --from/--to (see dixa-archiver list --help)');
    const archive = s3Target(flags);
    const files = await explainS3Errors(archive, () => listFiles(archive, ids, dated ? range : undefined));
    const json = wantsJson(flags.json);
    if (files.length === 0 && !json) say('No archived files found.');
    else printResult(files, files.some((f) => f.note) ? [...COLUMNS, NOTE] : COLUMNS, json);
    return 0;
  },
};

export async function listFiles(archive: Archive, ids: string[] | undefined, range?: DateRange): Promise<ListedFile[]> {
  const options = range ? { skipRecord: (record: StoredObject) => cannotBeInRange(range, record.lastModified) } : {};
  const wanted = (entries: ArchiveEntry[]) =>
    entries.filter((e) => !range || (e.record && inRange(range, e.record.archivedAt))).map(toListed);
  const files: ListedFile[] = [];
  if (ids) {
    for (const id of ids) files.push(...wanted(await readConversation(archive, id, options)));
  } else {
    for await (const { entries } of readAllConversations(archive, options)) files.push(...wanted(entries));
  }
  return files;
}

function toListed(entry: ArchiveEntry): ListedFile {
  const { record, file } = entry;
  const listed: ListedFile = {
    conversationId: entry.conversationId,
    key: entry.key,
    kind: record?.kind ?? null,
    name: displayName(entry),
    size: file?.size ?? record?.size ?? 0,
    sha256: record?.sha256 ?? null,
    archivedAt: record?.archivedAt ?? null,
  };
  if (!record) listed.note = `record ${entry.recordProblem}`;
  else if (!file) listed.note = 'file missing';
  return listed;
}
