/**
 * Streams a body into one S3 object: a single conditional PUT when it fits in one part, otherwise a multipart
 * upload with a fixed number of parts in flight, completed with `If-None-Match: *`. On any failure (a part, the
 * source stream, the completion) the multipart upload is aborted before the promise rejects.
 *
 * Why not lib-storage's `Upload`, which does the same: it assembles each part by concatenating the incoming
 * chunks into a freshly allocated buffer. A part lives long enough to reach V8's old generation, and each new
 * 8 MiB there triggered a full garbage collection — about one per part, ~20 % of the archiver's CPU in
 * `npm run bench`'s profile. Here each part is copied once into a buffer taken from a small pool and returned
 * after its request, so the steady state allocates no part memory at all. Memory stays bounded the same way:
 * at most `queueSize` parts in flight plus the one being filled.
 *
 * The part bodies keep their integrity check: the SDK computes each part's CRC32 (`ChecksumAlgorithm`), S3
 * verifies it, and the completion lists every part's checksum.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';

export interface ObjectTarget {
  Bucket: string;
  Key: string;
  ContentType: string;
  /** Read when the upload starts: at the end of the body for a single PUT, at the first part otherwise. */
  Metadata: Record<string, string>;
  /** Stored under S3's legal hold from the start (Object Lock buckets only; needs s3:PutObjectLegalHold). */
  LegalHold?: boolean;
}

/** The request fields that put a new object under legal hold as it is created. */
export const legalHoldOnCreate = (on: boolean | undefined) => (on ? { ObjectLockLegalHoldStatus: 'ON' as const } : {});

/** Part buffers kept for reuse. It keeps at most `keep` idle buffers; more in use at once are left to the GC. */
export class PartBuffers {
  readonly #idle: Buffer[] = [];
  constructor(
    readonly partSize: number,
    readonly keep: number,
  ) {}

  take(): Buffer {
    return this.#idle.pop() ?? Buffer.allocUnsafe(this.partSize);
  }

  give(buffer: Buffer): void {
    if (this.#idle.length < this.keep) this.#idle.push(buffer);
  }

  get idle(): number {
    return this.#idle.length;
  }
}

export async function uploadStream(
  s3: S3Client,
  buffers: PartBuffers,
  queueSize: number,
  target: ObjectTarget,
  body: NodeJS.ReadableStream,
): Promise<void> {
  const parts = new PartWriter(s3, buffers, queueSize, target);
  try {
    await pipeline(body, parts);
    await parts.finish();
  } catch (error) {
    await parts.abort(error);
    throw error;
  } finally {
    parts.release();
  }
}

class PartWriter extends Writable {
  readonly #inFlight = new Set<Promise<void>>();
  readonly #completed: CompletedPart[] = [];
  #uploadId: Promise<string> | undefined;
  #buffer: Buffer | undefined;
  #filled = 0;
  #partNumber = 0;
  #failure: unknown;

  constructor(
    readonly s3: S3Client,
    readonly buffers: PartBuffers,
    readonly queueSize: number,
    readonly target: ObjectTarget,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // The common case, a chunk that fits in the current part, stays synchronous (no promise per chunk).
    if (this.#buffer && chunk.length <= this.#buffer.length - this.#filled) {
      this.#filled += chunk.copy(this.#buffer, this.#filled);
      callback();
      return;
    }
    this.#accept(chunk).then(() => callback(), callback);
  }

  async #accept(chunk: Buffer): Promise<void> {
    for (let offset = 0; offset < chunk.length; ) {
      // A full part is sent only once more bytes follow, so a body of exactly one part is a single PUT.
      if (this.#buffer && this.#filled === this.#buffer.length) await this.#send();
      this.#buffer ??= this.buffers.take();
      const copied = chunk.copy(this.#buffer, this.#filled, offset);
      this.#filled += copied;
      offset += copied;
    }
  }

  /** Sends the current buffer as the next part, once fewer than `queueSize` parts are in flight. */
  async #send(): Promise<void> {
    while (this.#inFlight.size >= this.queueSize) await Promise.race(this.#inFlight);
    if (this.#failure) throw this.#failure;
    const buffer = this.#buffer as Buffer;
    const partNumber = ++this.#partNumber;
    const body = buffer.subarray(0, this.#filled);
    this.#buffer = undefined;
    this.#filled = 0;
    this.#uploadId ??= this.#create();
    const task = this.#uploadPart(partNumber, body)
      .catch((error: unknown) => {
        this.#failure ??= error;
        this.destroy(error as Error);
      })
      .finally(() => {
        this.#inFlight.delete(task);
        this.buffers.give(buffer);
      });
    this.#inFlight.add(task);
  }

  async #create(): Promise<string> {
    const { Bucket, Key, ContentType, Metadata, LegalHold } = this.target;
    const created = await this.s3.send(
      new CreateMultipartUploadCommand({
        Bucket,
        Key,
        ContentType,
        Metadata: { ...Metadata },
        ChecksumAlgorithm: 'CRC32',
        ...legalHoldOnCreate(LegalHold),
      }),
    );
    if (!created.UploadId) throw new Error(`CreateMultipartUpload for ${Key} returned no UploadId`);
    return created.UploadId;
  }

  async #uploadPart(PartNumber: number, Body: Buffer): Promise<void> {
    const UploadId = await (this.#uploadId as Promise<string>);
    const { Bucket, Key } = this.target;
    const part = await this.s3.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body, ChecksumAlgorithm: 'CRC32' }),
    );
    if (!part.ETag) throw new Error(`UploadPart ${PartNumber} of ${Key} returned no ETag`);
    this.#completed.push({ PartNumber, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 });
  }

  /** After the body ended: one PUT if it all fit in one part, else the last part and the completion. */
  async finish(): Promise<void> {
    const { Bucket, Key, ContentType, Metadata, LegalHold } = this.target;
    if (this.#partNumber === 0) {
      await this.s3.send(
        new PutObjectCommand({
          Bucket,
          Key,
          ContentType,
          Metadata,
          Body: this.#buffer?.subarray(0, this.#filled) ?? Buffer.alloc(0),
          ChecksumAlgorithm: 'CRC32',
          IfNoneMatch: '*',
          ...legalHoldOnCreate(LegalHold),
        }),
      );
      return;
    }
    if (this.#filled > 0) await this.#send();
    await Promise.all(this.#inFlight);
    if (this.#failure) throw this.#failure;
    const parts = [...this.#completed].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await this.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId: await this.#uploadId,
        MultipartUpload: { Parts: parts },
        IfNoneMatch: '*',
      }),
    );
  }

  /** Waits for the parts in flight, then aborts the multipart upload (if one was created). */
  async abort(cause: unknown): Promise<void> {
    await Promise.allSettled(this.#inFlight);
    const uploadId = await this.#uploadId?.catch(() => undefined);
    if (!uploadId) return;
    const { Bucket, Key } = this.target;
    try {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId }));
    } catch (abortError) {
      // The bucket's lifecycle rule removes the parts later; the caller hears the original failure.
      if (cause instanceof Error && cause.cause === undefined) cause.cause = abortError;
    }
  }

  /** Returns the buffer being filled (if any) to the pool. */
  release(): void {
    if (this.#buffer) this.buffers.give(this.#buffer);
    this.#buffer = undefined;
  }
}
