/**
 * For the compliance CLI tests: an s3rver bucket seeded the way the archiver writes (real key and record
 * functions), and a way to run `dixa-archiver …` in-process capturing stdout, stderr and the exit code.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { tsImport } from 'tsx/esm/api';
import { vi } from 'vitest';
import { startLocalStorage } from '../../cli/local/storage.ts';
import type { FileJob, FileKind } from '../../lambdas/core/job.ts';
import { objectKey, recordKey } from '../../lambdas/core/keys.ts';
import { buildRecord, type ProvenanceRecord } from '../../lambdas/core/record.ts';

export const BUCKET = 'archive-test';
export const PREFIX = 'dixa';

export interface Emulator {
  endpoint: string;
  s3: S3Client;
  /** The flags that point a command at this bucket. */
  flags: string[];
  stop(): Promise<void>;
}

/** s3rver on loopback (local mode's own storage), in a temporary directory. */
export async function startS3(): Promise<Emulator> {
  const directory = await mkdtemp(join(tmpdir(), 'compliance-s3-'));
  const storage = await startLocalStorage(directory, BUCKET);
  const { endpoint } = storage;
  const s3 = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    endpoint,
    s3,
    flags: ['--endpoint', endpoint, '--bucket', BUCKET, '--prefix', PREFIX],
    async stop() {
      s3.destroy();
      await storage.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface SeedFile {
  /** The name the file came with (undefined: an export row without a name). */
  name?: string;
  /** Last segment of the Dixa link. */
  linkName: string;
  content: string | Buffer;
  kind?: FileKind;
  archivedAt?: Date;
  /** The type it was archived with (default application/octet-stream). */
  contentType?: string;
  /** When its message was created in Dixa. */
  createdAt?: string;
}

export interface SeededFile {
  key: string;
  record: ProvenanceRecord;
  content: Buffer;
}

export async function seedConversation(
  s3: S3Client,
  conversationId: string,
  files: SeedFile[],
  prefix = PREFIX,
): Promise<SeededFile[]> {
  const seeded: SeededFile[] = [];
  for (const file of files) {
    const content = Buffer.from(file.content);
    const job: FileJob = {
      v: 1,
      url: `https://files.dixa.io/private/org-1/${randomUUID()}/${encodeURIComponent(file.linkName)}`,
      visibility: 'private',
      kind: file.kind ?? 'attachment',
      orgId: 'org-1',
      conversationId,
      messageId: `msg-${randomUUID()}`,
      ...(file.name !== undefined ? { name: file.name } : {}),
      ...(file.createdAt !== undefined ? { createdAt: file.createdAt } : {}),
      source: 'webhook',
    };
    const key = objectKey(prefix, conversationId, new URL(job.url).pathname);
    const archivedAt = file.archivedAt ?? new Date();
    const record = buildRecord(job, {
      key,
      bucket: BUCKET,
      contentType: file.contentType ?? 'application/octet-stream',
      size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      fetchedAt: archivedAt,
      archivedAt,
    });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: content }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: recordKey(key), Body: JSON.stringify(record) }));
    seeded.push({ key, record, content });
  }
  return seeded;
}

/** Points the CLI's Dixa settings (DIXA_API_TOKEN, DIXA_API_BASE_URL) at a fake Dixa API; returns the undo. */
export function useDixaApi(token: string, baseUrl: string): () => void {
  const saved = { DIXA_API_TOKEN: process.env.DIXA_API_TOKEN, DIXA_API_BASE_URL: process.env.DIXA_API_BASE_URL };
  process.env.DIXA_API_TOKEN = token;
  process.env.DIXA_API_BASE_URL = baseUrl;
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * cli/main.ts is loaded through tsx, as cli/bin.mjs loads it, rather than through vite: vite rewrites its
 * dynamic `import(\`./commands/${name}.ts\`)` by inserting a helper import above the `#!` line, which no longer parses.
 */
let main: Promise<typeof import('../../cli/main.ts')> | undefined;
const loadMain = () => {
  main ??= tsImport('../../cli/main.ts', import.meta.url);
  return main;
};

/** Runs the CLI exactly as the bin does (one-line errors, exit codes), capturing its output. */
export async function cli(...argv: string[]): Promise<CliRun> {
  const { runCli } = await loadMain();
  return capture(() => runCli(argv));
}

/** Same, with stdout claiming to be a terminal (tables instead of JSON). */
export async function cliAtTerminal(...argv: string[]): Promise<CliRun> {
  const { runCli } = await loadMain();
  const descriptor = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
  Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
  try {
    return await capture(() => runCli(argv));
  } finally {
    if (descriptor) Object.defineProperty(process.stdout, 'isTTY', descriptor);
    else delete (process.stdout as { isTTY?: boolean }).isTTY;
  }
}

async function capture(run: () => Promise<void>): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  });
  try {
    process.exitCode = 0;
    await run();
    return { code: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    process.exitCode = 0;
    out.mockRestore();
    err.mockRestore();
  }
}
