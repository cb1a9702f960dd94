/**
 * One throughput/memory measurement in a process of its own (forked by bench/throughput.ts), so its peak RSS is
 * its own and no run inherits another's heap. Variants next to the archiver (whose own worker is
 * bench/archiver-memory.ts):
 *
 * - `download`: the archiver's `openDownload` → discard (the download half alone);
 * - `upload`: a generated stream → the archiver's `ArchiveStorage.putFile` (lib-storage `Upload` with the
 *   archiver's part size, queue size and checksum settings) → local S3 (the upload half alone);
 * - `naive`: what one might write instead: `fetch` → `arrayBuffer()` → one `PutObject` (memory grows with the file);
 * - `fair`: what one would write instead that streams: `fetch` → lib-storage `Upload` with the archiver's part and
 *   queue sizes and an ordinary S3 client (signed payloads, the SDK's default CRC32) — no hash, no record.
 *
 * Each first runs once on a 1 MiB file (modules loaded, clients built, connections made), then is timed on the
 * real one. Environment: S3_ENDPOINT (or BENCH_S3_DIRECTORY: run s3rver inside this process), DIXA_FILES_BASE_URL,
 * BENCH_VARIANT, BENCH_BYTES, BENCH_BUCKET, BENCH_TOKEN, PART_SIZE_MIB, UPLOAD_QUEUE_SIZE, AWS credentials for s3rver.
 * It runs bundled (bench/lib/workers.ts), so it imports nothing that runs code on import.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DEFAULT_PART_SIZE_MIB, DEFAULT_UPLOAD_QUEUE_SIZE } from '../lambdas/archiver/config.ts';
import { basicAuthorization, openDownload } from '../lambdas/archiver/fetch-file.ts';
import { s3ClientFromEnv } from '../lambdas/aws/clients.ts';
import { ArchiveStorage } from '../lambdas/aws/storage.ts';
import { parseFilesBaseUrl } from '../lambdas/core/links.ts';
import { startInProcessS3 } from './lib/local-s3.ts';
import { generatedStream, MIB, sourcePath } from './lib/source-server.ts';

export type TransferVariant = 'download' | 'upload' | 'naive' | 'fair';

export interface TransferMeasurement {
  variant: TransferVariant;
  bytes: number;
  seconds: number;
  /** RSS after the 1 MiB warm-up. */
  baselineRssMiB: number;
  /** The kernel's peak RSS for this whole process (`process.resourceUsage().maxRSS`). */
  peakRssMiB: number;
  /** CPU time (user + system) of the measured transfer. */
  cpuSeconds: number;
}

const env = process.env;
const variant = env.BENCH_VARIANT as TransferVariant;
const bytes = Number(env.BENCH_BYTES);
const BUCKET = env.BENCH_BUCKET ?? '';
const TOKEN = env.BENCH_TOKEN ?? '';
if (
  !['download', 'upload', 'naive', 'fair'].includes(variant) ||
  !Number.isSafeInteger(bytes) ||
  bytes <= 0 ||
  !BUCKET
) {
  throw new Error(`transfer-worker: bad BENCH_VARIANT/BENCH_BYTES/BENCH_BUCKET (${variant}, ${env.BENCH_BYTES})`);
}

const inProcessS3 = env.BENCH_S3_DIRECTORY ? await startInProcessS3(env.BENCH_S3_DIRECTORY, [BUCKET]) : undefined;
if (inProcessS3) env.S3_ENDPOINT = inProcessS3.endpoint;

const s3 = s3ClientFromEnv();
// The baselines get a client of their own: ArchiveStorage adds its unsigned-payload rule to the client it is given.
const plainS3 = s3ClientFromEnv();
const files = parseFilesBaseUrl(env.DIXA_FILES_BASE_URL);
const secrets = { get: async () => ({ apiToken: TOKEN, webhookSecret: '' }) };
const storage = new ArchiveStorage(s3, BUCKET, {
  partSizeBytes: Number(env.PART_SIZE_MIB || DEFAULT_PART_SIZE_MIB) * MIB,
  queueSize: Number(env.UPLOAD_QUEUE_SIZE || DEFAULT_UPLOAD_QUEUE_SIZE),
});
const run = `${process.pid}-${Date.now()}`;

const variants: Record<TransferVariant, (size: number, name: string) => Promise<void>> = {
  async download(size, name) {
    const { body } = await openDownload(
      { url: `${files.origin}${sourcePath('private', size, name)}`, visibility: 'private' },
      { files, connectTimeoutMs: 5_000, idleTimeoutMs: 30_000 },
      secrets,
    );
    await pipeline(body, new Writable({ write: (_chunk, _encoding, done) => done() }));
  },
  async upload(size, name) {
    const key = `bench/upload/${run}/${name}`;
    await storage.putFile({ key, body: generatedStream(size), contentType: 'application/octet-stream', metadata: {} });
  },
  async naive(size, name) {
    const response = await fetch(`${files.origin}${sourcePath('private', size, name)}`, {
      headers: { authorization: basicAuthorization(TOKEN) },
    });
    if (!response.ok) throw new Error(`source answered ${response.status}`);
    const body = new Uint8Array(await response.arrayBuffer());
    await plainS3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `bench/naive/${run}/${name}`,
        Body: body,
        ContentType: response.headers.get('content-type') ?? undefined,
      }),
    );
  },
  async fair(size, name) {
    const response = await fetch(`${files.origin}${sourcePath('private', size, name)}`, {
      headers: { authorization: basicAuthorization(TOKEN) },
    });
    if (!response.ok || !response.body) throw new Error(`source answered ${response.status}`);
    await new Upload({
      client: plainS3,
      partSize: storage.upload.partSizeBytes,
      queueSize: storage.upload.queueSize,
      params: {
        Bucket: BUCKET,
        Key: `bench/fair/${run}/${name}`,
        Body: Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        ContentType: response.headers.get('content-type') ?? undefined,
      },
    }).done();
  },
};

await variants[variant](MIB, 'warm-up.bin');
(globalThis as { gc?: () => void }).gc?.();
const baselineRssMiB = process.memoryUsage().rss / MIB;
const started = performance.now();
const cpuBefore = process.cpuUsage();
await variants[variant](bytes, 'measured.bin');
const cpu = process.cpuUsage(cpuBefore);
const seconds = (performance.now() - started) / 1000;
const measurement: TransferMeasurement = {
  variant,
  bytes,
  seconds,
  baselineRssMiB,
  peakRssMiB: (process.resourceUsage().maxRSS * 1024) / MIB,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
};
await inProcessS3?.stop();
process.send?.(measurement, () => process.exit(0));
