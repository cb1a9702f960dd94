/**
 * Renders bench/results.md from the raw results (bench/results.json): the machine, one section per
 * measurement, the cost model, and the summary table that docs/benchmarks.md quotes.
 */
import { DEFAULT_PART_SIZE_MIB, DEFAULT_UPLOAD_QUEUE_SIZE } from '../lambdas/archiver/config.ts';
import type { ColdStartMeasurement } from './cold-start.ts';
import {
  ASSUMPTIONS,
  type CostInput,
  type CostModel,
  costModel,
  FILE_MIX,
  MB_PER_VCPU,
  PRICES,
  PRICING_PAGES,
} from './cost-model.ts';
import type { IngestCpuMeasurement } from './ingest-cpu.ts';
import type { BundleMeasurement } from './lambda-bundles.ts';
import type { Machine } from './lib/machine.ts';
import { median } from './lib/stats.ts';
import type { Run, Variant } from './lib/transfers.ts';
import type { Plan } from './plan.ts';
import type { SmallFilesMeasurement } from './small-files.ts';

export interface BenchResults {
  plan: Plan;
  machine: Machine;
  loadAverageAtEnd: [number, number, number];
  scratch: { medium: string; path: string };
  /** The stack's settings the cost model uses (infra/config.ts defaults). */
  stack: {
    archiverMemoryMiB: number;
    ingestMemoryMiB: number;
    partSizeMiB: number;
    queueSize: number;
    archiverBatchSize: number;
    archiverMaxConcurrency: number;
  };
  throughput: Run[];
  memory: Run[];
  tuning: Run[];
  costInputs: Run[];
  ingestCpu: IngestCpuMeasurement[];
  bundles: BundleMeasurement[];
  smallFiles: SmallFilesMeasurement[];
  coldStarts: ColdStartMeasurement[];
  durationSeconds: number;
}

export const TARGETS = {
  limitRatio: 1.1,
  fairRatio: 1.1,
  /** Archiver CPU per MiB ÷ the floor's, at the largest throughput size. */
  floorRatio: 2.5,
  /** Small files: archiver CPU per file ÷ the GET + PUT floor's. */
  smallFilesRatio: 1.5,
  ingestColdStartMs: 150,
  memoryPeakMiB: 160,
  memorySpreadMiB: 16,
  ingestBundleBytes: 300_000,
};

