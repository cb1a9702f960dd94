/**
 * The archive bucket, as the archiver uses it: does a key exist, stream a file in (part-upload.ts: one PUT for
 * small files, a multipart upload in reused part buffers for large ones; file bodies unsigned over TLS,
 * unsigned-payload.ts), write a small object once, re-hash a stored file.
 *
 * Every write is conditional (`If-None-Match: *`, on PutObject and on CompleteMultipartUpload), so two attempts
 * at the same file never produce two versions: the loser is told the key already exists.
 * On any failure the multipart upload is aborted before `putFile` rejects; nothing appears at the key.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { legalHoldOnCreate, PartBuffers, uploadStream } from './part-upload.ts';
import { sendFileBodiesUnsigned } from './unsigned-payload.ts';

export interface UploadSettings {
  partSizeBytes: number;
  queueSize: number;
}

export interface FileUpload {
  key: string;
  body: Readable;
  contentType: string;
  /**
   * Sent as x-amz-meta-*. S3 fixes an object's metadata when the upload starts; entries added to this object
   * before the body ends still reach a single-PUT upload (sent only after the whole body was read), never a
   * multipart one (created when the first part is full and more bytes follow).
   */
  metadata: Record<string, string>;
  /** Created under S3's legal hold (Object Lock buckets; the archiver sets it for a held conversation). */
  legalHold?: boolean;
}

export interface StoredDigest {
  size: number;
  sha256: string;
  contentType: string | undefined;
}

export class ArchiveStorage {
  /** One upload's worth of part buffers (in flight + the one being filled), reused from file to file. */
  readonly #buffers: PartBuffers;

  constructor(
    readonly s3: S3Client,
    readonly bucket: string,
    readonly upload: UploadSettings,
  ) {
    sendFileBodiesUnsigned(s3);
    this.#buffers = new PartBuffers(upload.partSizeBytes, upload.queueSize + 1);
  }

  exists(key: string): Promise<boolean> {
    return objectExists(this.s3, this.bucket, key);
  }

  /** Streams a file to `key`. `created: false` when the key already held an object (nothing was overwritten). */
  async putFile(file: FileUpload): Promise<{ created: boolean }> {
    try {
      // S3 computes and checks a CRC32 of every part (and of a single PUT); the SDK computes it while sending.
      await uploadStream(
        this.s3,
        this.#buffers,
        this.upload.queueSize,
        {
          Bucket: this.bucket,
          Key: file.key,
          ContentType: file.contentType,
          Metadata: file.metadata,
          LegalHold: file.legalHold,
        },
        file.body,
      );
      return { created: true };
    } catch (error) {
      if (await this.#lostRace(error, file.key)) return { created: false };
      throw error;
    }
  }

  /** Writes a small object unless the key exists. `created: false` when it did (another attempt won). */
  async putIfAbsent(
    key: string,
    body: string,
    contentType: string,
    options: { legalHold?: boolean } = {},
  ): Promise<{ created: boolean }> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ChecksumAlgorithm: 'CRC32',
          IfNoneMatch: '*',
          ...legalHoldOnCreate(options.legalHold),
        }),
      );
      return { created: true };
    } catch (error) {
      if (await this.#lostRace(error, key)) return { created: false };
      throw error;
    }
  }

  /** Writes (or replaces) a small JSON object: for notes that may change, such as a failure marker. */
  async putJson(key: string, value: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: `${JSON.stringify(value, null, 2)}\n`,
        ContentType: 'application/json',
        ChecksumAlgorithm: 'CRC32',
      }),
    );
  }

  /** Sets (ON) or clears (OFF) S3's legal hold on the current version of `key` (Object Lock buckets only). */
  async setLegalHold(key: string, on: boolean): Promise<void> {
    await this.s3.send(
      new PutObjectLegalHoldCommand({ Bucket: this.bucket, Key: key, LegalHold: { Status: on ? 'ON' : 'OFF' } }),
    );
  }

  /**
   * Deletes `key`. Call it only for a key known to exist: on a versioned bucket a delete of a missing key still
   * leaves a delete marker behind.
   */
  async remove(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /**
   * 412 PreconditionFailed: the key exists. 409 ConditionalRequestConflict: a concurrent write raced ours; it
   * counts as "exists" only once that write is visible, otherwise the caller retries.
   */
  async #lostRace(error: unknown, key: string): Promise<boolean> {
    const name = (error as Error)?.name;
    const status = httpStatus(error);
    if (name === 'PreconditionFailed' || status === 412) return true;
    if (name === 'ConditionalRequestConflict' || status === 409) return this.exists(key);
    return false;
  }

  /** Size and SHA-256 of what is stored at `key`, by streaming it once. */
  async digest(key: string): Promise<StoredDigest> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of object.Body as Readable) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { size, sha256: hash.digest('hex'), contentType: object.ContentType };
  }
}

/** HeadObject: true when the key holds an object, false on 404 (needs s3:ListBucket to tell 404 from 403). */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function httpStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as Error)?.name;
  return name === 'NotFound' || name === 'NoSuchKey' || httpStatus(error) === 404;
}
