/**
 * CPU time of the ingest Lambda per webhook, in-process: `process.cpuUsage()` around each invocation of the real
 * handler, for the two webhooks of bench/ingest-webhooks.ts (typical, 50 attachments), interleaved, after a
 * warm-up. Runs bundled in a process of its own (forked by bench/sections.ts) whose stdout is discarded, so the
 * structured logs and EMF metrics are written as in Lambda and counted.
 *
 *   node ingest.mjs --worker <mock|sdk> <iterations> <warm-up> <webhooks.json>
 *
 * Two ways to stand in for SQS:
 * - `mock`: aws-sdk-client-mock replaces `SQSClient.send` (the exported `handler`, configured from env);
 * - `sdk`: a real SQSClient whose HTTP handler answers SendMessageBatch in memory, so the SDK's serialization,
 *   SigV4 signing, response parsing and MD5 checks are counted too (same handler module, via
 *   `createIngestHandler`).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { ingestConfigFromEnv } from '../lambdas/ingest/config.ts';
import { createIngestHandler, handler as exportedHandler, type IngestHandler } from '../lambdas/ingest/handler.ts';
import type { BenchWebhooks } from './ingest-webhooks.ts';
import { percentile } from './lib/stats.ts';

export type SqsStandIn = 'mock' | 'sdk';

export interface CpuPercentiles {
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  wallP50Ms: number;
}

export interface IngestCpuMeasurement {
  standIn: SqsStandIn;
  iterations: number;
  typical: CpuPercentiles & { links: number };
  fifty: CpuPercentiles & { links: number };
}

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/dixa-file-jobs';

/** Answers SendMessageBatch as SQS does (JSON protocol), with the MD5 the SDK checks. */
function inMemorySqsHandler() {
  return {
    async handle(request: { body?: unknown }) {
      // The SDK hands over a Uint8Array subclass that warns when used as a string; decode it as bytes.
      const text =
        typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
      const input = JSON.parse(text) as { Entries: { Id: string; MessageBody: string }[] };
      const body = JSON.stringify({
        Successful: input.Entries.map((entry, i) => ({
          Id: entry.Id,
          MessageId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
        })),
        Failed: [],
      });
      return {
        // The shape of @smithy's HttpResponse (not a direct dependency of this project).
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'bench' },
          body: Readable.from([Buffer.from(body)]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
}

function handlerFor(standIn: SqsStandIn, secret: string): IngestHandler {
  if (standIn === 'mock') {
    mockClient(SQSClient)
      .onAnyCommand()
      .callsFake((input: { Entries?: { Id?: string }[] }) => ({
        Successful: (input.Entries ?? []).map((entry, i) => ({
          Id: entry.Id,
          MessageId: `m-${i}`,
          MD5OfMessageBody: '',
        })),
        Failed: [],
      }));
    return exportedHandler;
  }
  const sqs = new SQSClient({ requestHandler: inMemorySqsHandler() });
  return createIngestHandler(() => ({
    config: ingestConfigFromEnv(),
    sqs,
    secrets: { get: async () => ({ apiToken: '', webhookSecret: secret }) },
  }));
}

export async function measureIngestCpu(
  standIn: SqsStandIn,
  iterations: number,
  warmUp: number,
  events: BenchWebhooks,
): Promise<IngestCpuMeasurement> {
  Object.assign(process.env, {
    JOB_QUEUE_URL: QUEUE_URL,
    DIXA_WEBHOOK_SECRET: events.secret,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
  });
  const handler = handlerFor(standIn, events.secret);
  const samples = {
    typical: { cpu: [] as number[], wall: [] as number[] },
    fifty: { cpu: [] as number[], wall: [] as number[] },
  };
  const links = { typical: 0, fifty: 0 };
  for (let i = 0; i < warmUp + iterations; i++) {
    for (const kind of ['typical', 'fifty'] as const) {
      const wallStart = performance.now();
      const cpuStart = process.cpuUsage();
      const response = await handler(events[kind]);
      const cpu = process.cpuUsage(cpuStart);
      const wall = performance.now() - wallStart;
      if (response.statusCode !== 202) throw new Error(`ingest answered ${response.statusCode}: ${response.body}`);
      if (i < warmUp) {
        links[kind] = (JSON.parse(String(response.body)) as { jobs: number }).jobs;
        continue;
      }
      samples[kind].cpu.push((cpu.user + cpu.system) / 1000);
      samples[kind].wall.push(wall);
    }
  }
  const summary = (kind: 'typical' | 'fifty') => ({
    links: links[kind],
    p50Ms: percentile(samples[kind].cpu, 50),
    p99Ms: percentile(samples[kind].cpu, 99),
    meanMs: samples[kind].cpu.reduce((a, b) => a + b, 0) / samples[kind].cpu.length,
    wallP50Ms: percentile(samples[kind].wall, 50),
  });
  return { standIn, iterations, typical: summary('typical'), fifty: summary('fifty') };
}

if (process.argv.includes('--worker')) {
  const [standIn, iterations, warmUp, webhooks] = process.argv.slice(process.argv.indexOf('--worker') + 1);
  const events = JSON.parse(readFileSync(webhooks ?? '', 'utf8')) as BenchWebhooks;
  const result = await measureIngestCpu(standIn as SqsStandIn, Number(iterations), Number(warmUp), events);
  process.send?.(result, () => process.exit(0));
}
