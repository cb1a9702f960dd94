/** `dixa-archiver get`: export one conversation's files, verified, with a manifest of their provenance. */
import { resolve } from 'node:path';
import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import { checkConversationId } from '../../lambdas/compliance/archive.ts';
import {
  type ExportedFile,
  exportConversation,
  exportConversations,
  MANIFEST_NAME,
} from '../../lambdas/compliance/export.ts';
import type { Finding } from '../../lambdas/compliance/findings.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import type { Command } from '../command.ts';
import { EXIT, exitCodesHelp, nothingArchived } from '../shared/exit-codes.ts';
import { parseFlags } from '../shared/flags.ts';
import { out, say, wantsJson } from '../shared/output.ts';
import { type Progress, progressBar } from '../shared/progress.ts';
import { S3_FLAGS, S3_FLAGS_HELP, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver get — export a conversation's files to a folder, verifying every one

Usage: dixa-archiver get --conversation <csid> [--conversation <csid>…] --out <folder> [options]

Options:
  --conversation <csid>  the Dixa conversation id (repeat for several: one folder each, named by its id, and one
                         top-level ${MANIFEST_NAME} for all of them)
  --out <folder>         where to save the files (created if needed; must be empty)
  --json                 print the result as JSON even at a terminal

${S3_FLAGS_HELP}

Every file is saved under the name it had in Dixa (made safe for any file system; "name (2).pdf" when two
files share a name), and ${MANIFEST_NAME} lists each file's provenance record: where it came from, when it was
archived, its size and SHA-256. Each file's SHA-256 is recomputed while it downloads; a file that does not match
its record is not saved, and the command ends with an error naming it (${MANIFEST_NAME} then says
"complete": false and lists the problem). If the export fails part way (e.g. the connection drops), what was
written is removed again, so the same command can be run again.

${exitCodesHelp({
  ok: 'every file was exported and matches its record',
  problem: 'a file failed verification (not saved; see the manifest), or the export failed (nothing kept)',
  nothing: 'nothing is archived for the conversation(s): nothing was written, no folder, no manifest',
})}

Examples:
  npx dixa-archiver get --conversation 1234 --out ./export-1234 --bucket acme-dixa-archive
  npx dixa-archiver get --conversation 1234 --out ./export-1234 --endpoint http://127.0.0.1:4569   (local mode)
`;

export const command: Command = {
  name: 'get',
  summary: "export a conversation's files with a provenance manifest, verifying each SHA-256",
  help,
  async run(argv) {
    const flags = parseFlags(argv, {
      ...S3_FLAGS,
      conversation: { type: 'string', multiple: true },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!flags.conversation) throw new UsageError('--conversation <csid> is required');
    if (!flags.out) throw new UsageError('--out <folder> is required');
    const conversationIds = [...new Set(flags.conversation.map(checkConversationId))];
    const outDir = resolve(flags.out);
    const archive = s3Target(flags);
    let progress: Progress | undefined;
    const hooks = {
      onPlan: (total: number) => {
        progress?.stop();
        progress = progressBar('Downloading', total);
      },
      onBytes: (bytes: number) => progress?.advance(bytes),
    };
    const json = wantsJson(flags.json);

    if (conversationIds.length === 1) {
      const conversationId = conversationIds[0]!;
      const result = await explainS3Errors(archive, () =>
        exportConversation(archive, conversationId, outDir, hooks),
      ).finally(() => progress?.stop());
      const { findings, ...exported } = result;
      if (json) process.stdout.write(`${JSON.stringify({ ...exported, problems: findings, outDir }, null, 2)}\n`);
      if (!result.manifestPath) {
        say`${nothingArchived(archive, [conversationId])}: nothing was exported.`;
        return EXIT.nothingArchived;
      }
      if (!json) printSaved(result.files, outDir);
      return failOnFindings(findings);
    }

    const { manifestPath, manifest } = await explainS3Errors(archive, () =>
      exportConversations(archive, conversationIds, outDir, { conversations: conversationIds }, hooks),
    ).finally(() => progress?.stop());
    if (json) process.stdout.write(`${JSON.stringify({ ...manifest, manifestPath, outDir }, null, 2)}\n`);
    const empty = manifest.conversations.filter((c) => c.files.length === 0 && c.problems.length === 0);
    if (!manifestPath) {
      say`${nothingArchived(archive, conversationIds)}: nothing was exported.`;
      return EXIT.nothingArchived;
    }
    if (!json)
      for (const c of manifest.conversations) if (c.files.length > 0) printSaved(c.files, `${outDir}/${c.folder}`);
    if (empty.length > 0)
      say`${nothingArchived(
        archive,
        empty.map((c) => c.conversationId),
      )}: no folder for it.`;
    return failOnFindings(manifest.conversations.flatMap((c) => c.problems));
  },
};

function printSaved(files: ExportedFile[], folder: string): void {
  for (const file of files) out`saved  ${file.file}  (${file.record.sha256})`;
  out`${files.length} file(s) and ${MANIFEST_NAME} in ${folder}`;
}

function failOnFindings(findings: Finding[]): number {
  if (findings.length === 0) return EXIT.ok;
  for (const finding of findings) say`NOT SAVED  ${finding.name}: ${finding.problem} — ${finding.detail}`;
  const names = findings.map((f) => f.name).join(', ');
  throw new UserError(
    `${findings.length} file(s) failed verification and were not saved: ${names} (see ${MANIFEST_NAME})`,
  );
}
