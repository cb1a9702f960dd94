import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lambdas/commons/env.ts';
import { DEFAULT_MAX_BODY_BYTES, ingestConfigFromEnv } from '../../../lambdas/ingest/config.ts';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/dixa-file-jobs';

describe('ingestConfigFromEnv', () => {
  it('applies the documented defaults', () => {
    expect(ingestConfigFromEnv({ JOB_QUEUE_URL: QUEUE })).toEqual({
      queueUrl: QUEUE,
      files: { origin: 'https://files.dixa.io', protocol: 'https:', authority: 'files.dixa.io' },
      signatureToleranceMs: 300_000,
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    });
    expect(DEFAULT_MAX_BODY_BYTES).toBe(1_048_576);
  });

  it('reads every variable', () => {
    const config = ingestConfigFromEnv({
      JOB_QUEUE_URL: QUEUE,
      DIXA_FILES_BASE_URL: 'http://127.0.0.1:4567',
      SIGNATURE_TOLERANCE_SECONDS: '60',
      MAX_BODY_BYTES: '2048',
    });
    expect(config).toMatchObject({
      files: { origin: 'http://127.0.0.1:4567', authority: '127.0.0.1:4567' },
      signatureToleranceMs: 60_000,
      maxBodyBytes: 2048,
    });
  });

  it.each([
    [{}, 'JOB_QUEUE_URL is not set'],
    [{ JOB_QUEUE_URL: '  ' }, 'JOB_QUEUE_URL is not set'],
    [{ JOB_QUEUE_URL: QUEUE, MAX_BODY_BYTES: '1e6' }, 'MAX_BODY_BYTES must be a positive integer, got "1e6"'],
    [{ JOB_QUEUE_URL: QUEUE, MAX_BODY_BYTES: '0' }, 'MAX_BODY_BYTES must be a positive integer, got "0"'],
    [{ JOB_QUEUE_URL: QUEUE, SIGNATURE_TOLERANCE_SECONDS: '-5' }, 'SIGNATURE_TOLERANCE_SECONDS must be a positive'],
    [
      { JOB_QUEUE_URL: QUEUE, DIXA_FILES_BASE_URL: 'http://files.dixa.io' },
      'DIXA_FILES_BASE_URL: files base URL must be https',
    ],
    [{ JOB_QUEUE_URL: QUEUE, DIXA_FILES_BASE_URL: 'ftp://files.dixa.io' }, 'DIXA_FILES_BASE_URL: files base URL must'],
  ])('rejects %j', (env, message) => {
    expect(() => ingestConfigFromEnv(env)).toThrow(ConfigError);
    expect(() => ingestConfigFromEnv(env)).toThrow(message);
  });
});