const MIB = 1024 * 1024;
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const mibps = (value: number) => `${fixed(value, value < 10 ? 1 : 0)} MiB/s`;
const mib = (value: number) => `${fixed(value, 0)} MiB`;
const ms = (value: number) => `${fixed(value, value < 10 ? 2 : 1)} ms`;
const kb = (bytes: number) => `${fixed(bytes / 1000, 1)} KB`;
const usd = (value: number) => (value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`);
const size = (bytes: number) =>
  bytes >= 1024 * MIB && bytes % (1024 * MIB) === 0
    ? `${bytes / (1024 * MIB)} GiB`
    : bytes >= MIB && bytes % MIB === 0
      ? `${bytes / MIB} MiB`
      : bytes >= 1e6
        ? `${+(bytes / 1e6).toFixed(1)} MB`
        : `${+(bytes / 1e3).toFixed(0)} KB`;
const mark = (ok: boolean) => (ok ? '✅' : '❌');

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

interface VariantSummary {
  seconds: number;
  mibPerSecond: number;
  peakRssMiB: number;
  cpuSecondsPerGiB: number;
  /** CPU used by the measured process, the source and the local S3 together ÷ (cores × duration); NaN without /proc. */
  oursBusy: number;
  /** Share of all cores busy during the run, whoever used them; NaN without /proc. */
  machineBusy: number;
  n: number;
  min: number;
  max: number;
}

function summarize(runs: Run[], cores = 1): VariantSummary {
  const seconds = median(runs.map((r) => r.seconds));
  const bytes = runs[0]?.bytes ?? Number.NaN;
  const speeds = runs.map((r) => r.mibPerSecond);
  return {
    seconds,
    mibPerSecond: bytes / MIB / seconds,
    peakRssMiB: median(runs.map((r) => r.peakRssMiB)),
    cpuSecondsPerGiB: median(runs.map((r) => (r.cpuSeconds / r.bytes) * 1024 * MIB)),
    oursBusy: median(runs.map((r) => (r.cpuSeconds + (r.helpersCpuSeconds ?? Number.NaN)) / (cores * r.seconds))),
    machineBusy: median(runs.map((r) => r.machineBusyShare ?? Number.NaN)),
    n: runs.length,
    min: Math.min(...speeds),
    max: Math.max(...speeds),
  };
}

/**
 * How much repeated measurements of the same thing differ here: the median, over every repeated measurement,
 * of (fastest − slowest) ÷ median throughput. Differences smaller than this are noise, not findings.
 */
export function runToRunNoise(runs: Run[]): number {
  const groups = new Map<string, number[]>();
  for (const r of runs) {
    const key = `${r.variant} ${r.bytes} ${r.partSizeMiB} ${r.queueSize} ${r.s3InProcess}`;
    groups.set(key, [...(groups.get(key) ?? []), r.mibPerSecond]);
  }
  const spreads = [...groups.values()]
    .filter((speeds) => speeds.length > 1)
    .map((speeds) => (Math.max(...speeds) - Math.min(...speeds)) / median(speeds));
  return spreads.length > 0 ? median(spreads) : Number.NaN;
}

export interface ThroughputRow {
  bytes: number;
  byVariant: Partial<Record<Variant | 'upload-in-process', VariantSummary>>;
  /** Duration of (c) ÷ the longer of (a) and (b): 1.0 is the overlapped limit. */
  limitRatio: number;
  /** Duration of (c) ÷ duration of (d): below 1 means the archiver is faster. */
  naiveRatio: number;
  /** Duration of (c) ÷ duration of (e), the streaming baseline (fetch → lib-storage Upload). */
  fairRatio: number;
  /** The archiver's CPU ÷ the floor's on the same bytes (median over runs). */
  floorRatio: number;
  /** The archiver's and the floor's CPU ms per MiB, and the kernel's share of the archiver's (medians). */
  archiverCpuMsPerMiB: number;
  floorCpuMsPerMiB: number;
  /** AES-128-GCM per MiB, one direction: what TLS adds in Lambda (not in these loopback runs). */
  tlsCpuMsPerMiB: number;
}

export function throughputRows(runs: Run[], cores = 1): ThroughputRow[] {
  const sizes = [...new Set(runs.map((r) => r.bytes))].sort((a, b) => a - b);
  return sizes.map((bytes) => {
    const byVariant: ThroughputRow['byVariant'] = {};
    for (const key of ['download', 'upload', 'archiver', 'naive', 'fair', 'upload-in-process'] as const) {
      const matching = runs.filter(
        (r) =>
          r.bytes === bytes &&
          (key === 'upload-in-process' ? r.variant === 'upload' && r.s3InProcess : r.variant === key && !r.s3InProcess),
      );
      if (matching.length > 0) byVariant[key] = summarize(matching, cores);
    }
    const t = (key: Variant) => byVariant[key]?.seconds ?? Number.NaN;
    const archiverRuns = runs.filter((r) => r.bytes === bytes && r.variant === 'archiver' && r.floorCpuSeconds);
    const perMiB = (seconds: number) => (seconds * 1000) / (bytes / MIB);
    return {
      bytes,
      byVariant,
      limitRatio: t('archiver') / Math.max(t('download'), t('upload')),
      naiveRatio: t('archiver') / t('naive'),
      fairRatio: t('archiver') / t('fair'),
      floorRatio: median(archiverRuns.map((r) => r.cpuSeconds / (r.floorCpuSeconds as number))),
      archiverCpuMsPerMiB: median(archiverRuns.map((r) => perMiB(r.cpuSeconds))),
      floorCpuMsPerMiB: median(archiverRuns.map((r) => perMiB(r.floorCpuSeconds as number))),
      tlsCpuMsPerMiB: median(
        archiverRuns
          .filter((r) => typeof r.tlsCipherCpuSeconds === 'number')
          .map((r) => perMiB(r.tlsCipherCpuSeconds as number)),
      ),
    };
  });
}

export interface TuningCell {
  partSizeMiB: number;
  queueSize: number;
  mibPerSecond: number;
  peakRssMiB: number;
  cpuMsPerMiB: number;
}

export function tuningCells(runs: Run[]): TuningCell[] {
  const keys = [...new Set(runs.map((r) => `${r.partSizeMiB}×${r.queueSize}`))];
  return keys
    .map((key) => {
      const matching = runs.filter((r) => `${r.partSizeMiB}×${r.queueSize}` === key);
      const s = summarize(matching);
      return {
        partSizeMiB: matching[0]?.partSizeMiB ?? 0,
        queueSize: matching[0]?.queueSize ?? 0,
        mibPerSecond: s.mibPerSecond,
        peakRssMiB: s.peakRssMiB,
        cpuMsPerMiB: (s.cpuSecondsPerGiB / 1024) * 1000,
      };
    })
    .sort((a, b) => a.partSizeMiB - b.partSizeMiB || a.queueSize - b.queueSize);
}

/** Throughput differences below this share are never treated as findings, however quiet the machine. */
export const MIN_SIGNIFICANT = 0.05;

/**
 * The combination the numbers support. Cells within the memory target whose throughput is within the run-to-run
 * noise of the fastest of them are equally fast; of these: the largest part size (fewer S3 requests per file, and
 * 10,000 parts cover larger files), then the fewest uploads in flight (less memory) — but at least 2, so one
 * part's request latency hides behind another's (loopback has no latency to show this; S3 has).
 */
export function recommendTuning(cells: TuningCell[], noise: number): TuningCell | undefined {
  const fitting = cells.filter((c) => c.peakRssMiB <= TARGETS.memoryPeakMiB);
  const best = Math.max(...fitting.map((c) => c.mibPerSecond));
  const tolerance = Math.max(MIN_SIGNIFICANT, Number.isFinite(noise) ? noise : 0);
  return fitting
    .filter((c) => c.queueSize >= 2 && c.mibPerSecond >= (1 - tolerance) * best)
    .sort((a, b) => b.partSizeMiB - a.partSizeMiB || a.queueSize - b.queueSize)[0];
}

function mediansBySize(runs: Run[], value: (run: Run) => number): [number, number][] {
  const sizes = [...new Set(runs.map((r) => r.bytes))];
  return sizes.map((bytes) => [bytes, median(runs.filter((r) => r.bytes === bytes).map(value))]);
}

export function costInputOf(results: BenchResults): CostInput {
  const sdk = results.ingestCpu.find((m) => m.standIn === 'sdk') ?? results.ingestCpu[0];
  return {
    archiverMemoryMiB: results.stack.archiverMemoryMiB,
    ingestMemoryMiB: results.stack.ingestMemoryMiB,
    partSizeMiB: results.stack.partSizeMiB,
    archiverCpu: mediansBySize(results.costInputs, (r) => r.cpuSeconds),
    archiverWall: mediansBySize(results.costInputs, (r) => r.seconds),
    ingestCpuSeconds: (sdk?.typical.p50Ms ?? Number.NaN) / 1000,
  };
}

function machineLoad(r: BenchResults): string {
  const shares = [...r.throughput, ...r.memory, ...r.tuning, ...r.costInputs]
    .map((x) => x.machineBusyShare)
    .filter((x): x is number => typeof x === 'number');
  if (shares.length === 0) return 'n/a (no /proc)';
  return `${fixed(median(shares) * 100, 0)} % / ${fixed(Math.max(...shares) * 100, 0)} % of ${r.machine.cores} cores`;
}

function machineSection(r: BenchResults): string {
  const m = r.machine;
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(' / ');
  return [
    table(
      ['', ''],
      [
        ['date', m.date],
        ['CPU', `${m.cpuModel}, ${m.cores} cores`],
        ['memory', `${fixed(m.memoryGiB, 1)} GiB`],
        ['OS', m.os],
        ['Node.js', m.node],
        [
          'packages',
          Object.entries(m.packages)
            .map(([name, v]) => `${name} ${v}`)
            .join(', '),
        ],
        ['load average (1/5/15 min) at start', load(m.loadAverage)],
        ['load average (1/5/15 min) at end', load(r.loadAverageAtEnd)],
        ['CPU busy during the measurements (all processes, median / max)', machineLoad(r)],
        ['local S3 storage', `s3rver in a child process, objects on ${r.scratch.medium}, deleted after each run`],
        ['mode', `${r.plan.mode}, ${fixed(r.durationSeconds / 60, 1)} minutes`],
      ],
    ),
    '',
    'Everything runs on 127.0.0.1. The file source (`bench/lib/source-server.ts`, node:http writing one preallocated',
    '1 MiB chunk) and s3rver each run in a child process of their own; every measurement runs in a fresh process',
    'that first does the same work on a 1 MiB file (modules loaded, clients built), then is timed. Peak RSS is the',
    "kernel's figure for that process (`process.resourceUsage().maxRSS`). With more load than cores, the numbers",
    'are slower and noisier than on an idle machine; the ratios, measured interleaved, are the robust part.',
  ].join('\n');
}

function throughputSection(r: BenchResults): string {
  const rows = throughputRows(r.throughput, r.machine.cores);
  const cell = (s: VariantSummary | undefined) =>
    s ? `${mibps(s.mibPerSecond)} (${fixed(s.min, 0)}–${fixed(s.max, 0)})` : 'n/a';
  return [
    `Median of ${r.plan.throughput.reps} runs (range in parentheses), part size ${r.stack.partSizeMiB} MiB, queue size ${r.stack.queueSize}:`,
    '',
    table(
      [
        'file',
        '(a) download only',
        '(b) upload only',
        '(c) archiver, end to end',
        '(d) naive: buffer + one PutObject',
        '(e) fair: fetch → lib-storage Upload',
        'c ÷ max(a, b)',
        'c ÷ e',
        'c ÷ d',
      ],
      rows.map((row) => [
        size(row.bytes),
        cell(row.byVariant.download),
        cell(row.byVariant.upload),
        cell(row.byVariant.archiver),
        cell(row.byVariant.naive),
        cell(row.byVariant.fair),
        `${fixed(row.limitRatio, 2)} ${mark(row.limitRatio <= TARGETS.limitRatio)}`,
        `${fixed(row.fairRatio, 2)} ${mark(row.fairRatio <= TARGETS.fairRatio)}`,
        `${fixed(row.naiveRatio, 2)} ${mark(row.naiveRatio < 1)}`,
      ]),
    ),
    '',
    "- (a) `openDownload` (the archiver's own HTTP client) → discard; (b) a generated stream →",
    '  `ArchiveStorage.putFile` (parts in reused buffers, CRC32 checksums, `If-None-Match`, unsigned payload) → s3rver;',
    '  (c) `archiveFile`: HEAD of the record, download → SHA-256 → `putFile`, then the provenance record; (d) `fetch` →',
    '  `arrayBuffer()` → one `PutObject` (no hash, no record); (e) what a user would write that streams: `fetch` →',
    '  lib-storage `Upload` (same part and queue size, an ordinary client: signed payloads) — no hash, no record.',
    `- Ratios compare durations (medians). Download and upload overlap, so the longer of the two halves is the limit`,
    `  (c ÷ max(a, b) = 1.00); targets: c ÷ max(a, b) ≤ ${TARGETS.limitRatio}, c ÷ e ≤ ${TARGETS.fairRatio}; c ÷ d below 1 means the archiver beats buffering.`,
    '',
    `**The floor.** Right after each archiver run, in the same process, the bench measures the CPU of the work no`,
    'archiver can avoid on as many bytes (bench/lib/floor.ts): SHA-256 of the file, CRC32 of every part, one copy into',
    `a part buffer. Target: archiver CPU ÷ floor ≤ ${TARGETS.floorRatio} at the largest size.`,
    '',
    table(
      [
        'file',
        'archiver CPU per MiB',
        'floor CPU per MiB',
        'archiver ÷ floor',
        'kernel share of the archiver’s CPU',
        'TLS in Lambda: AES-128-GCM per MiB, per direction',
      ],
      rows.map((row) => {
        const kernel = median(
          r.throughput
            .filter((x) => x.bytes === row.bytes && x.variant === 'archiver' && x.systemCpuSeconds !== null)
            .map((x) => (x.systemCpuSeconds as number) / x.cpuSeconds),
        );
        return [
          size(row.bytes),
          ms(row.archiverCpuMsPerMiB),
          ms(row.floorCpuMsPerMiB),
          `${fixed(row.floorRatio, 2)} ${row.bytes === Math.max(...rows.map((x) => x.bytes)) ? mark(row.floorRatio <= TARGETS.floorRatio) : ''}`.trim(),
          Number.isFinite(kernel) ? `${fixed(kernel * 100, 0)} %` : 'n/a',
          Number.isFinite(row.tlsCpuMsPerMiB) ? ms(row.tlsCpuMsPerMiB) : 'n/a',
        ];
      }),
    ),
    '',
    'Per variant (medians): peak RSS · CPU seconds of the measured process per GiB moved · share of the',
    `${r.machine.cores} cores used by the measured process, the source and s3rver / by all processes on the machine:`,
    '',
    table(
      ['file', 'download', 'upload', 'archiver', 'naive', 'fair', 'upload, s3rver in the same process'],
      rows.map((row) => [
        size(row.bytes),
        ...(['download', 'upload', 'archiver', 'naive', 'fair', 'upload-in-process'] as const).map((key) => {
          const s = row.byVariant[key];
          if (!s) return 'n/a';
          const busy = Number.isFinite(s.oursBusy)
            ? ` · ${fixed(s.oursBusy * 100, 0)} % / ${fixed(s.machineBusy * 100, 0)} %`
            : '';
          return `${mib(s.peakRssMiB)} · ${fixed(s.cpuSecondsPerGiB, 1)} s/GiB${busy}`;
        }),
      ]),
    ),
    '',
    'The last column is the upload-only run with s3rver inside the measured process instead of in its own:',
    rows
      .map((row) => {
        const a = row.byVariant.upload;
        const b = row.byVariant['upload-in-process'];
        return a && b
          ? `${size(row.bytes)}: ${mibps(b.mibPerSecond)} vs ${mibps(a.mibPerSecond)} with S3 in a child`
          : '';
      })
      .filter(Boolean)
      .join('; ') +
      '. Sharing one event loop (and its CPU) with the storage server is not what happens in Lambda, so every other',
    'number here uses the child.',
    '',
    'About the rig: s3rver is the bottleneck of (b)–(e). It hashes every part with MD5 and writes it to disk, and on',
    'CompleteMultipartUpload it reads all parts back and writes the object again — so multipart uploads (b, c, e) pay',
    'twice for s3rver’s copy, where AWS S3 completes in constant time; the single `PutObject` of (d) does not.',
    'Plain HTTP on loopback where Lambda uses HTTPS: in Lambda every byte is also decrypted (download) and encrypted',
    '(upload) by TLS — the last column of the floor table measures that cipher on the same bytes, to be added twice',
    'to every variant’s CPU that moves the bytes both ways (once for (a) and (b)) — and the archiver’s file bodies go',
    'unsigned (`UNSIGNED-PAYLOAD`) only because TLS protects them there; on loopback the bench takes the same path',
    '(unsigned-payload.ts allows loopback), so what it saves shows here too.',
  ].join('\n');
}

function memorySection(r: BenchResults): string {
  const archiver = r.memory.filter((m) => m.variant === 'archiver');
  const naive = r.memory.filter((m) => m.variant === 'naive');
  const peaks = archiver.map((m) => m.peakRssMiB);
  const spread = Math.max(...peaks) - Math.min(...peaks);
  const rows = [...archiver, ...naive].map((m) => [
    m.variant === 'archiver' ? `archiver (${m.partSizeMiB} MiB parts × ${m.queueSize})` : 'naive (buffer + PutObject)',
    size(m.bytes),
    mib(m.baselineRssMiB),
    mib(m.peakRssMiB),
    mib(m.peakRssMiB - m.baselineRssMiB),
    mibps(m.mibPerSecond),
    m.variant === 'archiver' ? mark(m.peakRssMiB <= TARGETS.memoryPeakMiB) : '(grows with the file)',
  ]);
  return [
    'One fresh process per row; the file is generated by the source and never stored in the repository; the',
    'archived object is checked (size, SHA-256) and deleted from the local S3 after each run.',
    '',
    table(
      [
        'approach',
        'file',
        'RSS after 1 MiB warm-up',
        'peak RSS',
        'peak − warm-up',
        'throughput',
        `≤ ${TARGETS.memoryPeakMiB} MiB`,
      ],
      rows,
    ),
    '',
    `Archiver peaks differ by ${mib(spread)} between ${archiver.map((m) => size(m.bytes)).join(' and ')} ` +
      `(target ≤ ${TARGETS.memorySpreadMiB} MiB) ${mark(spread <= TARGETS.memorySpreadMiB)}` +
      (spread <= TARGETS.memorySpreadMiB
        ? ': memory does not grow with the file.'
        : ': more than the target (the part buffers are fixed; what varies is garbage waiting for collection).'),
  ].join('\n');
}

function tuningSection(r: BenchResults): string {
  const cells = tuningCells(r.tuning);
  const parts = [...new Set(cells.map((c) => c.partSizeMiB))];
  const queues = [...new Set(cells.map((c) => c.queueSize))];
  const find = (p: number, q: number) => cells.find((c) => c.partSizeMiB === p && c.queueSize === q);
  const noise = runToRunNoise([...r.throughput, ...r.tuning]);
  const pick = recommendTuning(cells, noise);
  // Steady state: the archiver on the largest throughput file (short runs carry start-up costs per MiB).
  const largest = Math.max(...r.throughput.map((x) => x.bytes));
  const archiverCpu = median(
    r.throughput
      .filter((x) => x.variant === 'archiver' && x.bytes === largest)
      .map((x) => (x.cpuSeconds / x.bytes) * MIB),
  );
  const share = Math.min(1, r.stack.archiverMemoryMiB / MB_PER_VCPU);
  const ceiling = share / archiverCpu;
  const current = find(r.stack.partSizeMiB, r.stack.queueSize);
  const best = Math.max(...cells.map((c) => c.mibPerSecond));
  return [
    `The archiver end to end on a ${size(r.plan.tuning.bytes)} file, median of ${r.plan.tuning.reps} run(s) per cell, in a different random order each`,
    'round: throughput / peak RSS / CPU time per MiB.',
    '',
    table(
      ['part size \\ queue size', ...queues.map(String)],
      parts.map((p) => [
        `${p} MiB`,
        ...queues.map((q) => {
          const c = find(p, q);
          if (!c) return 'n/a';
          const chosen = c.partSizeMiB === r.stack.partSizeMiB && c.queueSize === r.stack.queueSize;
          const text = `${mibps(c.mibPerSecond)} / ${mib(c.peakRssMiB)} / ${fixed(c.cpuMsPerMiB, 1)} ms`;
          return chosen ? `**${text}**` : text;
        }),
      ]),
    ),
    '',
    `Bold: the stack's defaults (\`PART_SIZE_MIB=${r.stack.partSizeMiB}\`, \`UPLOAD_QUEUE_SIZE=${r.stack.queueSize}\`)` +
      (current
        ? `, ${fixed((current.mibPerSecond / best) * 100, 0)} % of the fastest cell at ${mib(current.peakRssMiB)} peak.`
        : '.'),
    '',
    `Run-to-run noise here (median spread of repeated measurements): ${fixed(noise * 100, 0)} %. Rule: cells within the`,
    `${TARGETS.memoryPeakMiB} MiB target and within max(noise, ${MIN_SIGNIFICANT * 100} %) of the fastest of them are equally fast; of these, the`,
    'largest part size (fewer S3 requests per file; 10,000 parts cover larger files), then the fewest uploads in',
    'flight (less memory), but at least 2 (one request’s latency hides behind another’s; loopback has none to show) → ' +
      (pick
        ? `**${pick.partSizeMiB} MiB × ${pick.queueSize}** (${mibps(pick.mibPerSecond)}, ${mib(pick.peakRssMiB)}).`
        : 'no cell qualifies.'),
    '',
    `What bounds throughput in Lambda: the archiver used ${fixed(archiverCpu * 1000, 1)} ms of CPU per MiB of a ${size(largest)} file here (SHA-256 of the file,`,
    'CRC32 of every part, one copy into part buffers, node:http’s copy of every downloaded chunk and the garbage',
    'collection those chunks cause, the SDK’s work per request; TLS comes on top in Lambda). A function gets CPU in proportion',
    `to its memory (1,769 MB = 1 vCPU), so at ${r.stack.archiverMemoryMiB} MB (${fixed(share, 2)} vCPU) it cannot archive faster than`,
    `~${fixed(ceiling, 0)} MiB/s on a core like this one, whatever the network; raising the memory raises that ceiling, not`,
    'the queue size.',
  ].join('\n');
}

