/**
 * Peak memory of the archiver while it streams one large file into S3.
 *
 *   npx tsx bench/archiver-memory.ts                       # 300 MiB, 8 MiB parts, queue size 4
 *   npx tsx bench/archiver-memory.ts --size-mib 1024 --part-size-mib 16 --queue-size 2
 *   npx tsx bench/archiver-memory.ts --matrix              # several part size / queue size pairs
 *
 * This process runs s3rver and the fake files.dixa.io (loopback only); each measurement runs the archiver in a
 * child process of its own, so the figure is the archiver's alone: the kernel's peak RSS of that process
 * (`process.resourceUsage().maxRSS`), next to its RSS after a warm-up on a 1 MiB file (modules loaded, clients
 * built). The archived object's SHA-256 is checked against the generator's.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const MIB = 1024 * 1024;
// Exported for bench/run.ts, which runs this worker against its own loopback source and local S3.
export const BUCKET = 'bench-archive';
export const TOKEN = 'bench-token';
export const WARM_UP_PATH = '/private/bench/warm-up.bin';

export interface Measurement {
  sizeMiB: number;
  partSizeMiB: number;
  queueSize: number;
  baselineRssMiB: number;
  peakRssMiB: number;
  seconds: number;
  /** CPU time (user + system) of the measured archiveFile call. */
  cpuSeconds: number;
  /** The kernel's share of cpuSeconds (socket reads and writes; on loopback also the TCP delivery). */
  systemCpuSeconds: number;
  /** CPU time of the floor (bench/lib/floor.ts) on as many bytes, in this process right after the transfer. */
  floorCpuSeconds: number;
  /** CPU of AES-128-GCM over as many bytes, once (bench/lib/floor.ts): what TLS adds per direction in Lambda. */
  tlsCipherCpuSeconds: number;
  sha256: string;
}

if (process.argv.includes('--worker')) {
  await worker();
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'size-mib': { type: 'string', default: '300' },
      'part-size-mib': { type: 'string', default: '8' },
      'queue-size': { type: 'string', default: '4' },
      matrix: { type: 'boolean', default: false },
    },
  });
  const sizeMiB = Number(values['size-mib']);
  const pairs: [number, number][] = values.matrix
    ? [
        [5, 1],
        [5, 4],
        [8, 2],
        [8, 4],
        [8, 8],
        [16, 4],
      ]
    : [[Number(values['part-size-mib']), Number(values['queue-size'])]];

  const { startFilesServer, contentSha256 } = await import('../test/fakes/files-server.ts');
  const directory = await mkdtemp(join(tmpdir(), 'bench-s3-'));
  const S3rver = createRequire(import.meta.url)('s3rver');
  const s3rver = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await s3rver.run();
  const files = await startFilesServer({ token: TOKEN });
  try {
    const path = '/private/bench/recordings/large.mp3';
    files.addFile(path, { size: sizeMiB * MIB, contentType: 'audio/mpeg' });
    files.addFile(WARM_UP_PATH, { size: MIB });
    const expected = await contentSha256(path, sizeMiB * MIB);
    const results: Measurement[] = [];
    for (const [partSizeMiB, queueSize] of pairs) {
      const result = await measure({
        S3_ENDPOINT: `http://127.0.0.1:${port}`,
        DIXA_FILES_BASE_URL: files.baseUrl,
        BENCH_PATH: path,
        BENCH_SIZE_MIB: String(sizeMiB),
        PART_SIZE_MIB: String(partSizeMiB),
        UPLOAD_QUEUE_SIZE: String(queueSize),
      });
      if (result.sha256 !== expected) throw new Error(`archived object differs: ${result.sha256} ≠ ${expected}`);
      results.push(result);
      console.error(`measured part ${partSizeMiB} MiB × queue ${queueSize}`);
    }
    files.assertNoLeaks();
    console.log(`node ${process.version}, ${sizeMiB} MiB file, s3rver + fake files host on loopback\n`);
    console.log(
      '| part size | queue size | RSS after warm-up | peak RSS | peak − warm-up | part buffers (part × (queue+1)) | time | throughput |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of results) {
      console.log(
        `| ${r.partSizeMiB} MiB | ${r.queueSize} | ${r.baselineRssMiB.toFixed(0)} MiB | ${r.peakRssMiB.toFixed(0)} MiB | ${(r.peakRssMiB - r.baselineRssMiB).toFixed(0)} MiB | ${r.partSizeMiB * (r.queueSize + 1)} MiB | ${r.seconds.toFixed(1)} s | ${(r.sizeMiB / r.seconds).toFixed(0)} MiB/s |`,
      );
    }
  } finally {
    await files.close();
    await s3rver.close();
    await rm(directory, { recursive: true, force: true });
  }
}

export function measure(env: Record<string, string>): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--worker'], {
      env: { ...process.env, ...env },
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (message) => resolve(message as Measurement));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
  });
}

async function worker(): Promise<void> {
  const { S3Client } = await import('@aws-sdk/client-s3');
  const { archiveFile } = await import('../lambdas/archiver/archive-file.ts');
  const { ArchiveStorage } = await import('../lambdas/aws/storage.ts');
  const { parseFilesBaseUrl } = await import('../lambdas/core/links.ts');
  const { floorCpuSeconds, tlsCipherCpuSeconds } = await import('./lib/floor.ts');
  const env = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const partSizeBytes = Number(env('PART_SIZE_MIB')) * MIB;
  const queueSize = Number(env('UPLOAD_QUEUE_SIZE'));
  const s3 = new S3Client({
    endpoint: env('S3_ENDPOINT'),
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const files = parseFilesBaseUrl(env('DIXA_FILES_BASE_URL'));
  const deps = {
    config: {
      files,
      prefix: 'bench',
      bucket: BUCKET,
      connectTimeoutMs: 5_000,
      idleTimeoutMs: 30_000,
      objectLock: false,
    },
    storage: new ArchiveStorage(s3, BUCKET, { partSizeBytes, queueSize }),
    secrets: { get: async () => ({ apiToken: TOKEN, webhookSecret: '' }) },
  };
  const job = (path: string, conversationId: string) => ({
    v: 1 as const,
    url: `${files.origin}${path}`,
    visibility: 'private' as const,
    kind: 'recording' as const,
    conversationId,
    source: 'export' as const,
  });
  const run = `${process.pid}${Date.now()}`.slice(-12);

  await archiveFile(job(WARM_UP_PATH, run), deps);
  (globalThis as { gc?: () => void }).gc?.();
  const baselineRssMiB = process.memoryUsage().rss / MIB;

  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const outcome = await archiveFile(job(env('BENCH_PATH'), `1${run}`), deps);
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  if (outcome.status !== 'archived') throw new Error(`unexpected outcome ${outcome.status}`);
  const peakRssMiB = (process.resourceUsage().maxRSS * 1024) / MIB;
  const bytes = Math.round(Number(env('BENCH_SIZE_MIB')) * MIB);
  const measurement: Measurement = {
    sizeMiB: Number(env('BENCH_SIZE_MIB')),
    partSizeMiB: partSizeBytes / MIB,
    queueSize,
    baselineRssMiB,
    peakRssMiB,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    systemCpuSeconds: cpu.system / 1e6,
    floorCpuSeconds: floorCpuSeconds(bytes, partSizeBytes),
    tlsCipherCpuSeconds: tlsCipherCpuSeconds(bytes),
    sha256: outcome.sha256,
  };
  process.send?.(measurement, () => process.exit(0));
}
