/** `dixa-archiver list`: the archived files of some conversations, or of a period (message date or archive date). */

import { UsageError } from '../../lambdas/commons/errors.ts';
import { checkConversationId } from '../../lambdas/compliance/archive.ts';
import { type DateRange, isBounded, parseDateRange } from '../../lambdas/compliance/date-range.ts';
import { type FileQuery, type ListedFile, listFiles } from '../../lambdas/compliance/listing.ts';
import { describeSearch, type PersonSelector, searchManifest } from '../../lambdas/compliance/people.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import type { Command } from '../command.ts';
import { EXIT, exitCodesHelp, nothingArchived } from '../shared/exit-codes.ts';
import { parseFlags } from '../shared/flags.ts';
import { type Column, formatBytes, printResult, say, wantsJson } from '../shared/output.ts';
import {
  foundInText,
  PERSON_FLAGS,
  PERSON_FLAGS_HELP,
  type PersonFlags,
  searchPerson,
  selectedPerson,
} from '../shared/person.ts';
import { S3_FLAGS, S3_FLAGS_HELP, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver list — show the archived files of conversations, or of a period

Usage: dixa-archiver list --conversation <csid> [--conversation <csid>…] [options]
       dixa-archiver list --email <address> | --phone <number> | --external-id <id> [--archive-index-only] [options]
       dixa-archiver list --from <date> [--to <date>] [options]
       dixa-archiver list --archived-from <date> [--archived-to <date>] [options]

Options:
  --conversation <csid>    a Dixa conversation id (repeat for several)
  --from <date>            files of messages created on or after this UTC date (2024-05-01) or time
                           (2024-05-01T08:00:00Z); a file whose record has no creation time counts by its archive date
  --to <date>              ... created up to this date (a bare date includes the whole day) or time
  --archived-from <date>   files archived (stored in the bucket) on or after this date or time
  --archived-to <date>     files archived up to this date or time
  --json                   print JSON even at a terminal (always JSON when piped)

${PERSON_FLAGS_HELP}

${S3_FLAGS_HELP}

Shows, for every file: conversation, kind, original name, size, SHA-256, the date of its message in Dixa and
when it was archived. The filters combine: --conversation with --from/--to lists that conversation's files of the
period. After a backfill every file has the backfill's archive date; --from/--to still find them by their date.
Files whose provenance record is missing or unreadable are listed with a note (dixa-archiver verify explains).
For a person, a FOUND IN column says where each conversation was found, a conversation found with nothing archived
gets a line of its own, and --from/--to narrow the person's files to a period. A person found nowhere is an answer
too (exit 0): the output names the sources searched.

${exitCodesHelp({
  ok: 'the files were listed (for a person: also when nothing was found)',
  problem: 'the archive could not be read, or Dixa could not be asked',
  nothing: 'nothing is archived for a conversation you named, or in the period (the rest is still listed)',
})}

Examples:
  npx dixa-archiver list --conversation 1234 --bucket acme-dixa-archive
  npx dixa-archiver list --email jane@example.com --bucket acme-dixa-archive      (DIXA_API_TOKEN set)
  npx dixa-archiver list --phone "+45 12 34 56 78" --archive-index-only --bucket acme-dixa-archive
  npx dixa-archiver list --from 2024-05-01 --to 2024-05-31 --json > may.json
  npx dixa-archiver list --archived-from 2026-11-01 --json > archived-this-month.json
  npx dixa-archiver list --conversation 1234 --endpoint http://127.0.0.1:4569      (local mode)
`;

const COLUMNS: Column<ListedFile>[] = [
  { header: 'CONVERSATION', value: (f) => f.conversationId },
  { header: 'KIND', value: (f) => f.kind ?? '-' },
  { header: 'NAME', value: (f) => f.name },
  { header: 'SIZE', value: (f) => formatBytes(f.size), align: 'right' },
  { header: 'SHA-256', value: (f) => f.sha256 ?? '-' },
  { header: 'MESSAGE DATE', value: (f) => f.createdAt ?? '-' },
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
      'archived-from': { type: 'string' },
      'archived-to': { type: 'string' },
      json: { type: 'boolean' },
      ...PERSON_FLAGS,
    });
    const person = selectedPerson(flags);
    const ids = flags.conversation?.map(checkConversationId);
    const query: FileQuery = {
      conversations: ids,
      created: parseDateRange(flags.from, flags.to),
      archived: parseDateRange(flags['archived-from'], flags['archived-to'], {
        from: '--archived-from',
        to: '--archived-to',
      }),
    };
    if (person) return listPerson(person, query, flags);
    if (!ids && !isBounded(query.created!) && !isBounded(query.archived!)) {
      throw new UsageError(
        'give --conversation <csid>, --email/--phone/--external-id, --from/--to or --archived-from/--archived-to ' +
          '(see dixa-archiver list --help)',
      );
    }
    const archive = s3Target(flags);
    const files = await explainS3Errors(archive, () => listFiles(archive, query));
    const json = wantsJson(flags.json);
    if (files.length > 0 || json) printResult(files, files.some((f) => f.note) ? [...COLUMNS, NOTE] : COLUMNS, json);
    const empty = ids ? ids.filter((id) => !files.some((f) => f.conversationId === id)) : files.length ? [] : ['*'];
    if (empty.length === 0) return EXIT.ok;
    const period = describePeriod(query);
    if (ids) say`${nothingArchived(archive, empty)}${period ? ` ${period}` : ''}.`;
    else say`Nothing is archived in s3://${archive.bucket}/${archive.prefix}/ ${period}.`;
    return EXIT.nothingArchived;
  },
};