function ingestSection(r: BenchResults): string {
  const rows = r.ingestCpu.flatMap((m) =>
    (['typical', 'fifty'] as const).map((kind) => [
      m.standIn === 'mock' ? 'aws-sdk-client-mock' : 'real SQSClient, in-memory HTTP',
      kind === 'typical' ? `typical (${m[kind].links} links)` : `${m[kind].links} attachments`,
      ms(m[kind].p50Ms),
      ms(m[kind].p99Ms),
      ms(m[kind].meanMs),
      ms(m[kind].wallP50Ms),
    ]),
  );
  const iterations = r.ingestCpu[0]?.iterations ?? 0;
  return [
    `\`process.cpuUsage()\` around each of ${iterations} invocations per payload (after ${r.plan.ingest.warmUp} warm-up`,
    'rounds, the two payloads alternating) of the real handler module, logs and EMF metrics written to a discarded',
    'stdout. The typical payload is `test/fixtures/webhooks/message-added-chat-attachments.json`; the other is the',
    'same message with 50 private attachments (5 SendMessageBatch calls).',
    '',
    table(['SQS stand-in', 'webhook', 'CPU p50', 'CPU p99', 'CPU mean', 'wall p50'], rows),
    '',
    'aws-sdk-client-mock replaces `SQSClient.send`, so the SDK itself does no work; with the real client and an',
    'in-memory HTTP handler, serialization, SigV4 signing and the MD5 checks of the response are counted too.',
  ].join('\n');
}

