/** `dixa-archiver get`: export conversations' files (or a person's), verified, with a manifest of their provenance. */
import { type FileHandle, open, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError, UserError } from '../../lambdas/commons/errors.ts';
import { type Archive, checkConversationId } from '../../lambdas/compliance/archive.ts';
import {
  checkOutDir,
  type ExportedFile,
  type ExportRequest,
  exportConversation,
  exportConversations,
  MANIFEST_NAME,
  type RequestManifest,
} from '../../lambdas/compliance/export.ts';
import type { Finding } from '../../lambdas/compliance/findings.ts';
import { describeSearch, type PersonSelector, searchManifest } from '../../lambdas/compliance/people.ts';
import { explainS3Errors } from '../../lambdas/compliance/s3-errors.ts';
import { writeZipExport } from '../../lambdas/compliance/zip-export.ts';
import type { Command } from '../command.ts';
import { EXIT, exitCodesHelp, nothingArchived } from '../shared/exit-codes.ts';
import { parseFlags } from '../shared/flags.ts';
import { out, say, wantsJson } from '../shared/output.ts';
import {
  foundInText,
  PERSON_FLAGS,
  PERSON_FLAGS_HELP,
  type PersonFlags,
  searchPerson,
  selectedPerson,
} from '../shared/person.ts';
import { type Progress, progressBar } from '../shared/progress.ts';
import { S3_FLAGS, S3_FLAGS_HELP, s3Target } from '../shared/s3-target.ts';

