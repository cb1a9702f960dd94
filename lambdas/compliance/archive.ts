/**
 * Reads the archive the way the archiver writes it: under `<prefix>/conversations/<csid>/` every file `K` has its
 * provenance record `K.json` beside it. Pairs files with records and reports what does not pair up.
 */
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import * as v from 'valibot';
import { UsageError } from '../commons/errors.ts';
import { mapLimit } from '../commons/map-limit.ts';
import { FileJobSchema } from '../core/job.ts';
import { conversationPrefix, RECORD_SUFFIX } from '../core/keys.ts';
import { type ProvenanceRecord, parseRecord } from '../core/record.ts';

export interface Archive {
  s3: S3Client;
  bucket: string;
  prefix: string;
}

export interface StoredObject {
  key: string;
  size: number;
  lastModified?: Date;
}

/** One archived file as found in the bucket: the file, its record, or both. */
export interface ArchiveEntry {
  conversationId: string;
  /** The file's key (also when only its record was found). */
  key: string;
  recordKey: string;
  file?: StoredObject;
  record?: ProvenanceRecord;
  /** Why the record is missing or cannot be used; undefined when `record` is set. */
  recordProblem?: string;
}

/** A record is a few hundred bytes; anything far larger is a file that merely ends in `.json`. */
const MAX_RECORD_BYTES = 1024 * 1024;
const RECORD_READS_IN_FLIGHT = 8;

export function checkConversationId(csid: string): string {
  if (!v.is(FileJobSchema.entries.conversationId, csid)) {
    throw new UsageError(`conversation id must be a numeric Dixa csid (got ${JSON.stringify(csid)})`);
  }
  return csid;
}

export async function* listObjects(archive: Archive, keyPrefix: string): AsyncGenerator<StoredObject> {
  const pages = paginateListObjectsV2({ client: archive.s3 }, { Bucket: archive.bucket, Prefix: keyPrefix });
  for await (const page of pages) {
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined) continue;
      yield { key: item.Key, size: item.Size ?? 0, ...(item.LastModified ? { lastModified: item.LastModified } : {}) };
    }
  }
}

/**
 * Every conversation in the archive with its files, from one listing of `<prefix>/conversations/`. S3 lists keys
 * in byte order, so each conversation's objects arrive together (`100/…` sorts before `1000/…`).
 */
export async function* readAllConversations(
  archive: Archive,
  options: ReadOptions = {},
): AsyncGenerator<{ conversationId: string; entries: ArchiveEntry[] }> {
  const root = conversationPrefix(archive.prefix, '').slice(0, -1); // `<prefix>/conversations/`
  let current: { id: string; objects: StoredObject[] } | undefined;
  const flush = async () => {
    if (!current) return undefined;
    return { conversationId: current.id, entries: await toEntries(archive, current.id, current.objects, options) };
  };
  for await (const object of listObjects(archive, root)) {
    const slash = object.key.indexOf('/', root.length);
    const id = object.key.slice(root.length, slash);
    if (slash < 0 || !v.is(FileJobSchema.entries.conversationId, id)) continue; // not the archiver's
    if (current?.id !== id) {
      const done = await flush();
      if (done) yield done;
      current = { id, objects: [] };
    }
    current.objects.push(object);
  }
  const last = await flush();
  if (last) yield last;
}

export interface ReadOptions {
  /** Skip reading records that cannot match (e.g. written before a date); their files are left out. */
  skipRecord?: (record: StoredObject) => boolean;
}

export async function readConversation(
  archive: Archive,
  conversationId: string,
  options: ReadOptions = {},
): Promise<ArchiveEntry[]> {
  const objects: StoredObject[] = [];
  for await (const object of listObjects(archive, conversationPrefix(archive.prefix, conversationId))) {
    objects.push(object);
  }
  return toEntries(archive, conversationId, objects, options);
}

/**
 * One file of a conversation by the folder its key lives in (`<csid>/<linkHash>/`, one file and its record): one
 * LIST and one GET, instead of reading the whole conversation. For serving a single file.
 */
export async function readFolder(archive: Archive, conversationId: string, folder: string): Promise<ArchiveEntry[]> {
  const objects: StoredObject[] = [];
  for await (const object of listObjects(archive, `${conversationPrefix(archive.prefix, conversationId)}${folder}/`)) {
    objects.push(object);
  }
  return toEntries(archive, conversationId, objects, {});
}