function bundlesSection(r: BenchResults): string {
  return [
    'Each handler bundled as `infra/constructs/node-function.ts` has CDK bundle it (esbuild, minified, ESM, target',
    'node24, `mainFields: module,main`, AWS SDK inside), then loaded and invoked once before its size counts.',
    '',
    table(
      ['Lambda', 'AWS SDK', 'bundle', 'gzipped', 'target', 'largest contributors'],
      r.bundles.map((b) => [
        b.lambda,
        b.variant === 'deployed' ? 'inside (as deployed)' : "external (the runtime's)",
        kb(b.bytes),
        kb(b.gzipBytes),
        b.lambda === 'ingest' ? `< ${kb(TARGETS.ingestBundleBytes)} ${mark(b.bytes < TARGETS.ingestBundleBytes)}` : '—',
        b.top.map((t) => `${t.module} ${kb(t.bytes)}`).join(', '),
      ]),
    ),
    '',
    '`npx tsx bench/ingest-bundle.ts` compares the ingest bundle with esbuild defaults and with `@aws-sdk/*` external.',
  ].join('\n');
}

export function costSection(r: BenchResults, model: CostModel = costModel(costInputOf(r))): string {
  const input = costInputOf(r);
  const a = ASSUMPTIONS;
  return [
    `AWS list prices for ${PRICES.region} as of ${PRICES.asOf} (check the pricing pages: ${PRICING_PAGES.join(', ')}),`,
    'free tiers ignored. Mix: ' +
      FILE_MIX.map((f) => `${f.count.toLocaleString('en-US')} ${f.name} of ${size(f.bytes)}`).join(', ') +
      '.',
    '',
    `Per file: medians of ${r.plan.costInputs.reps} archiver run(s) at ${r.plan.costInputs.sizes.map(size).join(', ')} on this machine` +
      ' (other sizes interpolated):',
    '',
    table(
      [
        'file',
        'loopback wall time',
        'CPU time here',
        'S3 PUT-class requests',
        `modelled Lambda duration (${input.archiverMemoryMiB} MB)`,
      ],
      model.durations.map((d) => [
        `${d.name}, ${size(d.bytes)}`,
        ms(d.loopbackSeconds * 1000),
        ms(d.cpuSeconds * 1000),
        String(d.s3PutRequests),
        ms(d.lambdaSeconds * 1000),
      ]),
    ),
    '',
    `Modelled duration = ${a.archiverWaitSeconds * 1000} ms of network waits (assumed: S3 HEAD + record PUT, TLS + redirect + first`,
    `byte from files.dixa.io) + the larger of CPU time ÷ the function's vCPU share (${input.archiverMemoryMiB} MB ÷ 1,769 MB per vCPU)`,
    `and size ÷ ${a.downloadBytesPerSecond / 1e6} MB/s (assumed download bandwidth). Ingest: ${ms(input.ingestCpuSeconds * 1000)} CPU p50 ÷`,
    `its vCPU share (${input.ingestMemoryMiB} MB) + ${a.ingestWaitSeconds * 1000} ms SendMessageBatch = ${ms(model.ingestSeconds * 1000)} per webhook.`,
    `Assumed: one webhook per file (an upper bound), ${a.sqsRequestsPerJob} SQS requests per job (send share, receive, delete), part size ${input.partSizeMiB} MiB.`,
    '',
    table(
      ['item', 'quantity', 'unit price', 'cost'],
      model.rows.map((row) => [
        row.item,
        `${row.quantity.toLocaleString('en-US', { maximumFractionDigits: row.unit === 'requests' ? 0 : 1 })} ${row.unit}`,
        row.price,
        usd(row.cost),
      ]),
    ),
    '',
    `**Per 10,000 files: ${usd(model.oneOff)} once (requests and compute), then ${usd(model.storagePerMonth)} per month to store` +
      ` ${fixed(model.storageGiB, 2)} GiB** in S3 Standard (less after a lifecycle transition). Not included: CloudWatch Logs`,
    'ingestion and metrics, KMS (the default is SSE-S3), Secrets Manager ($0.40 per secret-month; reads are cached),',
    'SQS long polling while idle, cold starts, and data transfer (into S3 and into Lambda from the internet is free).',
  ].join('\n');
}

