/**
 * The README's local backfill recipe, command for command: a fake Dixa (APIs and files host), local mode with it as
 * the files host, a week of backfill into local mode's queue, then `list` of that week. Only the ports differ (and
 * the backfill's state file goes to a temporary folder instead of the repository), so the test can run next to
 * anything else. Every job the backfill queued must end archived, byte for byte as the fake serves it.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_REJECTED_LINKS } from '../../cli/commands/backfill.ts';
import type { ListedFile } from '../../lambdas/compliance/listing.ts';
import { fakeFileContent } from '../fakes/dixa-api.ts';
import {
  type Child,
  childEnv,
  freePort,
  REPO_ROOT,
  run,
  signalGroup,
  startChild,
  until,
  waitForReady,
} from './helpers.ts';

const children: Child[] = [];
afterAll(() => {
  for (const child of children) signalGroup(child, 'SIGKILL');
});

/** The recipe's four commands, as the README shows them. */
async function recipe(): Promise<string[]> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('**Try it without a Dixa account.**'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block.trim().split('\n');
}

/** `A=1 B=2 cmd args…` → the environment and the argv. */
function parse(line: string): { env: Record<string, string>; argv: string[] } {
  const words = line.split(' ');
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0]!)) {
    const [name, ...value] = words.shift()!.split('=');
    env[name!] = value.join('=');
  }
  return { env, argv: words };
}

describe('README: backfill without a Dixa account', () => {
  it('archives every file the backfill queued, end to end', { timeout: 240_000 }, async () => {
    const lines = await recipe();
    expect(lines).toHaveLength(4);
    const ports = { dixa: await freePort(), web: await freePort(), s3: await freePort(), sqs: await freePort() };
    const withPorts = (line: string) =>
      line
        .replaceAll(':4010', `:${ports.dixa}`)
        .replaceAll(':4566', `:${ports.sqs}`)
        .replaceAll(':4569', `:${ports.s3}`);
    const [fake, start, backfill, list] = lines.map((line) => parse(withPorts(line)));
    const base = { PORT: String(ports.web), S3_PORT: String(ports.s3), SQS_PORT: String(ports.sqs) };
    const work = await mkdtemp(join(tmpdir(), 'dixa-readme-backfill-'));

    const dixa = startChild(fake!.argv[0]!, [...fake!.argv.slice(1), '--port', String(ports.dixa)], childEnv({}));
    children.push(dixa);
    await until(() => dixa.output.some((line) => line.startsWith('fake Dixa')), 60_000);

    const env = childEnv({ ...base, ARCHIVE_DIR: join(work, 'archive') });
    const local = startChild(start!.argv[0]!, start!.argv.slice(1), { ...env, ...start!.env });
    children.push(local);
    await waitForReady(local);

    const state = join(work, 'state.json');
    const queued = await run(backfill!.argv[0]!, [...backfill!.argv.slice(1), '--state', state], {
      ...env,
      ...backfill!.env,
    });
    expect(queued.stderr + queued.stdout).not.toContain('dixa-archiver:');
    // A few of the fake's links are deliberately bad: the run says it is incomplete, in its summary and exit status.
    expect(queued.stdout).toMatch(/INCOMPLETE: \d+ file links? were rejected/);
    expect(queued.code).toBe(EXIT_REJECTED_LINKS);
    const jobs = Number(/jobs\s+(\d+) queued/.exec(queued.stdout)![1]);
    expect(jobs).toBeGreaterThan(5);

    let files: ListedFile[] = [];
    await until(async () => {
      const listed = await run(list!.argv[0]!, list!.argv.slice(1), env);
      files = listed.stdout.trim() ? (JSON.parse(listed.stdout) as ListedFile[]) : [];
      return files.length >= jobs;
    }, 180_000);
    expect(files).toHaveLength(jobs);
    // Byte for byte what the fake served: each record's source link names the path whose content was fetched.
    const s3Dir = join(work, 'archive', 's3');
    for (const file of files) {
      const record = JSON.parse(await readFile(join(s3Dir, 'dixa-archive', `${file.key}.json._S3rver_object`), 'utf8'));
      const expected = createHash('sha256')
        .update(fakeFileContent(new URL(record.sourceUrl).pathname))
        .digest('hex');
      expect(file.sha256).toBe(expected);
    }
    expect(local.output.join('\n')).not.toMatch(/dead-letter|dead letter/i);
  });
});
