import { describe, expect, it } from 'vitest';
import { ArchiveFailure, permanent, toFailure } from '../../../lambdas/archiver/failures.ts';
import { basicAuthorization } from '../../../lambdas/archiver/fetch-file.ts';

describe('toFailure', () => {
  it('keeps an ArchiveFailure as it is', () => {
    const failure = permanent('not-found', 'files.dixa.io answered 404 Not Found');
    expect(toFailure(failure)).toBe(failure);
  });

  it('makes S3 and network errors retryable, with one line of reason', () => {
    const s3 = Object.assign(new Error('Please reduce\nyour request rate.'), {
      name: 'SlowDown',
      $metadata: { httpStatusCode: 503 },
    });
    expect(toFailure(s3)).toMatchObject({
      kind: 'retry',
      code: 's3-error',
      message: 'S3 SlowDown (503): Please reduce your request rate.',
    });
    const net = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(toFailure(net)).toMatchObject({ kind: 'retry', message: 'ECONNRESET: socket hang up' });
    expect(toFailure('weird')).toBeInstanceOf(ArchiveFailure);
  });

  it('bounds the reason length', () => {
    expect(permanent('x', 'y'.repeat(5000)).message.length).toBeLessThanOrEqual(501);
  });
});

describe('basicAuthorization', () => {
  it("is exactly Dixa's documented form", () => {
    expect(basicAuthorization('yourapitoken')).toBe('Basic YmVhcmVyOnlvdXJhcGl0b2tlbg==');
  });
});