export function summaryTable(r: BenchResults): string {
  const rows = throughputRows(r.throughput, r.machine.cores);
  const archiver = r.memory.filter((m) => m.variant === 'archiver');
  const naive = r.memory.filter((m) => m.variant === 'naive');
  const peaks = archiver.map((m) => m.peakRssMiB);
  const spread = Math.max(...peaks) - Math.min(...peaks);
  const sdk = r.ingestCpu.find((m) => m.standIn === 'sdk');
  const mock = r.ingestCpu.find((m) => m.standIn === 'mock');
  const ingestBundle = r.bundles.find((b) => b.lambda === 'ingest' && b.variant === 'deployed');
  const archiverBundle = r.bundles.find((b) => b.lambda === 'archiver' && b.variant === 'deployed');
  const ingestExternal = r.bundles.find((b) => b.lambda === 'ingest' && b.variant === 'sdk-external');
  const model = costModel(costInputOf(r));
  const pick = recommendTuning(tuningCells(r.tuning), runToRunNoise([...r.throughput, ...r.tuning]));
  const out: string[][] = [];
  for (const row of rows) {
    const v = row.byVariant;
    out.push([
      `throughput, ${size(row.bytes)}: (a) download / (b) upload / (c) archiver / (d) naive`,
      [v.download, v.upload, v.archiver, v.naive].map((s) => (s ? fixed(s.mibPerSecond, 0) : 'n/a')).join(' / ') +
        ' MiB/s',
      '',
    ]);
    out.push([
      `c ÷ max(a, b) · c ÷ e (fair) · c ÷ d (durations), ${size(row.bytes)}`,
      `${fixed(row.limitRatio, 2)} · ${fixed(row.fairRatio, 2)} · ${fixed(row.naiveRatio, 2)}`,
      `≤ ${TARGETS.limitRatio} ${mark(row.limitRatio <= TARGETS.limitRatio)} · ≤ ${TARGETS.fairRatio} ${mark(row.fairRatio <= TARGETS.fairRatio)} · < 1 ${mark(row.naiveRatio < 1)}`,
    ]);
    const largest = row.bytes === Math.max(...rows.map((x) => x.bytes));
    out.push([
      `archiver CPU ÷ floor (SHA-256 + CRC32 + one copy), ${size(row.bytes)}`,
      `${fixed(row.floorRatio, 2)} (${fixed(row.archiverCpuMsPerMiB, 2)} ÷ ${fixed(row.floorCpuMsPerMiB, 2)} ms/MiB)`,
      largest ? `≤ ${TARGETS.floorRatio} ${mark(row.floorRatio <= TARGETS.floorRatio)}` : '',
    ]);
  }
  const small = smallFilesSummary(r);
  if (small) {
    out.push([
      `small files (${small.files} × 20–200 KB): files/s · CPU ms per file, archiver vs GET + PUT floor`,
      `${fixed(small.archiver.filesPerSecond, 0)} vs ${fixed(small.floor.filesPerSecond, 0)} · ${fixed(small.archiver.cpuMsPerFile, 2)} vs ${fixed(small.floor.cpuMsPerFile, 2)}`,
      `CPU ÷ floor ${fixed(small.cpuRatio, 2)} ≤ ${TARGETS.smallFilesRatio} ${mark(small.cpuRatio <= TARGETS.smallFilesRatio)}`,
    ]);
  }
  for (const c of r.coldStarts ?? []) {
    out.push([
      `cold start, ${c.lambda} (${c.node}, load + first invocation, median of ${c.runs})`,
      `${fixed(c.loadAndFirstMs, 0)} ms`,
      c.lambda === 'ingest'
        ? `≤ ${TARGETS.ingestColdStartMs} ms ${mark(c.loadAndFirstMs <= TARGETS.ingestColdStartMs)}`
        : '',
    ]);
  }
  out.push([
    `archiver peak RSS, ${archiver.map((m) => size(m.bytes)).join(' / ')}`,
    `${archiver.map((m) => fixed(m.peakRssMiB, 0)).join(' / ')} MiB`,
    `≤ ${TARGETS.memoryPeakMiB} MiB ${mark(peaks.every((p) => p <= TARGETS.memoryPeakMiB))}, within ${TARGETS.memorySpreadMiB} MiB ${mark(spread <= TARGETS.memorySpreadMiB)}`,
  ]);
  out.push([
    `naive peak RSS, ${naive.map((m) => size(m.bytes)).join(' / ')}`,
    `${naive.map((m) => fixed(m.peakRssMiB, 0)).join(' / ')} MiB`,
    'grows with the file',
  ]);
  if (pick) {
    out.push([
      `tuning (${size(r.plan.tuning.bytes)}): numbers support part × queue`,
      `${pick.partSizeMiB} MiB × ${pick.queueSize}`,
      `defaults: ${DEFAULT_PART_SIZE_MIB} MiB × ${DEFAULT_UPLOAD_QUEUE_SIZE} ${mark(pick.partSizeMiB === DEFAULT_PART_SIZE_MIB && pick.queueSize === DEFAULT_UPLOAD_QUEUE_SIZE)}`,
    ]);
  }
  if (mock && sdk) {
    out.push([
      'ingest CPU per webhook p50 / p99: typical · 50 attachments (SQS mocked)',
      `${ms(mock.typical.p50Ms)} / ${ms(mock.typical.p99Ms)} · ${ms(mock.fifty.p50Ms)} / ${ms(mock.fifty.p99Ms)}`,
      '',
    ]);
    out.push([
      'the same with the real SQS client (in-memory HTTP)',
      `${ms(sdk.typical.p50Ms)} / ${ms(sdk.typical.p99Ms)} · ${ms(sdk.fifty.p50Ms)} / ${ms(sdk.fifty.p99Ms)}`,
      '',
    ]);
  }
  if (ingestBundle && archiverBundle) {
    out.push([
      'bundle as deployed (AWS SDK inside), minified: ingest · archiver',
      `${kb(ingestBundle.bytes)} · ${kb(archiverBundle.bytes)}`,
      `ingest < ${kb(TARGETS.ingestBundleBytes)} ${mark(ingestBundle.bytes < TARGETS.ingestBundleBytes)}`,
    ]);
  }
  if (ingestExternal) {
    out.push([
      "ingest bundle with `@aws-sdk/*` external (the runtime's SDK)",
      kb(ingestExternal.bytes),
      `< ${kb(TARGETS.ingestBundleBytes)} ${mark(ingestExternal.bytes < TARGETS.ingestBundleBytes)}`,
    ]);
  }
  out.push([
    'cost per 10,000 files (mix above): once · storage per month',
    `${usd(model.oneOff)} · ${usd(model.storagePerMonth)}`,
    '',
  ]);
  return table(['measure', 'result', 'target'], out);
}

