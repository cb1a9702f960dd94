/**
 * `npm run bench -- --quick` end to end on tiny sizes: every step runs (real archiver, source, s3rver, bundled
 * workers, ingest CPU, bundles), the report and raw results are written, and nothing is left behind. It proves
 * the machinery; it asserts nothing about speed.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { QUICK_PLAN } from '../../bench/plan.ts';
import type { BenchResults } from '../../bench/report.ts';
import { stepCount } from '../../bench/sections.ts';

const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const positive = (value: number) => Number.isFinite(value) && value > 0;

it('runs every benchmark step on tiny sizes, writes the report and cleans up', { timeout: 300_000 }, async () => {
  const out = join(dir, 'results.md');
  const cacheBefore = existsSync('node_modules/.cache') ? readdirSync('node_modules/.cache') : [];
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out],
    { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  expect(stdout).toContain(`written: ${out}`);
  const steps = stepCount(QUICK_PLAN);
  expect(stderr).toContain(`[${steps}/${steps} `);

  const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as BenchResults;
  expect(results.plan.mode).toBe('quick');
  const kinds = results.throughput.map((r) => `${r.variant}${r.s3InProcess ? '+s3' : ''}`).sort();
  expect(kinds).toEqual(['archiver', 'download', 'fair', 'naive', 'upload', 'upload+s3']);
  // The archiver's runs carry the floor measured beside them.
  for (const r of [...results.throughput, ...results.memory].filter((x) => x.variant === 'archiver')) {
    expect(positive(r.floorCpuSeconds ?? Number.NaN)).toBe(true);
  }
  for (const r of [...results.throughput, ...results.memory, ...results.tuning, ...results.costInputs]) {
    expect([r.seconds, r.mibPerSecond, r.cpuSeconds, r.baselineRssMiB, r.peakRssMiB].every(positive)).toBe(true);
  }
  expect(results.memory.map((r) => `${r.variant} ${r.bytes}`)).toEqual([
    `archiver ${2 * 1024 * 1024}`,
    `archiver ${12 * 1024 * 1024}`,
    `naive ${2 * 1024 * 1024}`,
    `naive ${12 * 1024 * 1024}`,
  ]);
  expect(results.tuning.map((r) => `${r.partSizeMiB}×${r.queueSize}`).sort()).toEqual(['5×1', '8×1']);
  expect(results.ingestCpu.map((m) => [m.standIn, m.iterations, m.typical.links, m.fifty.links])).toEqual([
    ['mock', 30, 4, 50],
    ['sdk', 30, 4, 50],
  ]);
  expect(results.bundles.map((b) => `${b.lambda} ${b.variant}`)).toEqual([
    'ingest deployed',
    'ingest sdk-external',
    'archiver deployed',
    'archiver sdk-external',
  ]);
  expect(results.bundles.every((b) => positive(b.bytes) && b.top.length > 0)).toBe(true);
  // Small files through the handler and the GET + PUT floor: every file archived, every request counted.
  expect(results.smallFiles.map((m) => m.mode).sort()).toEqual(['archiver', 'floor']);
  for (const m of results.smallFiles) {
    expect([m.seconds, m.cpuSeconds, m.peakRssMiB].every(positive)).toBe(true);
    expect(m.s3Requests.PutObject).toBe(m.mode === 'archiver' ? 2 * m.files : m.files);
  }
  // A cold start per Lambda, each answered (the runner checks the answer).
  expect(results.coldStarts.map((c) => c.lambda)).toEqual(['ingest', 'archiver']);
  expect(results.coldStarts.every((c) => positive(c.loadMs) && positive(c.firstInvocationMs))).toBe(true);

  const report = readFileSync(out, 'utf8');
  for (const heading of [
    '## Machine',
    '## Summary',
    '## 1. Throughput',
    '## 2. Memory',
    '## 3. Tuning',
    '## 5. Cost model',
    '## 6. Small files',
    '## 7. Cold starts',
  ]) {
    expect(report).toContain(heading);
  }
  expect(report).not.toMatch(/\bNaN\b|undefined/);

  // The local S3's scratch directory and the bundled workers are gone.
  expect(existsSync(results.scratch.path)).toBe(false);
  const cacheAfter = existsSync('node_modules/.cache') ? readdirSync('node_modules/.cache') : [];
  expect(cacheAfter.filter((name) => name.startsWith('dixa-bench-') && !cacheBefore.includes(name))).toEqual([]);
});
