/** `dixa-archiver get`: export one conversation's files, verified, with a manifest of their provenance. */
import { resolve } from 'node:path';
import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import { checkConversationId } from '../../lambdas/compliance/archive.ts';
import { exportConversation, MANIFEST_NAME } from '../../lambdas/compliance/export.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import type { Command } from '../command.ts';
import { EXIT, exitCodesHelp, nothingArchived } from '../shared/exit-codes.ts';
import { parseFlags } from '../shared/flags.ts';
import { say, wantsJson } from '../shared/output.ts';
import { type Progress, progressBar } from '../shared/progress.ts';
import { S3_FLAGS, S3_FLAGS_HELP, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver get — export a conversation's files to a folder, verifying every one

Usage: dixa-archiver get --conversation <csid> --out <folder> [options]

Options:
  --conversation <csid>  the Dixa conversation id
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
  nothing: 'nothing is archived for the conversation: nothing was written, no folder, no manifest',
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
      conversation: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!flags.conversation) throw new UsageError('--conversation <csid> is required');
    if (!flags.out) throw new UsageError('--out <folder> is required');
    const conversationId = checkConversationId(flags.conversation);
    const outDir = resolve(flags.out);
    const archive = s3Target(flags);
    let progress: Progress | undefined;
    const result = await explainS3Errors(archive, () =>
      exportConversation(archive, conversationId, outDir, {
        onPlan: (total) => {
          progress = progressBar('Downloading', total);
        },
        onBytes: (bytes) => progress?.advance(bytes),
      }),
    ).finally(() => progress?.stop());

    const { findings, ...exported } = result;
    const json = wantsJson(flags.json);
    if (!result.manifestPath) {
      if (json) process.stdout.write(`${JSON.stringify({ ...exported, problems: findings, outDir }, null, 2)}\n`);
      say(`${nothingArchived(archive, [conversationId])}: nothing was exported.`);
      return EXIT.nothingArchived;
    }
    if (json) {
      process.stdout.write(`${JSON.stringify({ ...exported, problems: findings, outDir }, null, 2)}\n`);
    } else {
      for (const file of result.files) process.stdout.write(`saved  ${file.file}  (${file.record.sha256})\n`);
      process.stdout.write(`${result.files.length} file(s) and ${MANIFEST_NAME} in ${outDir}\n`);
    }
    if (findings.length > 0) {
      for (const finding of findings) say(`NOT SAVED  ${finding.name}: ${finding.problem} — ${finding.detail}`);
      const names = findings.map((f) => f.name).join(', ');
      throw new UserError(
        `${findings.length} file(s) failed verification and were not saved: ${names} (see ${MANIFEST_NAME})`,
      );
    }
    return EXIT.ok;
  },
};
