/**
 * The README's local-mode walkthrough, command for command, as a new user runs it: `npm start` (demo mode, no
 * Dixa settings), `npx dixa-archiver sign` in a second terminal, see the files archived, Ctrl-C. Only the ports
 * and ARCHIVE_DIR differ (through the environment), so the test can run next to anything else on the machine.
 */

import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_FILES } from '../../cli/local/demo-files.ts';
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

/** The commands exactly as the README shows them (the test checks the README still does). */
const START = 'npm start';
const SIGN = 'npx dixa-archiver sign';
const LIST = 'npx dixa-archiver list --endpoint http://127.0.0.1:4569 --conversation 1042';
const FIND = "find .dixa-archive/s3 -path '*/conversations/*' -name '*._S3rver_object'";

const children: Child[] = [];
afterAll(() => {
  for (const child of children) signalGroup(child, 'SIGKILL');
});

async function storedObjects(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((name) => name.endsWith('._S3rver_object')).map((name) => join(dir, name));
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('README quick start (local mode)', () => {
  it('the README shows these commands', async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    for (const command of [START, SIGN, LIST, FIND]) expect(readme).toContain(command);
  });

  it('npm start, sign the sample, see both files archived byte for byte, Ctrl-C stops cleanly', {
    timeout: 120_000,
  }, async () => {
    const archiveDir = await mkdtemp(join(tmpdir(), 'dixa-quickstart-'));
    const ports = { PORT: await freePort(), S3_PORT: await freePort(), SQS_PORT: await freePort() };
    const env = childEnv({
      ARCHIVE_DIR: archiveDir,
      PORT: String(ports.PORT),
      S3_PORT: String(ports.S3_PORT),
      SQS_PORT: String(ports.SQS_PORT),
    });

    const [npm, ...startArgs] = START.split(' ');
    const local = startChild(npm!, startArgs, env);
    children.push(local);
    const ready = await waitForReady(local);
    expect(ready).toMatchObject({ demo: true, webhookUrl: `http://127.0.0.1:${ports.PORT}/webhook` });

    const [npx, ...signArgs] = SIGN.split(' ');
    const signed = await run(npx!, signArgs, env);
    expect(signed.stdout).toMatch(/^HTTP 202 /);
    expect(signed.code).toBe(0);

    // The two demo files land under ARCHIVE_DIR/s3 (what the README's `find` shows), byte for byte.
    const s3Dir = join(archiveDir, 's3');
    const isFile = (path: string) =>
      path.includes(`${sep}conversations${sep}`) && !path.endsWith('.json._S3rver_object');
    await until(async () => (await storedObjects(s3Dir)).filter(isFile).length === 2);
    const stored = (await storedObjects(s3Dir)).filter(isFile);
    const expected = Object.values(DEMO_FILES).map((f) => sha256(f.body));
    const actual = await Promise.all(stored.map(async (path) => sha256(await readFile(path))));
    expect(actual.sort()).toEqual(expected.sort());
    // and their two provenance records (each written just after its file)
    const inConversations = async () =>
      (await storedObjects(s3Dir)).filter((path) => path.includes(`${sep}conversations${sep}`));
    await until(async () => (await inConversations()).length === 4);
    expect(await inConversations()).toHaveLength(4);
    // who took part is in the people index, under person keys (no address in any key)
    await until(async () => (await storedObjects(s3Dir)).some((path) => path.includes(`${sep}people${sep}`)));
    expect((await storedObjects(s3Dir)).join('\n')).not.toContain('@');

    // `dixa-archiver list` against local mode's S3 shows them too (README command, this run's S3 port).
    const [, ...listArgs] = LIST.replace('4569', String(ports.S3_PORT)).split(' ');
    const listed = await run(npx!, listArgs, env);
    expect(listed.code).toBe(0);
    for (const hash of expected) expect(listed.stdout).toContain(hash);

    // Each log line speaks for the invocation that wrote it (local mode runs invocations side by side, as Lambda
    // Managed Instances do): the first request is the cold start, and the archiver's lines are its own.
    const queued = local.records.find((r) => r.message === 'webhook queued');
    const archived = local.records.filter((r) => r.message === 'archived');
    expect(queued).toMatchObject({ cold_start: true, function_name: 'dixa-archiver-local-ingest' });
    expect(archived).toHaveLength(2);
    for (const record of archived) {
      expect(record).toMatchObject({ cold_start: false, function_name: 'dixa-archiver-local-archiver' });
      expect(record.function_request_id).not.toBe(queued?.function_request_id);
    }

    // Ctrl-C in the terminal: SIGINT to the whole foreground process group (npm, tsx, node).
    signalGroup(local, 'SIGINT');
    await local.exited;
    expect(local.records.map((r) => r.message)).toContain('stopped');
    expect(local.output.join('\n')).not.toMatch(/quitting without waiting|unfinished jobs/);
    await expect(fetch(String(ready.webhookUrl))).rejects.toThrow(); // nothing listens any more
  });
});