async function toEntries(
  archive: Archive,
  conversationId: string,
  objects: StoredObject[],
  options: ReadOptions,
): Promise<ArchiveEntry[]> {
  const pairs = pairObjects(objects);
  const wanted = pairs.filter((pair) => !(pair.record && options.skipRecord?.(pair.record)));
  return mapLimit(wanted, RECORD_READS_IN_FLIGHT, (pair) => toEntry(archive, conversationId, pair));
}

export interface ObjectPair {
  file?: StoredObject;
  record?: StoredObject;
  /** A lone `.json` object: either a record whose file is gone, or a file without a record. */
  ambiguous?: StoredObject;
}

/** Pairs `K` with `K.json`. Shorter keys claim first, so a file named `a.json` pairs with `a.json.json`. */
export function pairObjects(objects: readonly StoredObject[]): ObjectPair[] {
  const byKey = new Map(objects.map((o) => [o.key, o]));
  const claimed = new Set<string>();
  const pairs: ObjectPair[] = [];
  const ordered = [...objects].sort((a, b) => a.key.length - b.key.length || a.key.localeCompare(b.key));
  for (const object of ordered) {
    if (claimed.has(object.key)) continue;
    claimed.add(object.key);
    const record = byKey.get(object.key + RECORD_SUFFIX);
    if (record && !claimed.has(record.key)) {
      claimed.add(record.key);
      pairs.push({ file: object, record });
    } else if (object.key.endsWith(RECORD_SUFFIX)) {
      pairs.push({ ambiguous: object });
    } else {
      pairs.push({ file: object });
    }
  }
  return pairs.sort((a, b) => pairKey(a).localeCompare(pairKey(b)));
}

const pairKey = (pair: ObjectPair) => (pair.file ?? pair.ambiguous ?? pair.record)!.key;

async function toEntry(archive: Archive, conversationId: string, pair: ObjectPair): Promise<ArchiveEntry> {
  if (pair.ambiguous) {
    const lone = pair.ambiguous;
    const fileKey = lone.key.slice(0, -RECORD_SUFFIX.length);
    const read = await readRecord(archive, lone);
    if (read.record && read.record.key === fileKey) {
      return { conversationId, key: fileKey, recordKey: lone.key, record: read.record };
    }
    return { conversationId, key: lone.key, recordKey: lone.key + RECORD_SUFFIX, file: lone, recordProblem: 'missing' };
  }
  const file = pair.file!;
  const entry: ArchiveEntry = { conversationId, key: file.key, recordKey: file.key + RECORD_SUFFIX, file };
  if (!pair.record) return { ...entry, recordProblem: 'missing' };
  const read = await readRecord(archive, pair.record);
  if (!read.record) return { ...entry, recordProblem: read.problem };
  if (read.record.key !== file.key) return { ...entry, recordProblem: `it describes another key (${read.record.key})` };
  if (read.record.conversationId !== conversationId) {
    return { ...entry, recordProblem: `it names another conversation (${read.record.conversationId})` };
  }
  return { ...entry, record: read.record };
}

async function readRecord(
  archive: Archive,
  object: StoredObject,
): Promise<{ record: ProvenanceRecord; problem?: undefined } | { record?: undefined; problem: string }> {
  if (object.size > MAX_RECORD_BYTES) return { problem: 'unreadable: too large to be a record' };
  let text: string;
  try {
    const response = await archive.s3.send(new GetObjectCommand({ Bucket: archive.bucket, Key: object.key }));
    text = (await response.Body?.transformToString('utf8')) ?? '';
  } catch (error: unknown) {
    if ((error as Error).name === 'NoSuchKey') return { problem: 'missing' };
    throw error;
  }
  try {
    return { record: parseRecord(text) };
  } catch (error: unknown) {
    return { problem: `unreadable: ${error instanceof SyntaxError ? 'not JSON' : (error as Error).message}` };
  }
}

/** The name a person knows the file by: the name it came with, else the last segment of its key. */
export function displayName(entry: ArchiveEntry): string {
  return entry.record?.originalName || entry.key.slice(entry.key.lastIndexOf('/') + 1);
}
