/**
 * The benchmark's sections, each a list of measurements run one after another (never two at once: this
 * machine has few cores). Repeated measurements are interleaved — every variant once, then every variant
 * again, in a rotated (throughput) or random (tuning grid) order — so drift in the machine's load affects all
 * variants alike.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ColdStartMeasurement, type ColdStartRig, measureColdStarts } from './cold-start.ts';
import type { IngestCpuMeasurement, SqsStandIn } from './ingest-cpu.ts';
import { benchWebhooks } from './ingest-webhooks.ts';
import type { BundleMeasurement } from './lambda-bundles.ts';
import { runChild } from './lib/child.ts';
import { S3RVER_CREDENTIALS } from './lib/local-s3.ts';
import type { Run, RunSpec, Transfers } from './lib/transfers.ts';
import type { Workers } from './lib/workers.ts';
import type { Plan } from './plan.ts';
import type { SmallFilesMeasurement, SmallFilesMode } from './small-files.ts';

export interface Progress {
  /** Announces the next step (counted against the plan's total). */
  step(label: string): void;
  /** Reports the outcome of the current step. */
  done(summary: string): void;
}

const MIB = 1024 * 1024;
export const THROUGHPUT_VARIANTS: RunSpec['variant'][] = ['download', 'upload', 'archiver', 'naive', 'fair'];

const rotate = <T>(items: readonly T[], by: number): T[] => items.map((_, i) => items[(i + by) % items.length] as T);
const sizeLabel = (bytes: number) =>
  bytes >= MIB ? `${+(bytes / MIB).toFixed(1)} MiB` : `${+(bytes / 1000).toFixed(0)} KB`;

async function measureStep(transfers: Transfers, progress: Progress, label: string, spec: RunSpec): Promise<Run> {
  const settings =
    spec.variant === 'archiver' && spec.partSizeMiB ? ` (${spec.partSizeMiB} MiB parts × ${spec.queueSize})` : '';
  const where = spec.s3InProcess ? ' (S3 in-process)' : '';
  progress.step(`${label}: ${spec.variant}${settings}${where}, ${sizeLabel(spec.bytes)}`);
  const run = await transfers.measure(spec);
  progress.done(
    `${run.mibPerSecond.toFixed(1)} MiB/s, ${run.seconds.toFixed(2)} s, CPU ${run.cpuSeconds.toFixed(2)} s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB`,
  );
  return run;
}

export function throughputSpecs(plan: Plan): RunSpec[][] {
  const variants: RunSpec[] = [
    ...THROUGHPUT_VARIANTS.map((variant) => ({ variant, bytes: 0 })),
    { variant: 'upload', bytes: 0, s3InProcess: true },
  ];
  const reps: RunSpec[][] = [];
  for (let rep = 0; rep < plan.throughput.reps; rep++) {
    reps.push(plan.throughput.sizes.flatMap((bytes) => rotate(variants, rep).map((v) => ({ ...v, bytes }))));
  }
  return reps;
}

/** The grid, once per round, each round in its own (seeded, so reproducible) random order. */
export function tuningSpecs(plan: Plan): RunSpec[][] {
  const { bytes, partSizesMiB, queueSizes } = plan.tuning;
  const combos = partSizesMiB.flatMap((partSizeMiB) =>
    queueSizes.map((queueSize): RunSpec => ({ variant: 'archiver', bytes, partSizeMiB, queueSize })),
  );
  return Array.from({ length: plan.tuning.reps }, (_, rep) => shuffle(combos, rep + 1));
}

/** Fisher–Yates with a small seeded generator (mulberry32). */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

export function memorySpecs(plan: Plan): RunSpec[] {
  return [
    ...plan.memory.archiver.map((bytes): RunSpec => ({ variant: 'archiver', bytes })),
    ...plan.memory.naive.map((bytes): RunSpec => ({ variant: 'naive', bytes })),
  ];
}

export function costInputSpecs(plan: Plan): RunSpec[][] {
  return Array.from({ length: plan.costInputs.reps }, () =>
    plan.costInputs.sizes.map((bytes): RunSpec => ({ variant: 'archiver', bytes })),
  );
}

/** How many progress steps the plan has. */
export function stepCount(plan: Plan): number {
  return (
    throughputSpecs(plan).flat().length +
    memorySpecs(plan).length +
    tuningSpecs(plan).flat().length +
    costInputSpecs(plan).flat().length +
    INGEST_STAND_INS.length +
    1 +
    plan.smallFiles.reps * SMALL_FILES_MODES.length +
    1
  );
}

export async function runSpecs(
  transfers: Transfers,
  progress: Progress,
  label: string,
  reps: RunSpec[][],
): Promise<Run[]> {
  const runs: Run[] = [];
  for (const [i, specs] of reps.entries()) {
    for (const spec of specs)
      runs.push(await measureStep(transfers, progress, `${label} ${i + 1}/${reps.length}`, spec));
  }
  return runs;
}

