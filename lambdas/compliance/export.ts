/**
 * `get`: copies a conversation's files to a local folder under the names they came with, hashing every byte on
 * the way. A file is written to a hidden temporary name and renamed only once its size and SHA-256 match its
 * record; a file that does not match is deleted and reported. manifest.json lists the records and local names.
 * A conversation with nothing archived exports nothing: no folder, no manifest. An export that fails part way
 * removes what it wrote, so the same command can simply be run again.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError, UserError } from '../commons/errors.ts';
import { mapLimit } from '../commons/map-limit.ts';
import { sanitizeName } from '../core/keys.ts';
import type { ProvenanceRecord } from '../core/record.ts';
import { type Archive, type ArchiveEntry, displayName, readConversation } from './archive.ts';
import { digestFinding, entryFinding, type Finding } from './findings.ts';
import { hashObject } from './hash.ts';
import { describeS3Error } from './s3-errors.ts';

export const MANIFEST_NAME = 'manifest.json';
const FILES_IN_FLIGHT = 3;

export interface ExportedFile {
  /** The file's name inside the export folder. */
  file: string;
  record: ProvenanceRecord;
}

export interface ExportResult {
  conversationId: string;
  /** Undefined when nothing is archived for the conversation: then nothing was written. */
  manifestPath?: string;
  files: ExportedFile[];
  findings: Finding[];
}

export interface ExportHooks {
  /** Called once the files to download are known, with their total size. */
  onPlan?: (totalBytes: number) => void;
  onBytes?: (bytes: number) => void;
  /**
   * Write the top-level manifest also when nothing is archived (a person's access request is answered either way:
   * the manifest says what was searched). Otherwise nothing at all is written then.
   */
  manifestWhenEmpty?: boolean;
}

export interface Manifest {
  conversationId: string;
  bucket: string;
  prefix: string;
  exportedAt: string;
  /** True when every archived file was exported and matched its record. */
  complete: boolean;
  files: ExportedFile[];
  problems: Finding[];
}

/** What a several-conversation export answers: the request as asked, for the top-level manifest. */
export interface ExportRequest {
  /** E.g. `{ conversations: ['1', '2'] }`; a person's export adds who was searched and where (people.ts). */
  [field: string]: unknown;
}

/** One conversation in a several-conversation export (a folder or a zip): its files as paths inside the export. */
export interface RequestManifestConversation {
  conversationId: string;
  /** The conversation's folder inside the export (its csid); absent from the export when nothing is archived. */
  folder: string;
  files: ExportedFile[];
  problems: Finding[];
}

/** The top-level manifest of a several-conversation export, folder or zip (zip-export.ts) alike. */
export interface RequestManifest {
  manifestVersion: 1;
  bucket: string;
  prefix: string;
  exportedAt: string;
  request: ExportRequest;
  /** True when every archived file of every conversation was exported and matched its record. */
  complete: boolean;
  conversations: RequestManifestConversation[];
}

export interface ConversationsExport {
  /** Undefined when nothing is archived for any of the conversations: then nothing was written. */
  manifestPath?: string;
  manifest: RequestManifest;
}

/**
 * Several conversations into one folder: `<outDir>/<csid>/` each (with its own manifest.json), and one top-level
 * manifest.json that names the request and every file of every conversation. A conversation with nothing archived
 * gets no folder (the manifest lists it with no files); when none has anything, nothing is written at all. A failure
 * part way removes what this export wrote.
 */
export async function exportConversations(
  archive: Archive,
  conversationIds: readonly string[],
  outDir: string,
  request: ExportRequest,
  hooks: ExportHooks = {},
): Promise<ConversationsExport> {
  await checkOutDir(outDir);
  const manifest: RequestManifest = {
    manifestVersion: 1,
    bucket: archive.bucket,
    prefix: archive.prefix,
    exportedAt: new Date().toISOString(),
    request,
    complete: true,
    conversations: [],
  };
  const existed = await stat(outDir).then(
    () => true,
    () => false,
  );
  try {
    for (const conversationId of conversationIds) {
      const result = await exportConversation(archive, conversationId, join(outDir, conversationId), hooks);
      manifest.conversations.push({
        conversationId,
        folder: conversationId,
        files: result.files,
        problems: result.findings,
      });
      manifest.complete &&= result.findings.length === 0;
    }
    const empty = manifest.conversations.every((c) => c.files.length === 0 && c.problems.length === 0);
    if (empty && !hooks.manifestWhenEmpty) return { manifest };
    const manifestPath = join(outDir, MANIFEST_NAME);
    await mkdir(outDir, { recursive: true });
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    return { manifestPath, manifest };
  } catch (error: unknown) {
    if (!existed) await rm(outDir, { recursive: true, force: true });
    else
      for (const name of await readdir(outDir).catch(() => []))
        await rm(join(outDir, name), { recursive: true, force: true });
    throw error;
  }
}

