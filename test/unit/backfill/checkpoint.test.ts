import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Checkpoint } from '../../../cli/backfill/checkpoint.ts';
import { UserError } from '../../../lambdas/commons/errors.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backfill-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Checkpoint', () => {
  it('starts empty without a file and persists each completion before returning', async () => {
    const path = join(dir, 'state.json');
    const checkpoint = await Checkpoint.open(path, 'run A');
    expect(checkpoint.size).toBe(0);
    await checkpoint.complete('2024-01-01..2024-01-30');
    const reopened = await Checkpoint.open(path, 'run A');
    expect(reopened.has('2024-01-01..2024-01-30')).toBe(true);
    expect(reopened.has('2024-01-31..2024-02-29')).toBe(false);
  });

  it('keeps runs with other parameters apart, and keeps them in the file', async () => {
    const path = join(dir, 'state.json');
    await (await Checkpoint.open(path, 'run A')).complete('x');
    const b = await Checkpoint.open(path, 'run B');
    expect(b.has('x')).toBe(false);
    await b.complete('y');
    const state = JSON.parse(await readFile(path, 'utf8'));
    expect(state.version).toBe(1);
    expect(state.runs['run A'].completed).toEqual(['x']);
    expect(state.runs['run B'].completed).toEqual(['y']);
  });

  it('writes through a temporary file and leaves none behind', async () => {
    const path = join(dir, 'state.json');
    const checkpoint = await Checkpoint.open(path, 'k');
    for (let i = 0; i < 5; i++) await checkpoint.complete(`w${i}`);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it.each([
    ['not JSON', '{"version":1,"runs":'],
    ['unknown format', '{"windows":[]}'],
    ['a run has no list of completed ids', '{"version":1,"runs":{"k":{"completed":[1]}}}'],
  ])('refuses a state file that is %s, with one line', async (why, content) => {
    const path = join(dir, 'state.json');
    await writeFile(path, content);
    const error = await Checkpoint.open(path, 'k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `the state file ${path} is not a backfill state file (${why}): move it away or pass another --state`,
    );
  });

  it('reports a state file it cannot write as one line', async () => {
    const checkpoint = await Checkpoint.open(join(dir, 'missing-dir', 'state.json'), 'k');
    await expect(checkpoint.complete('w')).rejects.toThrow(/^cannot write the state file .*missing-dir.*ENOENT/);
  });
});