const help = `dixa-archiver get — export a conversation's files to a folder, verifying every one

Usage: dixa-archiver get --conversation <csid> [--conversation <csid>…] (--out <folder> | --zip <file>) [options]
       dixa-archiver get --email <address> | --phone <number> | --external-id <id> (--out <folder> | --zip <file>)

Options:
  --conversation <csid>  the Dixa conversation id (repeat for several: one folder each, named by its id, and one
                         top-level ${MANIFEST_NAME} for all of them)
  --out <folder>         where to save the files (created if needed; must be empty)
  --zip <file>           one zip file instead of a folder (a new file): the same folders and top-level
                         ${MANIFEST_NAME}, streamed from the archive (a large recording never sits in memory)
  --json                 print the result as JSON even at a terminal

${PERSON_FLAGS_HELP}
  A person's export (an access request) has one folder per conversation found and one top-level ${MANIFEST_NAME}:
  what was searched and when, where each conversation was found, and every file's provenance and SHA-256. A person
  found nowhere still gets that manifest (exit 0): it says which sources were searched.

${S3_FLAGS_HELP}

Every file is saved under the name it had in Dixa (made safe for any file system; "name (2).pdf" when two
files share a name), and ${MANIFEST_NAME} lists each file's provenance record: where it came from, when it was
archived, its size and SHA-256. Each file's SHA-256 is recomputed while it downloads; a file that does not match
its record is not saved, and the command ends with an error naming it (${MANIFEST_NAME} then says
"complete": false and lists the problem). If the export fails part way (e.g. the connection drops), what was
written is removed again, so the same command can be run again. In a zip, bytes already written cannot be taken
back: a file that does not match its record stays in the zip and ${MANIFEST_NAME} names it as a problem.

${exitCodesHelp({
  ok: 'every file was exported and matches its record',
  problem: 'a file failed verification (not saved; see the manifest), or the export failed (nothing kept)',
  nothing: 'nothing is archived for the conversation(s): nothing was written, no folder, no manifest',
})}

Examples:
  npx dixa-archiver get --conversation 1234 --out ./export-1234 --bucket acme-dixa-archive
  npx dixa-archiver get --email jane@example.com --out ./access-request-jane --bucket acme-dixa-archive
  npx dixa-archiver get --email jane@example.com --zip ./access-request-jane.zip --bucket acme-dixa-archive
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
      zip: { type: 'string' },
      json: { type: 'boolean' },
      ...PERSON_FLAGS,
    });
    const person = selectedPerson(flags);
    if (!person && !flags.conversation) {
      throw new UsageError('--conversation <csid> (or --email, --phone or --external-id) is required');
    }
    if (flags.out !== undefined && flags.zip !== undefined) throw new UsageError('give --out or --zip, not both');
    if (flags.out === undefined && flags.zip === undefined) throw new UsageError('--out <folder> is required');
    const archive = s3Target(flags);
    if (person) return getPerson(archive, person, flags);
    const conversationIds = [...new Set(flags.conversation!.map(checkConversationId))];
    if (flags.zip !== undefined) {
      const target = await createZip(flags.zip);
      const zip = await zipExport(archive, conversationIds, target, { conversations: conversationIds });
      if (zip.empty) {
        say`${nothingArchived(archive, conversationIds)}: nothing was exported.`;
        return EXIT.nothingArchived;
      }
      return printZip(zip, wantsJson(flags.json));
    }
    const outDir = resolve(flags.out!);
    const { hooks, stop } = progressHooks();
    const json = wantsJson(flags.json);

    if (conversationIds.length === 1) {
      const conversationId = conversationIds[0]!;
      const result = await explainS3Errors(archive, () =>
        exportConversation(archive, conversationId, outDir, hooks),
      ).finally(stop);
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
    ).finally(stop);
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

/**
 * A person's access request: every conversation found (Dixa and the archive's people index), one folder each or one
 * zip, and a top-level manifest that says what was searched, when, and where each conversation was found. A person
 * found nowhere is an answer too: the manifest says so (exit 0).
 */
async function getPerson(
  archive: Archive,
  person: PersonSelector,
  flags: PersonFlags & { out?: string | undefined; zip?: string | undefined; json?: boolean | undefined },
): Promise<number> {
  // The destination is checked (a zip created) before Dixa is asked anything.
  const outDir = flags.out === undefined ? undefined : resolve(flags.out);
  if (outDir) await checkOutDir(outDir);
  const target = flags.zip === undefined ? undefined : await createZip(flags.zip);
  const search = await searchPerson(archive, person, flags).catch(async (error: unknown) => {
    if (target) await discardZip(target);
    throw error;
  });
  say`${describeSearch(search)}`;
  const ids = search.conversations.map((c) => c.conversationId);
  const request: ExportRequest = searchManifest(search);
  const json = wantsJson(flags.json);
  const sayEmpty = (manifest: RequestManifest) => {
    for (const c of manifest.conversations.filter((c) => c.files.length === 0 && c.problems.length === 0)) {
      const found = search.conversations.find((f) => f.conversationId === c.conversationId)!;
      say`Conversation ${c.conversationId} (found in ${foundInText(found, search)}): nothing is archived for it.`;
    }
  };

  if (target) {
    const zip = await zipExport(archive, ids, target, request, { keepEmpty: true });
    sayEmpty(zip.manifest);
    return printZip(zip, json);
  }
  const { hooks, stop } = progressHooks();
  const { manifestPath, manifest } = await explainS3Errors(archive, () =>
    exportConversations(archive, ids, outDir!, request, { ...hooks, manifestWhenEmpty: true }),
  ).finally(stop);
  if (json) process.stdout.write(`${JSON.stringify({ ...manifest, manifestPath, outDir }, null, 2)}\n`);
  else for (const c of manifest.conversations) if (c.files.length > 0) printSaved(c.files, `${outDir}/${c.folder}`);
  sayEmpty(manifest);
  if (!json) out`${MANIFEST_NAME} of the request in ${outDir}`;
  return failOnFindings(manifest.conversations.flatMap((c) => c.problems));
}

interface ZipTarget {
  file: string;
  handle: FileHandle;
}

interface ZipExport {
  file: string;
  manifest: RequestManifest;
  /** Nothing was archived for any conversation (the file was then removed unless kept on purpose). */
  empty: boolean;
}

/** Creates the new zip file (never overwrites one), before the archive or Dixa is asked anything. */
async function createZip(path: string): Promise<ZipTarget> {
  const file = resolve(path);
  const handle = await open(file, 'wx').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') throw new UsageError(`--zip ${file} exists: give the name of a new file`);
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') {
      throw new UsageError(`--zip ${file}: its folder does not exist`);
    }
    throw new UserError(`cannot create --zip ${file}: ${error.code ?? error.message}`);
  });
  return { file, handle };
}

async function discardZip({ file, handle }: ZipTarget): Promise<void> {
  await handle.close().catch(() => {}); // already closed when the stream failed
  await rm(file, { force: true });
}

/**
 * Streams the conversations into the zip (zip-export.ts: one file in flight, never held whole). A failure part way
 * removes the file; so does an export with nothing in it, unless `keepEmpty` (a person's answer is its manifest).
 */
async function zipExport(
  archive: Archive,
  conversationIds: readonly string[],
  target: ZipTarget,
  request: ExportRequest,
  { keepEmpty = false } = {},
): Promise<ZipExport> {
  try {
    const manifest = await explainS3Errors(archive, () =>
      writeZipExport(archive, conversationIds, target.handle.createWriteStream(), { request }),
    );
    const empty = manifest.conversations.every((c) => c.files.length === 0 && c.problems.length === 0);
    if (empty && !keepEmpty) await rm(target.file, { force: true });
    return { file: target.file, manifest, empty };
  } catch (error: unknown) {
    await discardZip(target);
    throw error;
  }
}

function printZip({ file, manifest }: ZipExport, json: boolean): number {
  const files = manifest.conversations.reduce((sum, c) => sum + c.files.length, 0);
  if (json) process.stdout.write(`${JSON.stringify({ ...manifest, zip: file }, null, 2)}\n`);
  else out`${files} file(s) of ${manifest.conversations.length} conversation(s) and ${MANIFEST_NAME} in ${file}`;
  const problems = manifest.conversations.flatMap((c) => c.problems);
  if (problems.length === 0) return EXIT.ok;
  for (const finding of problems) say`PROBLEM  ${finding.name}: ${finding.problem} — ${finding.detail}`;
  throw new UserError(
    `${problems.length} file(s) failed verification: ${problems.map((f) => f.name).join(', ')} ` +
      `(see ${MANIFEST_NAME} in the zip)`,
  );
}

/** A byte progress bar for a folder export, started once the export knows its total. */
function progressHooks() {
  let progress: Progress | undefined;
  return {
    hooks: {
      onPlan: (total: number) => {
        progress?.stop();
        progress = progressBar('Downloading', total);
      },
      onBytes: (bytes: number) => progress?.advance(bytes),
    },
    stop: () => progress?.stop(),
  };
}

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