export async function exportConversation(
  archive: Archive,
  conversationId: string,
  outDir: string,
  hooks: ExportHooks = {},
): Promise<ExportResult> {
  const onBytes = hooks.onBytes ?? (() => {});
  await checkOutDir(outDir);
  const entries = await readConversation(archive, conversationId);
  if (entries.length === 0) return { conversationId, files: [], findings: [] };
  const created = await mkdir(outDir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UserError(`cannot create --out ${outDir}: ${error.code ?? error.message}`);
  });
  try {
    return await exportEntries(archive, conversationId, entries, outDir, hooks, onBytes);
  } catch (error: unknown) {
    // Leave no half export behind: the folder we made goes, or what we wrote into the empty folder we were given.
    if (created) await rm(created, { recursive: true, force: true });
    else for (const name of await readdir(outDir).catch(() => [])) await rm(join(outDir, name), { force: true });
    throw error;
  }
}

async function exportEntries(
  archive: Archive,
  conversationId: string,
  entries: ArchiveEntry[],
  outDir: string,
  hooks: ExportHooks,
  onBytes: (bytes: number) => void,
): Promise<ExportResult> {
  const findings: Finding[] = [];
  const taken = new Set([nameKey(MANIFEST_NAME)]);
  const planned: { entry: ArchiveEntry; file: string }[] = [];
  for (const entry of entries) {
    const finding = entryFinding(entry);
    if (finding) findings.push(finding);
    else planned.push({ entry, file: uniqueName(sanitizeName(displayName(entry)), taken) });
  }

  hooks.onPlan?.(planned.reduce((sum, p) => sum + p.entry.file!.size, 0));
  const outcomes = await mapLimit(planned, FILES_IN_FLIGHT, async ({ entry, file }) => {
    const finding = await download(archive, entry, join(outDir, file), onBytes);
    return finding ?? { file, record: entry.record! };
  });
  const files = outcomes.filter((o): o is ExportedFile => 'record' in o);
  findings.push(...outcomes.filter((o): o is Finding => 'problem' in o));

  const manifest: Manifest = {
    conversationId,
    bucket: archive.bucket,
    prefix: archive.prefix,
    exportedAt: new Date().toISOString(),
    complete: findings.length === 0,
    files,
    problems: findings,
  };
  const manifestPath = join(outDir, MANIFEST_NAME);
  await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { conversationId, manifestPath, files, findings };
}

/** Streams one file to `path` through a temporary name; returns a finding when it does not match its record. */
async function download(
  archive: Archive,
  entry: ArchiveEntry,
  path: string,
  onBytes: (bytes: number) => void,
): Promise<Finding | undefined> {
  const partial = join(dirname(path), `.${basename(path)}.partial`);
  try {
    const digest = await hashObject(archive, entry.key, { sink: createWriteStream(partial, { flags: 'wx' }), onBytes });
    const finding = digestFinding(entry, digest);
    if (finding) {
      await rm(partial, { force: true });
      return finding;
    }
    await rename(partial, path);
    return undefined;
  } catch (error: unknown) {
    await rm(partial, { force: true });
    if ((error as Error).name === 'NoSuchKey') {
      return { ...entryFinding({ ...entry, file: undefined })!, detail: `the file ${entry.key} disappeared` };
    }
    throw new UserError(
      `downloading ${displayName(entry)} failed (${describeS3Error(error)}); nothing was kept in ${dirname(path)}: ` +
        'run the same command again',
    );
  }
}

/** `--out` must be a new or empty folder; checked before the bucket is asked anything. */
export async function checkOutDir(dir: string): Promise<void> {
  const found = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    if (error.code === 'ENOTDIR') throw new UsageError(`--out ${dir} lies inside a file, not a folder`);
    throw new UserError(`cannot use --out ${dir}: ${error.code ?? error.message}`);
  });
  if (!found) return;
  if (!found.isDirectory()) throw new UsageError(`--out ${dir} is a file: give a new or empty folder`);
  if ((await readdir(dir)).length > 0) {
    throw new UsageError(`--out ${dir} is not empty: export into a new or empty folder`);
  }
}

/**
 * `name.pdf`, then `name (2).pdf`, `name (3).pdf`…; unique as a case-insensitive, normalization-insensitive disk
 * (macOS, Windows) compares names, so no file of an export overwrites another there.
 */
export function uniqueName(wanted: string, taken: Set<string>): string {
  const dot = wanted.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [wanted.slice(0, dot), wanted.slice(dot)] : [wanted, ''];
  let name = wanted;
  for (let n = 2; taken.has(nameKey(name)); n++) name = `${stem} (${n})${ext}`;
  taken.add(nameKey(name));
  return name;
}

/**
 * What a name is compared by: full Unicode case folding (σ/ς/Σ, ß/ss/ẞ, ſ/s, µ/μ, K/K) on the canonical
 * decomposition (é composed or not). JavaScript has no case-fold function; upper- then lower-casing, repeated until
 * nothing changes, maps every pair CaseFolding.txt folds together to one string (ẞ → ß → SS → ss). Folding a little
 * more than a given file system does costs a `(2)`; folding less would lose a file.
 */
export function nameKey(name: string): string {
  let key = name.normalize('NFD');
  for (let round = 0, previous = ''; previous !== key && round < 4; round++) {
    previous = key;
    key = key.toUpperCase().toLowerCase().normalize('NFD');
  }
  return key;
}
