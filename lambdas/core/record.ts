/**
 * The provenance record stored beside every archived file (`<key>.json`): where the file came from, when it was
 * fetched, its size and SHA-256. Anyone can re-verify the file with `sha256sum`.
 */
import type { Checksum, FileJob, FileKind, JobSource } from './job.ts';

export const RECORD_VERSION = 1;
export const PIPELINE_VERSION = '0.1.0';

export interface ProvenanceRecord {
  recordVersion: typeof RECORD_VERSION;
  pipelineVersion: string;
  key: string;
  bucket: string;
  orgId: string | null;
  conversationId: string;
  messageId: string | null;
  eventId: string | null;
  kind: FileKind;
  source: JobSource;
  sourceUrl: string;
  visibility: FileJob['visibility'];
  originalName: string | null;
  contentType: string;
  size: number;
  sha256: string;
  createdAt: string | null;
  fetchedAt: string;
  archivedAt: string;
  /** Present when Dixa published a checksum of the file (MessengerForm FileMeta): what it said and how it compared. */
  dixaChecksum?: ChecksumCheck;
  /** Present when the host compressed the body despite `Accept-Encoding: identity`: the bytes stored are decoded. */
  contentEncoding?: ContentDecoding;
}

export interface ChecksumCheck extends Checksum {
  /** `match`: the archived bytes have Dixa's checksum; `not-checked`: see `note`. */
  result: 'match' | 'mismatch' | 'not-checked';
  note?: string;
}

export interface ContentDecoding {
  /** The Content-Encoding the host applied (gzip, deflate, br). */
  encoding: string;
  /** Bytes received on the wire (encoded); `size` is the decoded file. */
  encodedSize: number;
}

export interface ArchivedFile {
  key: string;
  bucket: string;
  contentType: string;
  size: number;
  sha256: string;
  fetchedAt: Date;
  archivedAt: Date;
  dixaChecksum?: ChecksumCheck;
  contentEncoding?: ContentDecoding;
}

export function buildRecord(job: FileJob, file: ArchivedFile): ProvenanceRecord {
  return {
    recordVersion: RECORD_VERSION,
    pipelineVersion: PIPELINE_VERSION,
    key: file.key,
    bucket: file.bucket,
    orgId: job.orgId ?? null,
    conversationId: job.conversationId,
    messageId: job.messageId ?? null,
    eventId: job.eventId ?? null,
    kind: job.kind,
    source: job.source,
    sourceUrl: job.url,
    visibility: job.visibility,
    originalName: job.name ?? null,
    contentType: file.contentType,
    size: file.size,
    sha256: file.sha256,
    createdAt: job.createdAt ?? null,
    fetchedAt: file.fetchedAt.toISOString(),
    archivedAt: file.archivedAt.toISOString(),
    ...(file.dixaChecksum ? { dixaChecksum: file.dixaChecksum } : {}),
    ...(file.contentEncoding ? { contentEncoding: file.contentEncoding } : {}),
  };
}

/** Parses a stored record, tolerating nothing that would make a verification meaningless. */
export function parseRecord(text: string): ProvenanceRecord {
  const value = JSON.parse(text) as Partial<ProvenanceRecord>;
  if (
    value === null ||
    typeof value !== 'object' ||
    typeof value.key !== 'string' ||
    typeof value.conversationId !== 'string' ||
    typeof value.size !== 'number' ||
    typeof value.sha256 !== 'string' ||
    !/^[0-9a-f]{64}$/.test(value.sha256)
  ) {
    throw new Error('not a provenance record');
  }
  return value as ProvenanceRecord;
}