export function renderResults(r: BenchResults): string {
  return [
    '# Benchmark results',
    '',
    `Written by \`npm run bench\`${r.plan.mode === 'quick' ? ' -- --quick (tiny sizes: proves the machinery, not the numbers)' : ''}; raw numbers in \`bench/results.json\`.`,
    '',
    '## Machine',
    '',
    machineSection(r),
    '',
    '## Summary',
    '',
    summaryTable(r),
    '',
    '## 1. Throughput',
    '',
    throughputSection(r),
    '',
    '## 2. Memory',
    '',
    memorySection(r),
    '',
    '## 3. Tuning: part size × queue size',
    '',
    tuningSection(r),
    '',
    '## 4. Ingest: CPU per webhook and bundle sizes',
    '',
    ingestSection(r),
    '',
    bundlesSection(r),
    '',
    '## 5. Cost model',
    '',
    costSection(r),
    '',
    '## 6. Small files',
    '',
    smallFilesSection(r),
    '',
    '## 7. Cold starts',
    '',
    coldStartSection(r),
    '',
  ].join('\n');
}

interface SmallFilesSide {
  filesPerSecond: number;
  cpuMsPerFile: number;
  s3RequestsPerFile: Record<string, number>;
  peakRssMiB: number;
}

export function smallFilesSummary(
  r: BenchResults,
):
  | { files: number; archiver: SmallFilesSide; floor: SmallFilesSide; cpuRatio: number; durationRatio: number }
  | undefined {
  const side = (mode: 'archiver' | 'floor'): SmallFilesSide | undefined => {
    const runs = (r.smallFiles ?? []).filter((m) => m.mode === mode);
    if (runs.length === 0) return undefined;
    const operations = [...new Set(runs.flatMap((m) => Object.keys(m.s3Requests)))].sort();
    return {
      filesPerSecond: median(runs.map((m) => m.files / m.seconds)),
      cpuMsPerFile: median(runs.map((m) => (m.cpuSeconds / m.files) * 1000)),
      s3RequestsPerFile: Object.fromEntries(
        operations.map((op) => [op, median(runs.map((m) => (m.s3Requests[op] ?? 0) / m.files))]),
      ),
      peakRssMiB: median(runs.map((m) => m.peakRssMiB)),
    };
  };
  const archiver = side('archiver');
  const floor = side('floor');
  if (!archiver || !floor) return undefined;
  return {
    files: r.smallFiles[0]?.files ?? 0,
    archiver,
    floor,
    cpuRatio: archiver.cpuMsPerFile / floor.cpuMsPerFile,
    durationRatio: floor.filesPerSecond / archiver.filesPerSecond,
  };
}

