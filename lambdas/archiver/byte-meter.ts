/**
 * A pass-through stream that counts (and optionally hashes) the bytes of a download. With `expectedBytes`
 * (the Content-Length) it fails the stream as soon as more arrive, and at the end if fewer did — before the
 * consumer sees the end, so an upload reading from it aborts instead of completing a short file.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { retryable } from './failures.ts';

export interface ByteMeterOptions {
  expectedBytes?: number;
  hash?: boolean;
  /** Called once with the totals when the last byte has passed, before the stream ends. */
  onComplete?: (totals: { bytes: number; sha256: string | undefined }) => void;
}

export class ByteMeter extends Transform {
  bytes = 0;
  sha256: string | undefined;
  readonly #hash: Hash | undefined;
  readonly #expected: number | undefined;
  readonly #onComplete: ByteMeterOptions['onComplete'];

  constructor(options: ByteMeterOptions = {}) {
    super();
    this.#expected = options.expectedBytes;
    this.#hash = options.hash === false ? undefined : createHash('sha256');
    this.#onComplete = options.onComplete;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.#expected !== undefined && this.bytes > this.#expected) {
      callback(this.#mismatch());
      return;
    }
    this.#hash?.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#expected !== undefined && this.bytes !== this.#expected) {
      callback(this.#mismatch());
      return;
    }
    this.sha256 = this.#hash?.digest('hex');
    this.#onComplete?.({ bytes: this.bytes, sha256: this.sha256 });
    callback();
  }

  #mismatch() {
    const received = this.bytes > (this.#expected ?? 0) ? `more than ${this.#expected}` : `${this.bytes}`;
    return retryable('size-mismatch', `received ${received} bytes but Content-Length is ${this.#expected}`);
  }
}