const INGEST_STAND_INS: SqsStandIn[] = ['mock', 'sdk'];

export async function runIngestCpu(plan: Plan, workers: Workers, progress: Progress): Promise<IngestCpuMeasurement[]> {
  const results: IngestCpuMeasurement[] = [];
  for (const standIn of INGEST_STAND_INS) {
    progress.step(
      `ingest CPU per webhook, SQS ${standIn === 'mock' ? 'mocked (aws-sdk-client-mock)' : 'SDK + in-memory HTTP'}`,
    );
    const webhooks = join(workers.dir, 'webhooks.json');
    writeFileSync(webhooks, JSON.stringify(benchWebhooks()));
    const result = await runChild<IngestCpuMeasurement>(
      workers.path.ingest,
      ['--worker', standIn, String(plan.ingest.iterations), String(plan.ingest.warmUp), webhooks],
      {},
      { stdout: 'ignore' },
    );
    progress.done(
      `typical p50 ${result.typical.p50Ms.toFixed(2)} ms / p99 ${result.typical.p99Ms.toFixed(2)} ms; 50 links p50 ${result.fifty.p50Ms.toFixed(2)} ms / p99 ${result.fifty.p99Ms.toFixed(2)} ms`,
    );
    results.push(result);
  }
  return results;
}

export async function runBundles(progress: Progress): Promise<BundleMeasurement[]> {
  progress.step('Lambda bundles (esbuild, as CDK bundles them)');
  const results = await runChild<BundleMeasurement[]>(
    new URL('./lambda-bundles.ts', import.meta.url),
    ['--worker'],
    {},
  );
  progress.done(results.map((b) => `${b.lambda} (${b.variant}) ${(b.bytes / 1000).toFixed(1)} KB`).join(', '));
  return results;
}

const SMALL_FILES_MODES: SmallFilesMode[] = ['archiver', 'floor'];

export interface SmallFilesRig {
  sourceUrl: string;
  s3Endpoint: string;
  bucket: string;
  token: string;
  batchSize: number;
  concurrency: number;
  /** Empties the bucket after each run (and checks how many objects the run left). */
  afterRun(expectedObjects: number): Promise<void>;
}

export async function runSmallFiles(
  plan: Plan,
  workers: Workers,
  rig: SmallFilesRig,
  progress: Progress,
): Promise<SmallFilesMeasurement[]> {
  const results: SmallFilesMeasurement[] = [];
  for (let rep = 0; rep < plan.smallFiles.reps; rep++) {
    for (const mode of rotate(SMALL_FILES_MODES, rep)) {
      progress.step(
        `small files ${rep + 1}/${plan.smallFiles.reps}: ${mode === 'archiver' ? 'archiver handler' : 'floor (GET + PUT)'}, ` +
          `${plan.smallFiles.files} files of 20–200 KB, batch ${rig.batchSize} × ${rig.concurrency} at once`,
      );
      const result = await runChild<SmallFilesMeasurement>(
        workers.path.smallFiles,
        ['--worker'],
        {
          ...S3RVER_CREDENTIALS,
          AWS_REGION: 'us-east-1',
          S3_ENDPOINT: rig.s3Endpoint,
          DIXA_FILES_BASE_URL: rig.sourceUrl,
          BENCH_BUCKET: rig.bucket,
          BENCH_TOKEN: rig.token,
          BENCH_MODE: mode,
          BENCH_FILES: String(plan.smallFiles.files),
          BENCH_BATCH_SIZE: String(rig.batchSize),
          BENCH_CONCURRENCY: String(rig.concurrency),
          POWERTOOLS_SERVICE_NAME: 'dixa-archiver',
        },
        { stdout: 'ignore' },
      );
      // The archiver stores each file and its record; the floor the file only (+ the uncounted warm-up).
      await rig.afterRun((plan.smallFiles.files + 1) * (mode === 'archiver' ? 2 : 1));
      progress.done(
        `${(result.files / result.seconds).toFixed(0)} files/s, ${((result.cpuSeconds / result.files) * 1000).toFixed(2)} ms CPU per file, S3 ` +
          Object.entries(result.s3Requests)
            .map(([op, n]) => `${op} ${(n / result.files).toFixed(2)}`)
            .join(', ') +
          ' per file',
      );
      results.push(result);
    }
  }
  return results;
}

export async function runColdStarts(
  plan: Plan,
  rig: ColdStartRig,
  progress: Progress,
): Promise<ColdStartMeasurement[]> {
  progress.step(`cold starts: each Lambda bundle in ${plan.coldStart.runs} fresh Node.js 24 process(es)`);
  const results = await measureColdStarts(rig, plan.coldStart.runs);
  progress.done(
    results
      .map(
        (r) =>
          `${r.lambda} ${r.loadAndFirstMs.toFixed(0)} ms (load ${r.loadMs.toFixed(0)} + first ${r.firstInvocationMs.toFixed(0)}, ${r.node})`,
      )
      .join(', '),
  );
  return results;
}
