/**
 * The benchmark's helper processes (loopback source, local S3, one process per measurement) are forked with an
 * IPC channel: TypeScript modules through tsx, bundled workers (bench/lib/workers.ts) with plain node. A child
 * announces itself with one message; when the parent goes away (even killed), the IPC channel closes and the
 * child cleans up and exits, so nothing is left behind.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface Child<T> {
  /** The first message the child sent. */
  info: T;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Forks `module` (a URL, e.g. `new URL('./x.ts', import.meta.url)`) and resolves with its first IPC message. */
export function forkChild<T>(module: URL, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Child<T>> {
  return new Promise((resolve, reject) => {
    const file = fileURLToPath(module);
    const child = fork(file, args, {
      env: { ...process.env, ...env },
      execArgv: execArgvFor(file),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`${file} exited (${signal ?? code}) before it was ready`));
    child.once('error', reject);
    child.once('exit', onExit);
    child.once('message', (info) => {
      child.off('exit', onExit);
      resolve({ info: info as T, process: child, stop: () => stopChild(child) });
    });
  });
}

/** TypeScript runs through tsx; bundled JavaScript runs on plain node, as in Lambda. */
const execArgvFor = (file: string) => (file.endsWith('.ts') ? ['--import', 'tsx'] : []);

/** Ends a child this process started (by its own handle, never by name) and waits for it to exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Runs one measurement in a child that sends exactly one result message and exits 0. `stdout: 'ignore'`
 * discards what the child prints (e.g. a Lambda handler's logs, still written, as in Lambda).
 */
export function runChild<T>(
  module: URL | string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { stdout?: 'inherit' | 'ignore'; execArgv?: string[] } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const file = typeof module === 'string' ? module : fileURLToPath(module);
    const child = fork(file, args, {
      env: { ...process.env, ...env },
      execArgv: [...execArgvFor(file), ...(options.execArgv ?? [])],
      stdio: ['ignore', options.stdout ?? 'inherit', 'inherit', 'ipc'],
    });
    let result: { value: T } | undefined;
    child.once('message', (message) => {
      result = { value: message as T };
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0 && result) resolve(result.value);
      else reject(new Error(`${file} ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/**
 * In a child: announce `info` to the parent, then run until the parent stops us (SIGTERM) or disappears
 * (IPC disconnect); `cleanup` runs once either way.
 */
export function serveUntilStopped(info: unknown, cleanup: () => Promise<void> | void): void {
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await cleanup();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.once('disconnect', stop);
  process.send?.(info);
}
