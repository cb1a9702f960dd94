/** What can be wrong with an archived file, as reported by `verify` and `get`. */
import { type ArchiveEntry, displayName } from './archive.ts';
import type { Digest } from './hash.ts';

export type FindingKind = 'missing-record' | 'unreadable-record' | 'missing-file' | 'size-mismatch' | 'sha256-mismatch';

export interface Finding {
  conversationId: string;
  key: string;
  name: string;
  problem: FindingKind;
  detail: string;
}

/** Problems visible from the listing and the record alone, before any byte is read. */
export function entryFinding(entry: ArchiveEntry): Finding | undefined {
  const finding = (problem: FindingKind, detail: string): Finding => ({
    conversationId: entry.conversationId,
    key: entry.key,
    name: displayName(entry),
    problem,
    detail,
  });
  if (!entry.record) {
    return entry.recordProblem === 'missing'
      ? finding('missing-record', `no provenance record at ${entry.recordKey}`)
      : finding('unreadable-record', `record ${entry.recordKey} is ${entry.recordProblem}`);
  }
  if (!entry.file) return finding('missing-file', `the record exists but the file ${entry.key} does not`);
  if (entry.file.size !== entry.record.size) {
    return finding('size-mismatch', `the file is ${entry.file.size} bytes, its record says ${entry.record.size}`);
  }
  return undefined;
}

/** Compares bytes actually read with the record. */
export function digestFinding(entry: ArchiveEntry, digest: Digest): Finding | undefined {
  const record = entry.record!;
  const base = { conversationId: entry.conversationId, key: entry.key, name: displayName(entry) };
  if (digest.bytes !== record.size) {
    return { ...base, problem: 'size-mismatch', detail: `read ${digest.bytes} bytes, its record says ${record.size}` };
  }
  if (digest.sha256 !== record.sha256) {
    return {
      ...base,
      problem: 'sha256-mismatch',
      detail: `its sha256 is ${digest.sha256}, its record says ${record.sha256}`,
    };
  }
  return undefined;
}
