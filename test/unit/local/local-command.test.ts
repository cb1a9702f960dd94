import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bannerLines, command } from '../../../cli/commands/local.ts';
import { VARIABLES } from '../../../cli/local/config.ts';
import type { RunningLocal } from '../../../cli/local/start.ts';

afterEach(() => vi.unstubAllEnvs());

describe('dixa-archiver local', () => {
  it('--help documents every variable with its default', () => {
    for (const [name, fallback] of VARIABLES) {
      expect(command.help).toContain(name);
      expect(command.help).toContain(`default: ${fallback}`);
    }
  });

  it('stops before starting anything on a bad value: one line naming the variable, exit 2', async () => {
    vi.stubEnv('PORT', 'three thousand');
    await expect(command.run([])).rejects.toMatchObject({
      exitCode: 2,
      message: 'PORT must be an integer from 0 to 65535, not "three thousand"',
    });
  });

  it('rejects unknown flags as a usage error', async () => {
    await expect(command.run(['--verbose'])).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/--verbose/),
    });
  });

  it('names the variable whose port is taken', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    vi.stubEnv('ARCHIVE_DIR', await mkdtemp(join(tmpdir(), 'local-cmd-')));
    vi.stubEnv('PORT', '0');
    vi.stubEnv('SQS_PORT', '0');
    vi.stubEnv('S3_PORT', String(port));
    await expect(command.run([])).rejects.toMatchObject({
      exitCode: 2,
      message: `S3_PORT: port ${port} is in use on 127.0.0.1 (set S3_PORT to a free port, or 0 for any)`,
    });
    busy.close();
  });

  it('tells dead letters kept for redrive apart from unfinished jobs run again', () => {
    const local = {
      webhookUrl: 'http://127.0.0.1:3000/webhook',
      filesBaseUrl: 'http://127.0.0.1:4010',
      demo: false,
      s3Endpoint: 'http://127.0.0.1:4569',
      bucket: 'dixa-archive',
      prefix: 'dixa',
      storageDir: '/tmp/a/s3',
      sqsEndpoint: 'http://127.0.0.1:4566',
      jobQueueUrl: 'http://sqs.us-east-1.localhost:4566/000000000000/dixa-archiver-jobs',
      deadLetterQueueUrl: 'http://sqs.us-east-1.localhost:4566/000000000000/dixa-archiver-jobs-dlq',
      journalDir: '/tmp/a/journal',
      replayed: 261,
      replayedDeadLetters: 258,
    } as RunningLocal;
    const commands = { signCommand: 's', listCommand: 'l', filesCommand: 'f', consoleCommand: 'c', secret: 'x' };
    const banner = bannerLines(local, commands).join('\n');
    expect(banner).toContain('(3 unfinished jobs from the last run queued again)');
    expect(banner).toContain('(258 failed jobs kept; see why: npx dixa-archiver redrive --queue-url');
    expect(banner).not.toMatch(/258 unfinished/);

    const onlyDead = bannerLines({ ...local, replayed: 1, replayedDeadLetters: 1 }, commands).join('\n');
    expect(onlyDead).toContain('(1 failed job kept;');
    expect(onlyDead).not.toContain('unfinished');
  });
});
