/**
 * The leak check looks for the test secrets literally, so it must know them all: a token or signing-secret
 * literal in a suite that is not in test/fakes/test-secrets.ts would go unnoticed if it leaked.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KNOWN_TEST_SECRETS } from '../fakes/test-secrets.ts';
import { MIN_SECRET_LENGTH } from './scanner.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** `TOKEN = '…'`, `apiToken: '…'`, `DIXA_WEBHOOK_SECRET: '…'`, `files.token = '…'`, `{ token: '…' }`. */
const ASSIGNMENT = /\b([A-Za-z_]*(?:token|secret)[A-Za-z_]*)\s*[:=]\s*(['"`])([^'"`\n$]+)\2/gi;
/** Emulator credentials and resource names, not Dixa secrets. */
const NOT_A_DIXA_SECRET = /secretAccessKey|secret_?Arn|SecretString|SecretId|sessionToken|tokenFile/i;

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.parentPath.includes('.scratch'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .filter((path) => !path.startsWith('test/leak-check/') && path !== 'test/fakes/test-secrets.ts');
}

describe('test secrets registry', () => {
  it('knows every token and signing-secret literal the suites and benchmarks use', async () => {
    const unknown: string[] = [];
    for (const path of [...(await sources('test')), ...(await sources('bench'))]) {
      const text = await readFile(join(ROOT, path), 'utf8');
      for (const [, name, , value] of text.matchAll(ASSIGNMENT)) {
        if (NOT_A_DIXA_SECRET.test(name!) || value!.length < MIN_SECRET_LENGTH) continue;
        if (!KNOWN_TEST_SECRETS.includes(value!)) unknown.push(`${path}: ${name} = ${value!.slice(0, 3)}...`);
      }
    }
    expect(unknown, 'add these to LEGACY_TEST_SECRETS or import a constant from test/fakes/test-secrets.ts').toEqual(
      [],
    );
  });
});
