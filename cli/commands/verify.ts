/** `dixa-archiver verify`: re-hash archived files against their provenance records. */

import { UsageError } from '../../lambdas/commons/errors.ts';
import { type Archive, checkConversationId } from '../../lambdas/compliance/archive.ts';
import type { Finding } from '../../lambdas/compliance/findings.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import { readEntries, type VerifyReport, verifyEntries } from '../../lambdas/compliance/verify.ts';
import type { Command } from '../command.ts';
import { EXIT, exitCodesHelp, nothingArchived } from '../shared/exit-codes.ts';
import { parseFlags } from '../shared/flags.ts';
import { type Column, formatBytes, printResult, say, wantsJson } from '../shared/output.ts';
import { progressBar } from '../shared/progress.ts';
import { S3_FLAGS, S3_FLAGS_HELP, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver verify — check that archived files still match their provenance records

Usage: dixa-archiver verify --conversation <csid> [--conversation <csid>…] [options]
       dixa-archiver verify --all [options]

Options:
  --conversation <csid>  a Dixa conversation id (repeat for several)
  --all                  every conversation in the archive
  --json                 print the report as JSON even at a terminal

${S3_FLAGS_HELP}

Reads every file back from the bucket, recomputes its SHA-256 and size, and compares them with the record
stored beside it. Reports files without a record, records without a file, unreadable records, and size or
SHA-256 mismatches.

${exitCodesHelp({
  ok: 'every file matches its record',
  problem: 'a problem was found (listed), or the archive could not be read',
  nothing: 'nothing is archived for a conversation you named (the others are still verified), or at all (--all)',
})}

Examples:
  npx dixa-archiver verify --conversation 1234 --bucket acme-dixa-archive
  npx dixa-archiver verify --all --json > verify-report.json
`;

const COLUMNS: Column<Finding>[] = [
  { header: 'CONVERSATION', value: (f) => f.conversationId },
  { header: 'NAME', value: (f) => f.name },
  { header: 'PROBLEM', value: (f) => f.problem },
  { header: 'DETAIL', value: (f) => f.detail },
];

export const command: Command = {
  name: 'verify',
  summary: 'recompute SHA-256s and compare them with the provenance records',
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      ...S3_FLAGS,
      conversation: { type: 'string', multiple: true },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (flags.all && flags.conversation) throw new UsageError('give either --conversation or --all, not both');
    if (!flags.all && !flags.conversation) throw new UsageError('give --conversation <csid> or --all');
    const ids = flags.conversation?.map(checkConversationId);
    const archive = s3Target(flags);
    const { report, empty, nothing } = await explainS3Errors(archive, () => verifyArchive(archive, ids));
    const ok = report.findings.length === 0;
    if (wantsJson(flags.json)) {
      const { findings, ...counts } = report;
      process.stdout.write(
        `${JSON.stringify({ ok, ...counts, problems: findings, nothingArchivedFor: empty }, null, 2)}\n`,
      );
    } else if (!ok) {
      printResult(report.findings, COLUMNS, false);
    }
    if (empty.length > 0) say`${nothingArchived(archive, empty)}.`;
    if (nothing && !ids) say`Nothing is archived in s3://${archive.bucket}/${archive.prefix}/.`;
    const checked = `${report.files} file(s), ${formatBytes(report.bytes)} re-hashed`;
    if (!ok) {
      say`FAILED: ${report.findings.length} problem(s) in ${checked}.`;
      return EXIT.problem;
    }
    if (report.files > 0) say`OK: ${checked}; every file matches its record.`;
    return nothing || empty.length > 0 ? EXIT.nothingArchived : EXIT.ok;
  },
};

/** Verifies the named conversations (or all); `empty`: the named ones with nothing archived; `nothing`: no file at all. */
async function verifyArchive(
  archive: Archive,
  ids: string[] | undefined,
): Promise<{ report: VerifyReport; empty: string[]; nothing: boolean }> {
  const entries = await readEntries(archive, ids);
  const empty = (ids ?? []).filter((id) => !entries.some((entry) => entry.conversationId === id));
  const progress = progressBar(
    'Verifying',
    entries.reduce((sum, e) => sum + (e.file?.size ?? 0), 0),
  );
  try {
    const report = await verifyEntries(archive, entries, (bytes) => progress.advance(bytes));
    return { report, empty, nothing: entries.length === 0 };
  } finally {
    progress.stop();
  }
}
