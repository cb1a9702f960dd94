/**
 * `npm run bench`: throughput, memory, tuning, ingest CPU, bundle sizes and the cost model, in one run on
 * loopback (127.0.0.1 only), written to bench/results.md (+ the raw numbers in bench/results.json).
 *
 *   npm run bench                      # full run, a few minutes on an idle 2-core machine
 *   npm run bench -- --quick           # the same steps on tiny sizes (prints the report; the smoke test uses it)
 *   npm run bench -- --out FILE.md     # write the report (and FILE.json) elsewhere
 *   npm run bench -- --render          # re-render the report from its .json without measuring again
 *   npm run bench -- --profile         # only the archiver on the largest file, under `node --cpu-prof`: prints
 *                                      # where its CPU went, keeps the .cpuprofile in bench/.work/ (flame graph:
 *                                      # open it in Chrome DevTools → Performance)
 *
 * Helpers run as child processes (file source, local S3, one process per measurement); the local S3's scratch
 * directory and every child are removed on the way out, also after a failure or Ctrl-C.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG } from '../infra/config.ts';
import { BUCKET, TOKEN } from './archiver-memory.ts';
import { renderProfile, summarizeProfile } from './lib/cpu-profile.ts';
import { type LocalS3, type ScratchDirectory, scratchDirectory, startLocalS3 } from './lib/local-s3.ts';
import { describeMachine, loadAverage } from './lib/machine.ts';
import { MIB, type SourceServer, startSourceServer } from './lib/source-server.ts';
import { createTransfers, type Transfers } from './lib/transfers.ts';
import { buildWorkers, type Workers } from './lib/workers.ts';
import { FULL_PLAN, QUICK_PLAN, scratchBytesNeeded } from './plan.ts';
import { type BenchResults, renderResults, summaryTable } from './report.ts';
import {
  costInputSpecs,
  memorySpecs,
  type Progress,
  runBundles,
  runColdStarts,
  runIngestCpu,
  runSmallFiles,
  runSpecs,
  stepCount,
  throughputSpecs,
  tuningSpecs,
} from './sections.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    render: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
  strict: true,
});
const plan = values.quick ? QUICK_PLAN : FULL_PLAN;
const out = values.out ?? (values.quick ? undefined : 'bench/results.md');
const jsonPath = out?.replace(/(\.md)?$/, '.json');

if (values.render) {
  if (!out || !jsonPath) throw new Error('--render needs the report path (default bench/results.md)');
  writeFileSync(out, renderResults(JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchResults));
  console.log(`rendered ${out} from ${jsonPath}`);
  process.exit(0);
}

function createProgress(total: number): Progress {
  const started = performance.now();
  let current = 0;
  const clock = () => {
    const seconds = Math.round((performance.now() - started) / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  };
  return {
    step(label) {
      current++;
      process.stderr.write(`[${String(current).padStart(String(total).length)}/${total} ${clock()}] ${label}\n`);
    },
    done(summary) {
      process.stderr.write(`${' '.repeat(String(total).length * 2 + 4)}→ ${summary}\n`);
    },
  };
}

let scratch: ScratchDirectory | undefined;
let source: SourceServer | undefined;
let s3: LocalS3 | undefined;
let transfers: Transfers | undefined;
let workers: Workers | undefined;

async function cleanUp(): Promise<void> {
  transfers?.close();
  await Promise.allSettled([source?.stop(), s3?.stop()]);
  scratch?.remove();
  workers?.remove();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping, removing ${scratch?.path ?? 'nothing'}\n`);
    cleanUp().finally(() => process.exit(130));
  });
}

const started = performance.now();
const machine = describeMachine();
try {
  scratch = scratchDirectory(scratchBytesNeeded(plan));
  process.stderr.write(
    `dixa-archiver bench (${plan.mode}): ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ` +
      `load ${machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}; local S3 on ${scratch.medium}\n`,
  );
  workers = await buildWorkers();
  source = await startSourceServer();
  s3 = await startLocalS3(scratch.path, [BUCKET]);
  transfers = createTransfers({
    sourceUrl: source.baseUrl,
    s3Endpoint: s3.endpoint,
    scratchPath: scratch.path,
    workers,
    helperPids: [source.pid, s3.pid],
  });
  if (values.profile) {
    const bytes = Math.max(...plan.throughput.sizes);
    const dir = join('bench', '.work', `profile-${Date.now()}`);
    mkdirSync(dir, { recursive: true });
    const run = await transfers.measure({ variant: 'archiver', bytes }, { cpuProfileDir: dir });
    const [file] = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no CPU profile written to ${dir}`);
    const target = join(dir, `archiver-${bytes / MIB}MiB.cpuprofile`);
    renameSync(join(dir, file), target);
    process.stdout.write(
      `archiver, ${bytes / MIB} MiB: ${run.mibPerSecond.toFixed(1)} MiB/s, CPU ${run.cpuSeconds.toFixed(2)} s ` +
        `(floor ${run.floorCpuSeconds?.toFixed(2)} s: ratio ${(run.cpuSeconds / (run.floorCpuSeconds ?? Number.NaN)).toFixed(2)} under the profiler)\n\n` +
        `${renderProfile(summarizeProfile(target))}\n\nprofile: ${target}\n`,
    );
    await cleanUp();
    process.exit(0);
  }
  const progress = createProgress(stepCount(plan));

  const throughput = await runSpecs(transfers, progress, 'throughput', throughputSpecs(plan));
  const memory = await runSpecs(transfers, progress, 'memory', [memorySpecs(plan)]);
  const tuning = await runSpecs(transfers, progress, 'tuning', tuningSpecs(plan));
  const costInputs = await runSpecs(transfers, progress, 'cost inputs', costInputSpecs(plan));
  const ingestCpu = await runIngestCpu(plan, workers, progress);
  const bundles = await runBundles(progress);
  const smallFiles = await runSmallFiles(
    plan,
    workers,
    {
      sourceUrl: source.baseUrl,
      s3Endpoint: s3.endpoint,
      bucket: BUCKET,
      token: TOKEN,
      batchSize: DEFAULT_CONFIG.archiverBatchSize,
      concurrency: DEFAULT_CONFIG.archiverMaxConcurrency,
      afterRun: async (expected) => {
        const stored = await (transfers as Transfers).emptyBucket();
        if (stored !== expected) throw new Error(`small files: ${stored} objects stored, expected ${expected}`);
      },
    },
    progress,
  );
  const coldStarts = await runColdStarts(
    plan,
    { sourceUrl: source.baseUrl, s3Endpoint: s3.endpoint, bucket: BUCKET, token: TOKEN },
    progress,
  );
  await transfers.emptyBucket();

  const results: BenchResults = {
    plan,
    machine,
    loadAverageAtEnd: loadAverage(),
    scratch: { medium: scratch.medium, path: scratch.path },
    stack: {
      archiverMemoryMiB: DEFAULT_CONFIG.archiverMemoryMiB,
      ingestMemoryMiB: DEFAULT_CONFIG.ingestMemoryMiB,
      partSizeMiB: DEFAULT_CONFIG.partSizeMiB,
      queueSize: DEFAULT_CONFIG.uploadQueueSize,
      archiverBatchSize: DEFAULT_CONFIG.archiverBatchSize,
      archiverMaxConcurrency: DEFAULT_CONFIG.archiverMaxConcurrency,
    },
    throughput,
    memory,
    tuning,
    costInputs,
    ingestCpu,
    bundles,
    smallFiles,
    coldStarts,
    durationSeconds: (performance.now() - started) / 1000,
  };
  const report = renderResults(results);
  if (out && jsonPath) {
    writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(out, report);
    process.stdout.write(`\n${summaryTable(results)}\n\nwritten: ${out}, ${jsonPath}\n`);
  } else {
    process.stdout.write(report);
  }
} finally {
  await cleanUp();
}
