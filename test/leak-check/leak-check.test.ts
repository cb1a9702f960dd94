/**
 * The leak check can fail: a child vitest run with the check installed runs test/leak-check/fixtures/
 * leaky.fixture.ts, whose tests print secrets through every channel the check watches.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXTRA_SECRETS_VARIABLE } from './setup.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface JsonReport {
  testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
}

describe('secret leak check', () => {
  it('fails each test that prints a secret, whatever the channel, and never repeats the secret', {
    timeout: 60_000,
  }, async () => {
    const planted = `planted-${randomBytes(12).toString('hex')}`;
    const dir = await mkdtemp(join(tmpdir(), 'leak-check-'));
    const reportPath = join(dir, 'report.json');
    // The child must not think it is a worker of this run.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
    const output = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        [
          'node_modules/vitest/vitest.mjs',
          'run',
          '--config',
          'test/leak-check/fixtures/vitest.config.ts',
          '--silent',
          '--reporter=json',
          `--outputFile.json=${reportPath}`,
        ],
        { cwd: ROOT, env: { ...env, [EXTRA_SECRETS_VARIABLE]: planted }, maxBuffer: 16 * 1024 * 1024 },
        (_error, stdout, stderr) => resolve(`${stdout}${stderr}`),
      );
    });
    const report = JSON.parse(await readFile(reportPath, 'utf8')) as JsonReport;
    await rm(dir, { recursive: true, force: true });

    const results = report.testResults.flatMap((file) => file.assertionResults);
    const status = Object.fromEntries(results.map((r) => [r.title, r.status]));
    expect(status).toEqual({
      'prints nothing secret': 'passed',
      'console.log of a known test token': 'failed',
      'a JSON log line on process.stdout carrying a secret': 'failed',
      'an Authorization header line on stderr': 'failed',
      'a header dump through util.inspect': 'failed',
      'a child process printing the secret': 'failed',
    });
    const failure = (title: string) => results.find((r) => r.title === title)!.failureMessages.join('\n');
    expect(failure('console.log of a known test token')).toMatch(/known secret #1 in console\.log/);
    expect(failure('a JSON log line on process.stdout carrying a secret')).toMatch(
      /known secret #\d+ in process\.stdout/,
    );
    expect(failure('an Authorization header line on stderr')).toMatch(/Basic bearer: credentials in console\.error/);
    expect(failure('a header dump through util.inspect')).toMatch(/Authorization value in a dump/);
    expect(failure('a child process printing the secret')).toMatch(/known secret #\d+ in output of child .*\(stdout\)/);
    // The check fails the test; it does not swallow the output (a raw process.stdout write still shows), and its
    // own report never repeats the secret.
    expect(JSON.stringify(report)).not.toContain(planted);
    expect(output).toContain('JSON report written');
  });
});