function smallFilesSection(r: BenchResults): string {
  const s = smallFilesSummary(r);
  if (!s) return 'Not measured.';
  const requests = (side: SmallFilesSide) =>
    Object.entries(side.s3RequestsPerFile)
      .map(([op, n]) => `${op} ${fixed(n, 2)}`)
      .join(', ');
  return [
    `${s.files} files of 20–200 KB (sizes spread evenly, 110 KB on average) through the archiver's Lambda handler`,
    `(Powertools Batch, logs and EMF metrics to a discarded stdout, \`archiveFile\`), in SQS events of the stack's batch`,
    `size (${r.stack.archiverBatchSize}), ${r.stack.archiverMaxConcurrency} invocations at a time (the stack's maximum concurrency; here in one process),`,
    'after a warm-up file. The floor moves the same files on the same rig with one GET (the archiver’s HTTP client)',
    'and one PUT each, at the same concurrency, and nothing else. Medians of ' +
      `${r.plan.smallFiles.reps} run(s) each, interleaved.`,
    '',
    table(
      ['', 'files/s', 'CPU ms per file', 'S3 requests per file', 'peak RSS'],
      [
        [
          'archiver handler',
          fixed(s.archiver.filesPerSecond, 0),
          ms(s.archiver.cpuMsPerFile),
          requests(s.archiver),
          mib(s.archiver.peakRssMiB),
        ],
        [
          'floor: GET + PUT',
          fixed(s.floor.filesPerSecond, 0),
          ms(s.floor.cpuMsPerFile),
          requests(s.floor),
          mib(s.floor.peakRssMiB),
        ],
        [
          'archiver ÷ floor',
          `${fixed(s.durationRatio, 2)} (time)`,
          `${fixed(s.cpuRatio, 2)} ${mark(s.cpuRatio <= TARGETS.smallFilesRatio)}`,
          '',
          '',
        ],
      ],
    ),
    '',
    `Target: CPU per file ≤ ${TARGETS.smallFilesRatio} × the floor's. Each S3 request costs the SDK a fixed amount of CPU (middleware,`,
    'endpoint rules, signing, XML), so at these sizes the count of requests per file, not the bytes, sets the cost.',
  ].join('\n');
}