const FOUND_IN_HEADER = 'FOUND IN';

/**
 * A person's files, with where each conversation was found; JSON nests the files under the search's conversations.
 * A person found nowhere is an answer that names the sources searched (exit 0).
 */
async function listPerson(
  person: PersonSelector,
  query: FileQuery,
  flags: Parameters<typeof s3Target>[0] & PersonFlags & { json?: boolean | undefined },
): Promise<number> {
  const archive = s3Target(flags);
  const search = await searchPerson(archive, person, flags);
  say`${describeSearch(search)}`;
  const ids = search.conversations.map((c) => c.conversationId);
  const files =
    ids.length > 0 ? await explainS3Errors(archive, () => listFiles(archive, { ...query, conversations: ids })) : [];
  const foundIn = new Map(search.conversations.map((c) => [c.conversationId, foundInText(c, search)]));
  if (wantsJson(flags.json)) {
    const manifest = searchManifest(search);
    const conversations = manifest.conversations.map((c) => ({
      ...c,
      files: files.filter((f) => f.conversationId === c.conversationId),
    }));
    process.stdout.write(`${JSON.stringify({ ...manifest, conversations }, null, 2)}\n`);
  } else if (files.length > 0) {
    const columns = [...COLUMNS, ...(files.some((f) => f.note) ? [NOTE] : [])];
    const found: Column<ListedFile> = { header: FOUND_IN_HEADER, value: (f) => foundIn.get(f.conversationId) ?? '' };
    printResult(files, [...columns, found], false);
  }
  const empty = ids.filter((id) => !files.some((f) => f.conversationId === id));
  const period = describePeriod(query);
  for (const id of empty) {
    say`Conversation ${id} (found in ${foundIn.get(id)}): nothing is archived for it${period ? ` ${period}` : ''}.`;
  }
  return EXIT.ok;
}

function describePeriod(query: FileQuery): string {
  const between = (range: DateRange) =>
    [range.from && `from ${range.from.toISOString()}`, range.before && `before ${range.before.toISOString()}`]
      .filter(Boolean)
      .join(' ');
  return [
    query.created && isBounded(query.created) && `for messages ${between(query.created)}`,
    query.archived && isBounded(query.archived) && `archived ${between(query.archived)}`,
  ]
    .filter(Boolean)
    .join(' and ');
}
