/**
 * Resumable progress. The state file holds, per run key (mode + range + window size + queue), the ids of the
 * windows or conversations whose jobs are all on the queue. It is rewritten atomically (temp file, fsync,
 * rename) after each one, so a crash at any moment leaves either the old or the new state, never half a file.
 * One backfill at a time per state file.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { UserError } from '../../lambdas/commons/errors.ts';
import type { Checkpoint as UnitCheckpoint } from '../../lambdas/dixa/backfill.ts';

export const DEFAULT_STATE_FILE = './.dixa-backfill-state.json';

interface StateFile {
  version: 1;
  runs: Record<string, { completed: string[]; updatedAt: string }>;
}

export class Checkpoint implements UnitCheckpoint {
  private readonly completed: Set<string>;

  private constructor(
    readonly path: string,
    readonly key: string,
    private readonly state: StateFile,
  ) {
    this.completed = new Set(state.runs[key]?.completed ?? []);
  }

  static async open(path: string, key: string): Promise<Checkpoint> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return new Checkpoint(path, key, { version: 1, runs: {} });
      throw new UserError(`cannot read the state file ${path}: ${(error as Error).message}`);
    }
    return new Checkpoint(path, key, parseState(text, path));
  }

  has(id: string): boolean {
    return this.completed.has(id);
  }

  get size(): number {
    return this.completed.size;
  }

  /** Records `id` as done and persists the state before returning. */
  async complete(id: string, now = new Date()): Promise<void> {
    this.completed.add(id);
    this.state.runs[this.key] = { completed: [...this.completed], updatedAt: now.toISOString() };
    await writeAtomically(this.path, `${JSON.stringify(this.state, null, 2)}\n`);
  }
}

function parseState(text: string, path: string): StateFile {
  const invalid = (why: string) =>
    new UserError(`the state file ${path} is not a backfill state file (${why}): move it away or pass another --state`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('not JSON');
  }
  const state = value as Partial<StateFile> | null;
  if (state?.version !== 1 || typeof state.runs !== 'object' || state.runs === null) throw invalid('unknown format');
  for (const run of Object.values(state.runs)) {
    if (!Array.isArray(run?.completed) || !run.completed.every((id) => typeof id === 'string')) {
      throw invalid('a run has no list of completed ids');
    }
  }
  return state as StateFile;
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const file = await open(temp, 'w');
    try {
      await file.writeFile(content, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error: unknown) {
    await rm(temp, { force: true });
    throw new UserError(`cannot write the state file ${path}: ${(error as Error).message}`);
  }
}
