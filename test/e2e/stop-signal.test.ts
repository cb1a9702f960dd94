/**
 * A signal to the process a user started stops the whole pipeline, whichever wrapper started it. `kill -TERM` of
 * `npm start` (or of `npx dixa-archiver local`) reaches npm only: npm ends, and so does the `sh -c` it ran the
 * command in, without passing the signal on. Local mode must still stop cleanly — webhooks refused, jobs
 * finished, ports free for the next start — and leave no process behind. (A SIGINT to npm alone is held by that
 * shell until the command ends, as POSIX shells do; Ctrl-C in a terminal signals every process and is tested by
 * readme-quickstart.test.ts.)
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Child, childEnv, freePort, signalGroup, startChild, until, waitForReady } from './helpers.ts';

const children: Child[] = [];
afterAll(() => {
  for (const child of children) signalGroup(child, 'SIGKILL');
});

/** True while any process of the child's group (npm, sh, node) is alive. */
function groupAlive(child: Child): boolean {
  try {
    process.kill(-child.process.pid!, 0);
    return true;
  } catch {
    return false;
  }
}

describe('stopping local mode by signalling the process the user started', () => {
  it.each([
    ['npm start', 'SIGTERM'],
    ['npx dixa-archiver local', 'SIGTERM'],
  ] as const)(
    '%s, %s to that process alone: stops cleanly, nothing left running',
    {
      timeout: 120_000,
    },
    async (command, signal) => {
      const env = childEnv({
        ARCHIVE_DIR: await mkdtemp(join(tmpdir(), 'dixa-stop-')),
        PORT: String(await freePort()),
        S3_PORT: String(await freePort()),
        SQS_PORT: String(await freePort()),
      });
      const [program, ...args] = command.split(' ');
      const local = startChild(program!, args, env);
      children.push(local);
      const ready = await waitForReady(local);
      expect((await fetch(String(ready.webhookUrl).replace(/webhook$/, 'health'))).status).toBe(200);

      process.kill(local.process.pid!, signal); // npm only, as `kill -TERM <pid>` does
      await until(() => !groupAlive(local), 60_000);
      expect(groupAlive(local)).toBe(false);
      expect(local.records.map((r) => r.message)).toContain('stopped');
      await expect(fetch(String(ready.webhookUrl).replace(/webhook$/, 'health'))).rejects.toThrow(); // its ports are free again
    },
  );
});
