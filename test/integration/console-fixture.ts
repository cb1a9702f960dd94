/**
 * For the console's HTTP tests: a console on loopback in front of an s3rver archive, and a client that talks to it
 * over real HTTP — raw (`call`, any headers) or as the console's own page does (`authed`: the session cookie, and
 * for a POST its Origin, JSON and the CSRF token).
 */
import { request as httpRequest } from 'node:http';
import { expect } from 'vitest';
import type { ConsoleDeps } from '../../cli/console/app.ts';
import { buildAssets } from '../../cli/console/assets.ts';
import { Jobs } from '../../cli/console/jobs.ts';
import { type RunningConsole, startConsole } from '../../cli/console/server.ts';
import {
  type CompletenessReport,
  type DayReport,
  dayStatus,
  emptyCounts,
  overallStatus,
  REPORT_VERSION,
  totalsOf,
  writeReport,
} from '../../lambdas/sweep/report.ts';
import { BUCKET, type Emulator, PREFIX } from './compliance-fixture.ts';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
}

export interface ConsoleClient {
  running: RunningConsole;
  host: string;
  origin: string;
  cookie: string;
  csrf: string;
  call(path: string, options?: RequestOptions & { body?: string | Buffer }): Promise<Reply>;
  authed(path: string, options?: RequestOptions & { body?: unknown }): Promise<Reply>;
  /** `authed` POST of a JSON body, answered with JSON. */
  postJson<T = Record<string, unknown>>(path: string, body: unknown): Promise<{ status: number; json: T }>;
  getJson<T = Record<string, unknown>>(path: string): Promise<{ status: number; json: T }>;
}

/** Starts a console on `emulator` (overrides in `deps`) and opens a session with its one-time link. */
export async function startTestConsole(emulator: Emulator, deps: Partial<ConsoleDeps> = {}): Promise<ConsoleClient> {
  const running = await startConsole({
    archive: { s3: emulator.s3, bucket: BUCKET, prefix: PREFIX, local: true },
    jobs: new Jobs(),
    assets: await buildAssets(),
    whoAmI: async () => 'local user test',
    log: () => {},
    ...deps,
  });
  const host = `127.0.0.1:${running.port}`;
  const origin = `http://${host}`;
  const client: ConsoleClient = {
    running,
    host,
    origin,
    cookie: '',
    csrf: '',
    call: (path, options = {}) =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: running.port,
            path,
            method: options.method ?? 'GET',
            headers: { host, ...options.headers },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(options.body);
      }),
    authed: (path, options = {}) => {
      const post = options.method === 'POST';
      return client.call(path, {
        method: options.method ?? 'GET',
        headers: {
          cookie: client.cookie,
          ...(post ? { origin, 'content-type': 'application/json', 'x-csrf-token': client.csrf } : {}),
          ...options.headers,
        },
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
    },
    postJson: async (path, body) => {
      const reply = await client.authed(path, { method: 'POST', body });
      return { status: reply.status, json: JSON.parse(reply.body.toString()) };
    },
    getJson: async (path) => {
      const reply = await client.authed(path);
      return { status: reply.status, json: JSON.parse(reply.body.toString()) };
    },
  };
  const start = new URL(running.url);
  const exchanged = await client.call(`${start.pathname}${start.search}`);
  expect(exchanged.status).toBe(303);
  client.cookie = String(exchanged.headers['set-cookie']).split(';')[0]!;
  client.csrf = (JSON.parse((await client.authed('/api/session')).body.toString()) as { csrf: string }).csrf;
  return client;
}

/** A completeness report as the sweep writes it (lambdas/sweep/report.ts), built from per-day counts. */
export async function seedReport(
  emulator: Emulator,
  runDay: string,
  days: (Partial<Omit<DayReport, 'status'>> & { day: string })[],
): Promise<CompletenessReport> {
  const full = days.map((d) => {
    const day = { ...emptyCounts(), messages: 0, deadLetteredReasons: [], errors: [], ...d };
    return { ...day, status: dayStatus(day) };
  });
  const report: CompletenessReport = {
    reportVersion: REPORT_VERSION,
    from: full[0]!.day,
    to: full.at(-1)!.day,
    trigger: 'schedule',
    startedAt: `${runDay}T03:00:00.000Z`,
    finishedAt: `${runDay}T03:02:10.000Z`,
    bucket: BUCKET,
    prefix: PREFIX,
    followAnonymization: 'report',
    status: overallStatus(full),
    totals: totalsOf(full),
    days: full,
    anonymization: { policy: 'report', status: 'checked', conversations: [], messages: [], errors: [] },
  };
  await writeReport({ s3: emulator.s3, bucket: BUCKET, prefix: PREFIX }, report);
  return report;
}
