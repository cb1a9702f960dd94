import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  configFromEnv,
  loadEnvFile,
  localSecretPath,
  resolveWebhookSecret,
  VARIABLES,
} from '../../../cli/local/config.ts';
import { UserError } from '../../../lambdas/commons/errors.ts';

const REAL = { DIXA_API_TOKEN: 'tok', DIXA_WEBHOOK_SECRET: 'ab12'.repeat(8) };

function failure(env: NodeJS.ProcessEnv): UserError {
  try {
    configFromEnv(env);
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('configFromEnv', () => {
  it('has the documented defaults, and demo mode when no Dixa setting is present', () => {
    const config = configFromEnv({}, { tty: true });
    expect(config).toMatchObject({
      demo: true,
      port: 3000,
      s3Port: 4569,
      sqsPort: 4566,
      bucket: 'dixa-archive',
      prefix: 'dixa',
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: 60,
      logFormat: 'pretty',
      webhookSecret: undefined,
    });
    expect(config.archiveDir).toBe(join(process.cwd(), '.dixa-archive'));
    expect(configFromEnv({}, { tty: false }).logFormat).toBe('json');
  });

  it('uses files.dixa.io with a token, and the given loopback files host for tests', () => {
    expect(configFromEnv(REAL)).toMatchObject({ demo: false, filesBaseUrl: 'https://files.dixa.io', apiToken: 'tok' });
    expect(configFromEnv({ ...REAL, DIXA_FILES_BASE_URL: 'http://127.0.0.1:4010/' }).filesBaseUrl).toBe(
      'http://127.0.0.1:4010',
    );
    expect(configFromEnv({ ...REAL }, { demo: true })).toMatchObject({ demo: true, apiToken: '' });
  });

  it.each([
    [{ DIXA_FILES_BASE_URL: 'https://files.dixa.io' }, 'DIXA_API_TOKEN'],
    [{ ...REAL, DIXA_WEBHOOK_SECRET: 'not-hex' }, 'DIXA_WEBHOOK_SECRET'],
    [{ ...REAL, DIXA_WEBHOOK_SECRET: 'abc' }, 'DIXA_WEBHOOK_SECRET'],
    [{ ...REAL, DIXA_FILES_BASE_URL: 'http://files.dixa.io' }, 'DIXA_FILES_BASE_URL'],
    [{ ...REAL, DIXA_FILES_BASE_URL: 'https://files.dixa.io/private' }, 'DIXA_FILES_BASE_URL'],
    [{ ...REAL, DIXA_API_BASE_URL: 'ftp://dev.dixa.io' }, 'DIXA_API_BASE_URL'],
    [{ ...REAL, DIXA_EXPORTS_BASE_URL: 'not a url' }, 'DIXA_EXPORTS_BASE_URL'],
    [{ ARCHIVE_BUCKET: 'Bad_Bucket' }, 'ARCHIVE_BUCKET'],
    [{ ARCHIVE_PREFIX: 'a/../b' }, 'ARCHIVE_PREFIX'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '3000abc' }, 'PORT'],
    [{ S3_PORT: 'x' }, 'S3_PORT'],
    [{ SQS_PORT: '65536' }, 'SQS_PORT'],
    [{ MAX_RECEIVE_COUNT: '0' }, 'MAX_RECEIVE_COUNT'],
    [{ VISIBILITY_TIMEOUT_SECONDS: '-1' }, 'VISIBILITY_TIMEOUT_SECONDS'],
    [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT'],
    // the handlers' own settings, checked before local mode says "ready" (else every job would fail)
    [{ PART_SIZE_MIB: 'abc' }, 'PART_SIZE_MIB'],
    [{ PART_SIZE_MIB: '4' }, 'PART_SIZE_MIB'],
    [{ UPLOAD_QUEUE_SIZE: '0' }, 'UPLOAD_QUEUE_SIZE'],
    [{ FETCH_IDLE_TIMEOUT_MS: '1.5' }, 'FETCH_IDLE_TIMEOUT_MS'],
    [{ FETCH_CONNECT_TIMEOUT_MS: 'soon' }, 'FETCH_CONNECT_TIMEOUT_MS'],
    [{ SIGNATURE_TOLERANCE_SECONDS: 'x' }, 'SIGNATURE_TOLERANCE_SECONDS'],
    [{ MAX_BODY_BYTES: '-5' }, 'MAX_BODY_BYTES'],
  ])('rejects %j with one line naming %s (exit 2)', (env, name) => {
    const error = failure(env);
    expect(error.exitCode).toBe(2);
    expect(error.message.startsWith(name)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('refuses an ARCHIVE_DIR that is a file or lies under one as a usage error (exit 2), naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'archive-dir-'));
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    for (const archiveDir of [file, join(file, 'archive'), join(file, 'deeper', 'archive')]) {
      const error = failure({ ARCHIVE_DIR: archiveDir });
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(`ARCHIVE_DIR ${archiveDir}: ${file} is a file, not a folder`);
    }
    expect(configFromEnv({ ARCHIVE_DIR: join(dir, 'new', 'archive') }).archiveDir).toBe(join(dir, 'new', 'archive'));
  });

  it('never echoes a malformed secret back', () => {
    expect(failure({ ...REAL, DIXA_WEBHOOK_SECRET: 'zz-secret-zz' }).message).not.toContain('zz-secret-zz');
  });

  it('documents every variable it reads in --help', () => {
    const documented = VARIABLES.map(([name]) => name);
    for (const name of [
      'DIXA_API_TOKEN',
      'DIXA_WEBHOOK_SECRET',
      'DIXA_FILES_BASE_URL',
      'DIXA_API_BASE_URL',
      'DIXA_EXPORTS_BASE_URL',
      'ARCHIVE_BUCKET',
      'ARCHIVE_PREFIX',
      'PORT',
      'S3_PORT',
      'SQS_PORT',
      'ARCHIVE_DIR',
      'MAX_RECEIVE_COUNT',
      'VISIBILITY_TIMEOUT_SECONDS',
      'LOG_FORMAT',
    ]) {
      expect(documented).toContain(name);
    }
  });
});

describe('loadEnvFile', () => {
  it('adds what the environment does not set; the environment wins', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'envfile-'));
    const file = join(dir, '.env');
    await writeFile(file, '# comment\nPORT=4000\nARCHIVE_BUCKET="from-file"\nPART_SIZE_MIB=16\n');
    const env: NodeJS.ProcessEnv = { PORT: '5000' };
    loadEnvFile(env, file);
    expect(env).toEqual({ PORT: '5000', ARCHIVE_BUCKET: 'from-file', PART_SIZE_MIB: '16' });
  });

  it('is quiet when the default .env is absent, and loud when a named file is', () => {
    expect(() => loadEnvFile({}, undefined)).not.toThrow();
    expect(() => loadEnvFile({}, '/nonexistent/.env')).toThrow(/cannot read env file \/nonexistent\/.env/);
  });
});

describe('resolveWebhookSecret', () => {
  it('generates a secret once, keeps it private in ARCHIVE_DIR/local-secret, and reuses it', async () => {
    const archiveDir = await mkdtemp(join(tmpdir(), 'secret-'));
    const config = configFromEnv({ ARCHIVE_DIR: archiveDir });
    const first = await resolveWebhookSecret(config);
    expect(first.origin).toBe('generated');
    expect(first.secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await readFile(localSecretPath(archiveDir), 'utf8')).trim()).toBe(first.secret);
    expect((await stat(localSecretPath(archiveDir))).mode & 0o777).toBe(0o600);
    expect(await resolveWebhookSecret(config)).toEqual({ secret: first.secret, origin: 'local-secret' });
  });

  it('prefers DIXA_WEBHOOK_SECRET and rejects a corrupted local-secret naming the file', async () => {
    const archiveDir = await mkdtemp(join(tmpdir(), 'secret-'));
    expect(
      await resolveWebhookSecret(configFromEnv({ ARCHIVE_DIR: archiveDir, DIXA_WEBHOOK_SECRET: 'AB12'.repeat(8) })),
    ).toEqual({
      secret: 'ab12'.repeat(8),
      origin: 'environment',
    });
    await writeFile(localSecretPath(archiveDir), 'oops\n');
    await expect(resolveWebhookSecret(configFromEnv({ ARCHIVE_DIR: archiveDir }))).rejects.toThrow(
      `${localSecretPath(archiveDir)}: webhook signing secret must be a hex string`,
    );
  });
});
