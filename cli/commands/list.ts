/** `dixa-archiver list`: the archived files of some conversations, or of a period (message date or archive date). */

import { UsageError } from '../../lambdas/commons/errors.ts';
import { checkConversationId } from '../../lambdas/compliance/archive.ts';
import { type DateRange, isBounded, parseDateRange } from '../../lambdas/compliance/date-range.ts';
import { type FileQuery, type ListedFile, listFiles } from '../../lambdas/compliance/listing.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import type { Command } from '../command.ts';
import { EXIT, exitCodesHelp, nothingArchived } from '../shared/exit-codes.ts';
import { parseFlags } from '../shared/flags.ts';
import { type Column, formatBytes, printResult, say, wantsJson } from '../shared/output.ts';
import { S3_FLAGS, S3_FLAGS_HELP, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver list — show the archived files of conversations, or of a period

Usage: dixa-archiver list --conversation <csid> [--conversation <csid>…] [options]
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

${S3_FLAGS_HELP}

Shows, for every file: conversation, kind, original name, size, SHA-256, the date of its message in Dixa and
when it was archived. The filters combine: --conversation with --from/--to lists that conversation's files of the
period. After a backfill every file has the backfill's archive date; --from/--to still find them by their date.
Files whose provenance record is missing or unreadable are listed with a note (dixa-archiver verify explains).

${exitCodesHelp({
  ok: 'the files were listed',
  problem: 'the archive could not be read',
  nothing: 'nothing is archived for a conversation you named, or in the period (the rest is still listed)',
})}

Examples:
  npx dixa-archiver list --conversation 1234 --bucket acme-dixa-archive
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
    });
    const ids = flags.conversation?.map(checkConversationId);
    const query: FileQuery = {
      conversations: ids,
      created: parseDateRange(flags.from, flags.to),
      archived: parseDateRange(flags['archived-from'], flags['archived-to'], {
        from: '--archived-from',
        to: '--archived-to',
      }),
    };
    if (!ids && !isBounded(query.created!) && !isBounded(query.archived!)) {
      throw new UsageError(
        'give --conversation <csid>, --from/--to or --archived-from/--archived-to (see dixa-archiver list --help)',
      );
    }
    const archive = s3Target(flags);
    const files = await explainS3Errors(archive, () => listFiles(archive, query));
    const json = wantsJson(flags.json);
    if (files.length > 0 || json) printResult(files, files.some((f) => f.note) ? [...COLUMNS, NOTE] : COLUMNS, json);
    const empty = ids ? ids.filter((id) => !files.some((f) => f.conversationId === id)) : files.length ? [] : ['*'];
    if (empty.length === 0) return EXIT.ok;
    const period = describePeriod(query);
    say(
      ids
        ? `${nothingArchived(archive, empty)}${period ? ` ${period}` : ''}.`
        : `Nothing is archived in s3://${archive.bucket}/${archive.prefix}/ ${period}.`,
    );
    return EXIT.nothingArchived;
  },
};

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
