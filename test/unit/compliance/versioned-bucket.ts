/**
 * A versioned, Object Lock-enabled S3 bucket in memory behind aws-sdk-client-mock — what s3rver cannot emulate:
 * versions, delete markers, paged ListObjectVersions, retention, legal holds (also set at creation, by PutObject and
 * CreateMultipartUpload, refused without Object Lock as S3 refuses them) and BypassGovernanceRetention. Writes honour
 * `If-None-Match: *`, so the archiver itself can store into it.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { FileJob } from '../../../lambdas/core/job.ts';
import { objectKey, recordKey } from '../../../lambdas/core/keys.ts';
import { buildRecord, type ProvenanceRecord } from '../../../lambdas/core/record.ts';

export interface Version {
  key: string;
  versionId: string;
  deleteMarker: boolean;
  body: Buffer;
  retention?: { mode: 'COMPLIANCE' | 'GOVERNANCE'; until: Date };
  legalHold?: boolean;
}

export const BUCKET = 'archive';
export const PREFIX = 'dixa';

function s3Error(name: string, status = 403): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

export class VersionedBucket {
  /** Newest version of each key first, keys in any order (listings sort). */
  versions: Version[] = [];
  objectLock = true;
  /** Whether the caller holds s3:BypassGovernanceRetention. */
  canBypassGovernance = true;
  /** Page size of ListObjectVersions, small so tests cross pages. */
  pageSize = 3;
  /** Keys whose deletion fails with this code (simulates S3 trouble mid-erasure). */
  failingKeys = new Map<string, string>();
  /** Called before a PutObjectLegalHold takes effect (a test acts at that moment). */
  beforeLegalHold: (input: { Key?: string; LegalHold?: { Status?: string } }) => Promise<void> | void = () => {};
  readonly mock = mockClient(S3Client);
  private readonly uploads = new Map<string, { key: string; legalHold: boolean; parts: Map<number, Buffer> }>();
  readonly client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } });
  private counter = 0;

  constructor() {
    this.mock.on(ListObjectVersionsCommand).callsFake((input) => this.listVersions(input));
    this.mock.on(ListObjectsV2Command).callsFake((input) => this.listCurrent(input.Prefix ?? ''));
    this.mock.on(GetObjectCommand).callsFake((input) => this.get(input.Key!));
    this.mock.on(PutObjectCommand).callsFake((input) => {
      this.refuseExisting(input.Key!, input.IfNoneMatch);
      const legalHold = this.legalHoldOnCreate(input.ObjectLockLegalHoldStatus);
      this.put(input.Key!, Buffer.from(input.Body as string), legalHold === undefined ? {} : { legalHold });
      return {};
    });
    this.mock.on(HeadObjectCommand).callsFake((input) => {
      const version = this.current(input.Key!).find((v) => v.key === input.Key);
      if (!version) throw s3Error('NotFound', 404);
      return { ContentLength: version.body.length };
    });
    this.mock.on(CreateMultipartUploadCommand).callsFake((input) => {
      const legalHold = this.legalHoldOnCreate(input.ObjectLockLegalHoldStatus) ?? false;
      const uploadId = `upload-${++this.counter}`;
      this.uploads.set(uploadId, { key: input.Key!, legalHold, parts: new Map() });
      return { UploadId: uploadId };
    });
    this.mock.on(UploadPartCommand).callsFake((input) => {
      this.uploads.get(input.UploadId!)!.parts.set(input.PartNumber!, Buffer.from(input.Body as Buffer));
      return { ETag: `"part-${input.PartNumber}"` };
    });
    this.mock.on(CompleteMultipartUploadCommand).callsFake((input) => {
      const upload = this.uploads.get(input.UploadId!)!;
      this.refuseExisting(upload.key, input.IfNoneMatch);
      const body = Buffer.concat([...upload.parts].sort(([a], [b]) => a - b).map(([, part]) => part));
      this.put(upload.key, body, upload.legalHold ? { legalHold: true } : {});
      this.uploads.delete(input.UploadId!);
      return {};
    });
    this.mock.on(AbortMultipartUploadCommand).callsFake((input) => {
      this.uploads.delete(input.UploadId!);
      return {};
    });
    this.mock.on(GetObjectLockConfigurationCommand).callsFake(() => {
      if (!this.objectLock) throw s3Error('ObjectLockConfigurationNotFoundError', 404);
      return { ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } };
    });
    this.mock.on(GetObjectRetentionCommand).callsFake((input) => {
      const retention = this.find(input.Key!, input.VersionId)?.retention;
      if (!retention) throw s3Error('NoSuchObjectLockConfiguration', 404);
      return { Retention: { Mode: retention.mode, RetainUntilDate: retention.until } };
    });
    this.mock.on(GetObjectLegalHoldCommand).callsFake((input) => {
      const version = this.find(input.Key!, input.VersionId);
      if (version?.legalHold === undefined) throw s3Error('NoSuchObjectLockConfiguration', 404);
      return { LegalHold: { Status: version.legalHold ? 'ON' : 'OFF' } };
    });
    this.mock.on(PutObjectLegalHoldCommand).callsFake(async (input) => {
      await this.beforeLegalHold(input);
      if (!this.objectLock) throw s3Error('InvalidRequest', 400);
      const version = input.VersionId ? this.find(input.Key!, input.VersionId) : this.current(input.Key!)[0];
      if (!version || version.deleteMarker) throw s3Error('NoSuchKey', 404);
      version.legalHold = input.LegalHold?.Status === 'ON';
      return {};
    });
    this.mock.on(DeleteObjectsCommand).callsFake((input) => this.deleteObjects(input));
  }

  restore(): void {
    this.mock.restore();
  }

  put(key: string, body: Buffer, extra: Partial<Version> = {}): Version {
    const version: Version = { key, versionId: `v${++this.counter}`, deleteMarker: false, body, ...extra };
    this.versions.unshift(version);
    return version;
  }

  deleteMarker(key: string): Version {
    return this.put(key, Buffer.alloc(0), { deleteMarker: true });
  }

  /** Archives a file the way the archiver does: the file at its key, the record beside it. */
  archive(
    conversationId: string,
    linkName: string,
    content: string,
    name?: string,
    job: Partial<FileJob> = {},
  ): ProvenanceRecord {
    const fileJob: FileJob = {
      v: 1,
      url: `https://files.dixa.io/private/org-1/${linkName}`,
      visibility: 'private',
      kind: 'attachment',
      conversationId,
      ...(name ? { name } : {}),
      source: 'webhook',
      ...job,
    };
    const key = objectKey(PREFIX, conversationId, new URL(fileJob.url).pathname);
    const body = Buffer.from(content);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const now = new Date();
    const file = { key, bucket: BUCKET, contentType: 'text/plain', size: body.length, sha256 };
    const record = buildRecord(fileJob, { ...file, fetchedAt: now, archivedAt: now });
    this.put(key, body);
    this.put(recordKey(key), Buffer.from(JSON.stringify(record)));
    return record;
  }

  /** The current version of `key` (undefined when absent or behind a delete marker). */
  latest(key: string): Version | undefined {
    return this.current(key).find((v) => v.key === key);
  }

  under(prefix: string): Version[] {
    return this.versions.filter((v) => v.key.startsWith(prefix));
  }

  /** `If-None-Match: *` on a key that exists: S3's 412. */
  private refuseExisting(key: string, ifNoneMatch: string | undefined): void {
    if (ifNoneMatch === '*' && this.latest(key)) throw s3Error('PreconditionFailed', 412);
  }

  /** A legal hold asked for at creation: S3 refuses it on a bucket without Object Lock. */
  private legalHoldOnCreate(status: string | undefined): boolean | undefined {
    if (status === undefined) return undefined;
    if (!this.objectLock) throw s3Error('InvalidRequest', 400);
    return status === 'ON';
  }

  private find(key: string, versionId?: string): Version | undefined {
    return this.versions.find((v) => v.key === key && (versionId === undefined || v.versionId === versionId));
  }

  private sorted(prefix: string): Version[] {
    // Stable: within a key, newest first as stored.
    return this.under(prefix).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private listVersions(input: { Prefix?: string; KeyMarker?: string; VersionIdMarker?: string }) {
    const all = this.sorted(input.Prefix ?? '');
    let start = 0;
    if (input.KeyMarker) {
      start = all.findIndex((v) => v.key === input.KeyMarker && v.versionId === input.VersionIdMarker) + 1;
    }
    const page = all.slice(start, start + this.pageSize);
    const truncated = start + this.pageSize < all.length;
    const last = page.at(-1);
    const isLatest = (v: Version) => this.versions.find((x) => x.key === v.key) === v;
    return {
      Versions: page
        .filter((v) => !v.deleteMarker)
        .map((v) => ({ Key: v.key, VersionId: v.versionId, IsLatest: isLatest(v), Size: v.body.length })),
      DeleteMarkers: page
        .filter((v) => v.deleteMarker)
        .map((v) => ({ Key: v.key, VersionId: v.versionId, IsLatest: isLatest(v) })),
      IsTruncated: truncated,
      ...(truncated ? { NextKeyMarker: last!.key, NextVersionIdMarker: last!.versionId } : {}),
    };
  }

  private current(prefix: string): Version[] {
    const seen = new Set<string>();
    const latest: Version[] = [];
    for (const v of this.sorted(prefix)) {
      if (seen.has(v.key)) continue;
      seen.add(v.key);
      if (!v.deleteMarker) latest.push(v);
    }
    return latest;
  }

  private listCurrent(prefix: string) {
    return { Contents: this.current(prefix).map((v) => ({ Key: v.key, Size: v.body.length })), IsTruncated: false };
  }

  private get(key: string) {
    const version = this.current(key).find((v) => v.key === key);
    if (!version) throw s3Error('NoSuchKey', 404);
    const body = version.body;
    // What the SDK hands back in Node: a Readable with the SDK's helpers mixed in.
    const stream = Object.assign(Readable.from([body]), {
      transformToString: async (encoding?: BufferEncoding) => body.toString(encoding),
    });
    return { Body: stream, ContentLength: body.length };
  }

  private deleteObjects(input: {
    Delete?: { Objects?: { Key?: string; VersionId?: string }[] };
    BypassGovernanceRetention?: boolean;
  }) {
    const errors: { Key: string; VersionId?: string; Code: string }[] = [];
    const deleted: { Key: string; VersionId?: string }[] = [];
    for (const { Key, VersionId } of input.Delete?.Objects ?? []) {
      const version = this.find(Key!, VersionId);
      const code = this.refusal(version, input.BypassGovernanceRetention === true) ?? this.failingKeys.get(Key!);
      if (code) {
        errors.push({ Key: Key!, ...(VersionId ? { VersionId } : {}), Code: code });
        continue;
      }
      this.versions = this.versions.filter((v) => v !== version);
      deleted.push({ Key: Key!, ...(VersionId ? { VersionId } : {}) });
    }
    return { Deleted: deleted, Errors: errors };
  }

  private refusal(version: Version | undefined, bypass: boolean): string | undefined {
    if (!version) return undefined;
    if (version.legalHold) return 'AccessDenied';
    const retention = version.retention;
    if (!retention || retention.until.getTime() <= Date.now()) return undefined;
    if (retention.mode === 'COMPLIANCE') return 'AccessDenied';
    return bypass && this.canBypassGovernance ? undefined : 'AccessDenied';
  }
}
