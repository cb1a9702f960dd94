/**
 * Vitest setup file (vitest.config.ts `setupFiles`): the secret-leak check of every test run.
 *
 * Everything a test process prints is scanned — console methods, process.stdout/stderr writes (Powertools' JSON
 * logs go there) and the output of every child process it starts (local mode, the CLI), whoever reads it — for
 * the test secrets (test/fakes/test-secrets.ts, plus DIXA_API_TOKEN/DIXA_WEBHOOK_SECRET as set at the time),
 * Dixa Basic credentials, Bearer tokens and Authorization header values. A hit fails the test during which it
 * was printed (afterEach), or the file (afterAll) when it came from a hook or arrived late.
 */
import { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { format, inspect } from 'node:util';
import { afterAll, afterEach, expect } from 'vitest';
import { KNOWN_TEST_SECRETS } from '../fakes/test-secrets.ts';
import { createSecretScanner, type Finding, MIN_SECRET_LENGTH, type SecretScanner } from './scanner.ts';

/** Adds secrets for this process only (comma-separated): lets the check's own test plant a fresh one. */
export const EXTRA_SECRETS_VARIABLE = 'LEAK_CHECK_EXTRA_SECRETS';

interface Hit extends Finding {
  where: string;
  test: string | undefined;
}

interface LeakCheck {
  hits: Hit[];
}

const STATE = Symbol.for('dixa-archiver.leak-check');
const registry = globalThis as { [STATE]?: LeakCheck };
// With pool isolation off, this file runs again for every test file in the same process: install only once.
registry[STATE] ??= install();
const state = registry[STATE]!;

afterEach(() => fail('while this test ran'));
afterAll(() => fail('in this file (hooks or late output)'));

function fail(when: string): void {
  const hits = state.hits.splice(0);
  if (hits.length === 0) return;
  const lines = hits.map((h) => `  - ${h.rule} in ${h.where}${h.test ? ` (test: ${h.test})` : ''}: ${h.excerpt}`);
  throw new Error(
    `secret leak check: ${hits.length} secret(s) printed ${when}:\n${lines.join('\n')}\n` +
      'Never log API tokens, signing secrets or Authorization headers (test secrets: test/fakes/test-secrets.ts).',
  );
}

function install(): LeakCheck {
  const found: LeakCheck = { hits: [] };
  let scanner: SecretScanner | undefined;
  let scannedFor = '';
  const check = (text: string, where: string) => {
    if (text.length === 0) return;
    const dynamic = [process.env.DIXA_API_TOKEN, process.env.DIXA_WEBHOOK_SECRET, process.env[EXTRA_SECRETS_VARIABLE]]
      .join(',')
      .split(',')
      .filter((s) => s.length >= MIN_SECRET_LENGTH);
    const key = dynamic.join('\n');
    if (!scanner || key !== scannedFor) {
      scanner = createSecretScanner([...KNOWN_TEST_SECRETS, ...dynamic]);
      scannedFor = key;
    }
    const findings = scanner.scan(text);
    if (findings.length === 0) return;
    let test: string | undefined;
    try {
      test = expect.getState().currentTestName;
    } catch {
      // outside a test
    }
    for (const finding of findings) found.hits.push({ ...finding, where, test });
  };

  for (const [name, stream] of [
    ['stdout', process.stdout],
    ['stderr', process.stderr],
  ] as const) {
    const write = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      check(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'), `process.${name}`);
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof stream.write;
  }

  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir'] as const;
  for (const method of methods) {
    const original = console[method] as (...args: unknown[]) => void;
    console[method] = function (this: Console, ...args: unknown[]) {
      check(method === 'dir' ? inspect(args[0]) : format(...args), `console.${method}`);
      original.apply(this, args);
    };
  }

  // Every child process (spawn, execFile, fork all go through ChildProcess#spawn): watch what its pipes deliver,
  // without consuming it or changing how the test reads it.
  // (an internal method, not in @types/node)
  const prototype = ChildProcess.prototype as ChildProcess & { spawn(...args: unknown[]): unknown };
  const spawn = prototype.spawn;
  prototype.spawn = function (this: ChildProcess, ...args: unknown[]) {
    const result = spawn.apply(this, args);
    const command = String(this.spawnfile ?? 'child');
    if (this.stdout) watchLines(this.stdout, (line) => check(line, `output of child ${command} (stdout)`));
    if (this.stderr) watchLines(this.stderr, (line) => check(line, `output of child ${command} (stderr)`));
    return result;
  };
  return found;
}

const MAX_PENDING = 64 * 1024;

/** Calls `onLine` for each line a readable's source pushes, by wrapping its `push` (no listener is added). */
export function watchLines(stream: Readable, onLine: (line: string) => void): void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const push = stream.push;
  stream.push = function (this: Readable, chunk: unknown, encoding?: BufferEncoding) {
    if (chunk === null) {
      pending += decoder.end();
      if (pending) onLine(pending);
      pending = '';
    } else if (chunk !== undefined) {
      pending += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
      // A child that never ends its line: scan what is there, keep a tail so a secret cut in two is still seen.
      if (pending.length > MAX_PENDING) {
        onLine(pending);
        pending = pending.slice(-256);
      }
    }
    return push.call(this, chunk, encoding);
  };
}
