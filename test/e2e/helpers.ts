/**
 * Shared by the end-to-end tests: signed webhooks, reading the archive back from local mode's S3, waiting for
 * the pipeline, and running local mode as a child process (for SIGKILL and for the README's exact commands).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { conversationPrefix } from '../../lambdas/core/keys.ts';
import { type ProvenanceRecord, parseRecord } from '../../lambdas/core/record.ts';
import { signatureHeader } from '../../lambdas/core/signature.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const WEBHOOK_SECRET = '5e6f7a8b9c0d1e2f30415263748596a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** A CONVERSATION_MESSAGE_ADDED webhook, as Dixa sends it, with these attachment links. */
export function messageAdded(csid: number, links: string[], eventId = `evt-${csid}`): string {
  return JSON.stringify({
    event_id: eventId,
    event_fqn: 'CONVERSATION_MESSAGE_ADDED',
    event_version: '1',
    event_timestamp: '2025-03-14T09:26:53.589Z',
    organization: { id: 'org-e2e', name: 'E2E Org' },
    data: {
      conversation: { csid, channel: 'EMAIL', status: 'OPEN' },
      message_id: `msg-${csid}`,
      created_at: '2025-03-14T09:26:53.512Z',
      direction: 'INBOUND',
      text: 'see attached',
      content: { text: 'see attached', content_type: 'text/plain', original_content_url: null },
      attachments: links.map((url, i) => ({ url, prettyName: `Attachment ${i + 1}` })),
    },
  });
}

export async function postWebhook(
  url: string,
  body: string,
  options: { secret?: string; signature?: string | null } = {},
): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-dixa-subscription-id': 'e2e' };
  const signature =
    options.signature === undefined ? signatureHeader(options.secret ?? WEBHOOK_SECRET, body) : options.signature;
  if (signature !== null) headers['x-dixa-signature'] = signature;
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, body: await res.text() };
}

export const s3At = (endpoint: string) =>
  new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: CREDENTIALS });
export const sqsAt = (endpoint: string) => new SQSClient({ endpoint, region: 'us-east-1', credentials: CREDENTIALS });

export interface ArchivedPair {
  key: string;
  sha256: string;
  size: number;
  record: ProvenanceRecord;
}

/** Every file archived for a conversation, with its provenance record and the SHA-256 of its stored bytes. */
export async function archivedFiles(
  s3: S3Client,
  bucket: string,
  prefix: string,
  csid: number,
): Promise<ArchivedPair[]> {
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: conversationPrefix(prefix, String(csid)) }),
  );
  const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
  const files = keys.filter((k) => !k.endsWith('.json'));
  return Promise.all(
    files.map(async (key) => {
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of body.Body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
      }
      const record = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${key}.json` }));
      return { key, sha256: hash.digest('hex'), size, record: parseRecord(await record.Body!.transformToString()) };
    }),
  );
}

/** All keys of a conversation (files and records): for "nothing else was written" checks. */
export async function conversationKeys(s3: S3Client, bucket: string, prefix: string, csid: number): Promise<string[]> {
  const listed = await s3.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: conversationPrefix(prefix, String(csid)) }),
  );
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

export async function receiveAll(sqs: SQSClient, queueUrl: string, waitTimeSeconds = 0) {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitTimeSeconds,
      MessageAttributeNames: ['All'],
      VisibilityTimeout: 0,
    }),
  );
  return out.Messages ?? [];
}

export const journalSize = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.json')).length;

/**
 * Waits until the pipeline reaches a state on its own (bounded by `timeoutMs`); the test then asserts the state
 * separately, so a timeout shows up as a failed assertion with the actual values, not as a timing check.
 */
export async function until(condition: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (
      await Promise.resolve()
        .then(condition)
        .catch(() => false)
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The environment of a child process: this one's, minus anything that would change local mode's behaviour. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (
      /^(DIXA_|ARCHIVE_|AWS_|S3_|SQS_|POWERTOOLS_|VITEST|(S3_|SQS_)?PORT$|LOG_FORMAT$|MAX_RECEIVE_COUNT$|VISIBILITY_TIMEOUT_SECONDS$)/.test(
        name,
      )
    )
      delete env[name];
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface Child {
  process: ChildProcess;
  /** Every line the child wrote to stdout and stderr (for failure messages). */
  output: string[];
  /** The JSON log records on stdout. */
  records: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a command in its own process group (so a signal reaches all of it, as Ctrl-C in a terminal does). */
export function startChild(command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const records: Record<string, unknown>[] = [];
  const collect = (stream: NodeJS.ReadableStream | null, json: boolean) => {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (json && line.startsWith('{')) {
          try {
            records.push(JSON.parse(line) as Record<string, unknown>);
          } catch {
            // not a log record
          }
        }
      }
    });
  };
  collect(child.stdout, true);
  collect(child.stderr, false);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { process: child, output, records, exited };
}

/** Waits for local mode's "ready" record (JSON log format) and returns it. */
export async function waitForReady(child: Child, after = 0, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  await until(() => exited || child.records.slice(after).some((r) => r.message === 'local mode ready'), timeoutMs);
  const ready = child.records.slice(after).find((r) => r.message === 'local mode ready');
  if (!ready) throw new Error(`local mode did not start:\n${child.output.join('\n')}`);
  return ready;
}

/** Signals the child's whole process group. */
export function signalGroup(child: Child, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.process.pid!, signal);
  } catch {
    // already gone
  }
}

/** Runs a command to completion. */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
