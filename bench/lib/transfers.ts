/**
 * One measurement of moving a file from the loopback source into the local S3, in a fresh process running a
 * bundled worker: the archiver (bench/archiver-memory.ts's worker, which calls the real `archiveFile`) or one of
 * bench/transfer-worker.ts's variants. Afterwards the stored object's size (and, for the archiver, its SHA-256) is checked and the bucket
 * emptied, so the scratch disk never holds more than one run.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_PART_SIZE_MIB, DEFAULT_UPLOAD_QUEUE_SIZE } from '../../lambdas/archiver/config.ts';
import { type Measurement as ArchiverMeasurement, BUCKET, TOKEN } from '../archiver-memory.ts';
import type { TransferMeasurement, TransferVariant } from '../transfer-worker.ts';
import { runChild } from './child.ts';
import { emptyBucket, S3RVER_CREDENTIALS } from './local-s3.ts';
import { busyShare, machineCpu, processCpuSeconds } from './proc-cpu.ts';
import { contentSha256, MIB, sourcePath } from './source-server.ts';
import type { Workers } from './workers.ts';

export type Variant = TransferVariant | 'archiver';

export interface RunSpec {
  variant: Variant;
  bytes: number;
  partSizeMiB?: number;
  queueSize?: number;
  /** Run s3rver inside the measured process instead of the shared child (upload variant only). */
  s3InProcess?: boolean;
}

/** Not part of a run's identity: e.g. a directory for `node --cpu-prof` of the measured process. */
export interface MeasureOptions {
  cpuProfileDir?: string;
}

export interface Run extends Required<RunSpec> {
  seconds: number;
  mibPerSecond: number;
  /** CPU time of the measured process during the timed part. */
  cpuSeconds: number;
  /** The archiver only: CPU of the floor (bench/lib/floor.ts) on as many bytes, same process, right after. */
  floorCpuSeconds: number | null;
  /** The archiver only: the kernel's share of cpuSeconds (socket I/O). */
  systemCpuSeconds: number | null;
  /** The archiver only: AES-128-GCM over as many bytes, once (what TLS adds per direction in Lambda). */
  tlsCipherCpuSeconds?: number | null;
  /** CPU time the file source and the local S3 (child) used over the measured process's life; null without /proc. */
  helpersCpuSeconds: number | null;
  /** Share of all cores busy over the measured process's life, whoever used them (other jobs too); null without /proc. */
  machineBusyShare: number | null;
  baselineRssMiB: number;
  peakRssMiB: number;
}

export interface TransferRig {
  sourceUrl: string;
  s3Endpoint: string;
  /** Where in-process S3 runs keep their objects (a fresh sub-directory per run). */
  scratchPath: string;
  workers: Workers;
  /** The source's and the local S3's processes, whose CPU time is recorded with each run. */
  helperPids: (number | undefined)[];
}

const hashes = new Map<number, string>();

function expectedSha256(bytes: number): string {
  let hash = hashes.get(bytes);
  if (!hash) {
    hash = contentSha256(bytes);
    hashes.set(bytes, hash);
  }
  return hash;
}

export function createTransfers(rig: TransferRig) {
  const s3 = new S3Client({
    endpoint: rig.s3Endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: {
      accessKeyId: S3RVER_CREDENTIALS.AWS_ACCESS_KEY_ID,
      secretAccessKey: S3RVER_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
    },
  });
  let counter = 0;

  async function storedSizes(): Promise<number[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    return (listed.Contents ?? []).filter((o) => !o.Key?.endsWith('.json')).map((o) => o.Size ?? -1);
  }

  async function measure(spec: RunSpec, options: MeasureOptions = {}): Promise<Run> {
    const full: Required<RunSpec> = {
      partSizeMiB: DEFAULT_PART_SIZE_MIB,
      queueSize: DEFAULT_UPLOAD_QUEUE_SIZE,
      s3InProcess: false,
      ...spec,
    };
    const env: Record<string, string> = {
      ...S3RVER_CREDENTIALS,
      AWS_REGION: 'us-east-1',
      S3_ENDPOINT: rig.s3Endpoint,
      DIXA_FILES_BASE_URL: rig.sourceUrl,
      PART_SIZE_MIB: String(full.partSizeMiB),
      UPLOAD_QUEUE_SIZE: String(full.queueSize),
      BENCH_BUCKET: BUCKET,
      BENCH_TOKEN: TOKEN,
    };
    const helpersCpu = () => {
      const times = rig.helperPids.map(processCpuSeconds);
      return times.every((t) => t !== undefined) ? times.reduce((a, b) => a + b, 0) : undefined;
    };
    const helpersBefore = helpersCpu();
    const machineBefore = machineCpu();
    let measured: Omit<
      Run,
      | keyof RunSpec
      | 'mibPerSecond'
      | 'helpersCpuSeconds'
      | 'machineBusyShare'
      | 'floorCpuSeconds'
      | 'systemCpuSeconds'
      | 'tlsCipherCpuSeconds'
    > & { floorCpuSeconds?: number; systemCpuSeconds?: number; tlsCipherCpuSeconds?: number };
    if (full.variant === 'archiver') {
      const result = await runChild<ArchiverMeasurement>(
        rig.workers.path.archiver,
        ['--worker'],
        {
          ...env,
          BENCH_PATH: sourcePath('private', full.bytes, 'recording.mp3'),
          BENCH_SIZE_MIB: String(full.bytes / MIB),
        },
        options.cpuProfileDir ? { execArgv: ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] } : {},
      );
      const expected = expectedSha256(full.bytes);
      if (result.sha256 !== expected) throw new Error(`archived SHA-256 ${result.sha256} ≠ source ${expected}`);
      measured = result;
    } else {
      const directory = full.s3InProcess ? join(rig.scratchPath, `in-process-${++counter}`) : undefined;
      if (directory) mkdirSync(directory);
      try {
        measured = await runChild<TransferMeasurement>(rig.workers.path.transfer, [], {
          ...env,
          BENCH_VARIANT: full.variant,
          BENCH_BYTES: String(full.bytes),
          ...(directory ? { BENCH_S3_DIRECTORY: directory } : {}),
        });
      } finally {
        if (directory) rmSync(directory, { recursive: true, force: true });
      }
    }
    const machineBusyShare = busyShare(machineBefore, machineCpu());
    const helpersAfter = helpersCpu();
    const helpersCpuSeconds =
      helpersBefore !== undefined && helpersAfter !== undefined ? helpersAfter - helpersBefore : null;
    if (full.variant !== 'download' && !full.s3InProcess) {
      const sizes = await storedSizes();
      if (!sizes.includes(full.bytes))
        throw new Error(`${full.variant}: no ${full.bytes}-byte object stored (${sizes})`);
    }
    await emptyBucket(s3, BUCKET);
    const { seconds, cpuSeconds, baselineRssMiB, peakRssMiB } = measured;
    return {
      ...full,
      seconds,
      cpuSeconds,
      floorCpuSeconds: measured.floorCpuSeconds ?? null,
      systemCpuSeconds: measured.systemCpuSeconds ?? null,
      tlsCipherCpuSeconds: measured.tlsCipherCpuSeconds ?? null,
      helpersCpuSeconds,
      machineBusyShare,
      baselineRssMiB,
      peakRssMiB,
      mibPerSecond: full.bytes / MIB / seconds,
    };
  }

  return { measure, emptyBucket: () => emptyBucket(s3, BUCKET), close: () => s3.destroy() };
}

export type Transfers = ReturnType<typeof createTransfers>;
