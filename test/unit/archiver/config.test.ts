import { describe, expect, it } from 'vitest';
import { archiverConfigFromEnv } from '../../../lambdas/archiver/config.ts';

const base = {
  ARCHIVE_BUCKET: 'archive',
  JOB_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/jobs',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/jobs-dlq',
};

describe('archiverConfigFromEnv', () => {
  it('has the documented defaults', () => {
    expect(archiverConfigFromEnv(base)).toEqual({
      files: { origin: 'https://files.dixa.io', protocol: 'https:', authority: 'files.dixa.io' },
      bucket: 'archive',
      prefix: 'dixa',
      partSizeBytes: 8 * 1024 * 1024,
      queueSize: 2,
      connectTimeoutMs: 5000,
      idleTimeoutMs: 30000,
      minBytesPerSecond: 16 * 1024,
      throughputWindowMs: 30_000,
      maxDecodedRatio: 100,
      jobQueueUrl: base.JOB_QUEUE_URL,
      deadLetterQueueUrl: base.DEAD_LETTER_QUEUE_URL,
      maxReceiveCount: 5,
      objectLock: false,
    });
  });

  it('reads every setting', () => {
    const config = archiverConfigFromEnv({
      ...base,
      DIXA_FILES_BASE_URL: 'http://127.0.0.1:4010',
      ARCHIVE_PREFIX: '/team/dixa/',
      PART_SIZE_MIB: '16',
      UPLOAD_QUEUE_SIZE: '3',
      FETCH_CONNECT_TIMEOUT_MS: '1000',
      FETCH_IDLE_TIMEOUT_MS: '2000',
      FETCH_MIN_BYTES_PER_SECOND: '0',
      FETCH_THROUGHPUT_WINDOW_MS: '60000',
      FETCH_MAX_DECODED_RATIO: '20',
      MAX_RECEIVE_COUNT: '8',
      ARCHIVE_OBJECT_LOCK: 'true',
    });
    expect(config).toMatchObject({
      prefix: 'team/dixa',
      partSizeBytes: 16 * 1024 * 1024,
      queueSize: 3,
      connectTimeoutMs: 1000,
      idleTimeoutMs: 2000,
      minBytesPerSecond: 0,
      throughputWindowMs: 60_000,
      maxDecodedRatio: 20,
      maxReceiveCount: 8,
      objectLock: true,
    });
    expect(config.files.origin).toBe('http://127.0.0.1:4010');
  });

  it.each([
    [{ ARCHIVE_BUCKET: '' }, /ARCHIVE_BUCKET is not set/],
    [{ JOB_QUEUE_URL: undefined }, /JOB_QUEUE_URL is not set/],
    [{ DEAD_LETTER_QUEUE_URL: ' ' }, /DEAD_LETTER_QUEUE_URL is not set/],
    [{ PART_SIZE_MIB: '4' }, /PART_SIZE_MIB must be an integer from 5 to 512/],
    [{ PART_SIZE_MIB: '8.5' }, /PART_SIZE_MIB/],
    [{ UPLOAD_QUEUE_SIZE: '0' }, /UPLOAD_QUEUE_SIZE/],
    [{ FETCH_IDLE_TIMEOUT_MS: 'soon' }, /FETCH_IDLE_TIMEOUT_MS/],
    [{ FETCH_MIN_BYTES_PER_SECOND: '-1' }, /FETCH_MIN_BYTES_PER_SECOND/],
    [{ FETCH_THROUGHPUT_WINDOW_MS: '10' }, /FETCH_THROUGHPUT_WINDOW_MS/],
    [{ FETCH_MAX_DECODED_RATIO: '0' }, /FETCH_MAX_DECODED_RATIO/],
    [{ ARCHIVE_PREFIX: 'a/../b' }, /ARCHIVE_PREFIX/],
    [{ DIXA_FILES_BASE_URL: 'http://files.dixa.io' }, /DIXA_FILES_BASE_URL: .*loopback/],
    [{ DIXA_FILES_BASE_URL: 'https://files.dixa.io/private' }, /DIXA_FILES_BASE_URL/],
    [{ ARCHIVE_OBJECT_LOCK: 'yes' }, /ARCHIVE_OBJECT_LOCK must be true or false/],
  ])('%j is refused with the variable named', (override, message) => {
    expect(() => archiverConfigFromEnv({ ...base, ...override })).toThrow(message);
  });
});
