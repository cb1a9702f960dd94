/**
 * Terminal escape injection (issue 16, item 2): file names from Dixa can hold escape sequences that would clear the
 * screen, retitle the window, hide a line of the erase plan or reorder it (bidi). Every command renders such
 * values inert — tables and one-line messages alike — and JSON output stays exact.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BUCKET,
  cli,
  cliAtTerminal,
  type Emulator,
  type SeededFile,
  seedConversation,
  startS3,
} from './compliance-fixture.ts';

/** Names as a hostile customer would upload them (ESC and BEL cannot reach a job today, C1 and bidi can). */
const HOSTILE = {
  clear: '\u001b[2J\u001b[Hinvoice.pdf',
  title: '\u001b]0;all clear\u0007report.pdf',
  csi: '\u009b2Kreceipt.pdf',
  bidi: 'photo\u202Egnp.exe',
  newline: 'a.pdf\n  files: nothing to see here',
  backspace: 'secret\b\b\b\b\b\bpublic.txt',
};
/** What must never reach a terminal from a value. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

let emulator: Emulator;
let s3: S3Client;
let flags: string[];
let seeded: SeededFile[];
let work: string;
let CSID = '';
let next = 8080;

beforeAll(async () => {
  emulator = await startS3();
  ({ s3, flags } = emulator);
});
afterAll(async () => emulator.stop());
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'terminal-'));
  CSID = String(next++); // a fresh conversation per test
  seeded = await seedConversation(
    s3,
    CSID,
    Object.entries(HOSTILE).map(([linkName, name]) => ({ name, linkName, content: `content of ${linkName}` })),
  );
  return () => rm(work, { recursive: true, force: true });
});

/** Every line a person sees, with the newline that ends it taken away. */
function expectInert(text: string) {
  for (const line of text.split('\n')) expect(line, JSON.stringify(line)).not.toMatch(ACTIVE);
  // The name 'a.pdf\n  files: nothing to see here' must never start a line of its own (wherever it sits in a line).
  expect(text).not.toMatch(/^\s*files: nothing to see here/m);
}

describe('values from Dixa are inert on a terminal', () => {
  it('list: every name shown visibly, one row per file', async () => {
    const run = await cliAtTerminal('list', '--conversation', CSID, ...flags);
    expect(run.code).toBe(0);
    expectInert(run.stdout);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1 + seeded.length);
    expect(run.stdout).toContain('\\x1B[2J\\x1B[Hinvoice.pdf');
    expect(run.stdout).toContain('\\x1B]0;all clear\\x07report.pdf');
    expect(run.stdout).toContain('\\x9B2Kreceipt.pdf');
    expect(run.stdout).toContain('photo\\u202Egnp.exe');
    expect(run.stdout).toContain('a.pdf\\x0A  files: nothing to see here');
  });

  it('list --json keeps every name exact', async () => {
    const run = await cli('list', '--conversation', CSID, '--json', ...flags);
    const names = (JSON.parse(run.stdout) as { name: string }[]).map((f) => f.name).sort();
    expect(names).toEqual(Object.values(HOSTILE).sort());
  });

  it('verify: a finding names the file inertly', async () => {
    const target = seeded[0]!;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: target.key, Body: Buffer.from('tampered!') }));
    const run = await cliAtTerminal('verify', '--conversation', CSID, ...flags);
    expect(run.code).toBe(1);
    expectInert(run.stdout);
    expectInert(run.stderr);
    expect(`${run.stdout}${run.stderr}`).toContain('\\x1B[2J');
  });

  it('get: saved lines and the error naming a file are inert', async () => {
    const target = seeded[1]!;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: target.key, Body: Buffer.from('tampered!') }));
    const run = await cliAtTerminal('get', '--conversation', CSID, '--out', join(work, 'out'), ...flags);
    expect(run.code).toBe(1);
    expectInert(run.stdout);
    expectInert(run.stderr);
    expect(run.stderr).toContain('\\x1B]0;all clear\\x07report.pdf');
  });

  it('erase: the plan shown before confirmation cannot be rewritten or hidden', async () => {
    const run = await cliAtTerminal('erase', '--conversation', CSID, '--reason', 'GDPR request', ...flags);
    expectInert(run.stderr);
    const plan = run.stderr.split('\n');
    expect(plan[0]).toBe(`About to erase conversation ${CSID} from s3://${BUCKET}/dixa/conversations/${CSID}/`);
    const files = plan.filter((line) => line.startsWith('  files: '));
    expect(files).toHaveLength(1);
    for (const name of ['\\x1B[2J', '\\x9B2K', '\\u202E', '\\x0A  files: nothing', '\\x08'])
      expect(files[0]).toContain(name);
  });
});
