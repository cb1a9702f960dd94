/**
 * Dixa's own checksum of a file (MessengerForm FileMeta), checked while the file streams: a download that does not
 * match fails before the upload completes (retryable: the next attempt downloads again), so no file is archived
 * with a checksum Dixa contradicts. The outcome goes into the provenance record.
 */
import { createHash, getHashes, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { Checksum } from '../core/job.ts';
import type { ChecksumCheck } from '../core/record.ts';
import { retryable } from './failures.ts';

const SUPPORTED = new Set(getHashes());

export class ChecksumTap extends Transform {
  readonly #expected: Checksum;
  readonly #hash: Hash;
  /** Set once the last byte has passed and the digest matched. */
  matched = false;

  constructor(expected: Checksum) {
    super();
    this.#expected = expected;
    this.#hash = createHash(expected.algorithm);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.#hash.digest('hex');
    if (actual !== this.#expected.hex) {
      const { algorithm, hex } = this.#expected;
      callback(retryable('checksum-mismatch', `the download's ${algorithm} is ${actual}, Dixa published ${hex}`));
      return;
    }
    this.matched = true;
    callback();
  }
}

/** A tap for the job's checksum, when it has one in an algorithm this runtime can compute. */
export function checksumTap(expected: Checksum | undefined): ChecksumTap | undefined {
  return expected && SUPPORTED.has(expected.algorithm) ? new ChecksumTap(expected) : undefined;
}

/** What the record says about Dixa's checksum, given the tap (if any) and the SHA-256 of the stored bytes. */
export function checksumCheck(
  expected: Checksum | undefined,
  tap: ChecksumTap | undefined,
  storedSha256: string,
): ChecksumCheck | undefined {
  if (!expected) return undefined;
  if (tap?.matched) return { ...expected, result: 'match' };
  if (expected.algorithm === 'sha256')
    return { ...expected, result: storedSha256 === expected.hex ? 'match' : 'mismatch' };
  const why = SUPPORTED.has(expected.algorithm) ? 'stored by an earlier attempt' : 'algorithm not supported';
  return { ...expected, result: 'not-checked', note: why };
}
