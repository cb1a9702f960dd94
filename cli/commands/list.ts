/** `dixa-archiver list`: the archived files of some conversations, or of everything archived between two dates. */

import { UsageError } from '../../lambdas/commons/errors.ts';
import { checkConversationId } from '../../lambdas/compliance/archive.ts';
import { parseDateRange } from '../../lambdas/compliance/date-range.ts';
import { type ListedFile, listFiles } from '../../lambdas/compliance/listing.ts';
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
    const files = await explainS3Errors(archive, () =>
      listFiles(archive, { conversations: ids, archived: dated ? range : undefined }),
    );
    const json = wantsJson(flags.json);
    if (files.length === 0 && !json) say('No archived files found.');
    else printResult(files, files.some((f) => f.note) ? [...COLUMNS, NOTE] : COLUMNS, json);
    return 0;
  },
};