function coldStartSection(r: BenchResults): string {
  const starts = r.coldStarts ?? [];
  if (starts.length === 0) return 'Not measured.';
  return [
    'Each Lambda bundled as the stack deploys it (esbuild settings of `infra/constructs/node-function.ts`, AWS SDK',
    'inside, linked source map, the functions’ `NODE_OPTIONS`), then run in a fresh Node.js process per sample:',
    '`import()` of the bundle, then one invocation — ingest: a signed webhook with 4 file links (the secret from',
    'Secrets Manager and SendMessageBatch to SQS, both a loopback stub); archiver: one new 100 KB file from the',
    'source into the local S3 (the secret from the same stub). The time Lambda itself needs to start a sandbox',
    'and Node.js is not included (the last column adds Node.js’s own start here).',
    '',
    table(
      [
        'Lambda',
        'Node.js',
        'load + first invocation (median)',
        'module load',
        'first invocation',
        'from process start',
        'runs',
        'target',
      ],
      starts.map((c) => [
        c.lambda,
        c.node,
        `**${fixed(c.loadAndFirstMs, 0)} ms**`,
        `${fixed(c.loadMs, 0)} ms`,
        `${fixed(c.firstInvocationMs, 0)} ms`,
        `${fixed(c.processMs, 0)} ms`,
        String(c.runs),
        c.lambda === 'ingest'
          ? `≤ ${TARGETS.ingestColdStartMs} ms ${mark(c.loadAndFirstMs <= TARGETS.ingestColdStartMs)}`
          : '—',
      ]),
    ),
  ].join('\n');
}
