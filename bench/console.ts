/**
 * `npm run bench:console`: what the compliance console costs a browser, measured in Debian's chromium against
 * local mode's S3 (s3rver) on 127.0.0.1. About a minute on a busy 2-core machine; every step has a deadline.
 *
 * - The JavaScript and CSS the browser loads: bytes and gzipped bytes (nothing else is loaded).
 * - First page useful: from the start of a page load to a Find form that takes input, measured in the page
 *   (`performance.now()` at the first frame with the form), once for the very first visit (the one-time link, its
 *   redirect and the session) and as the median of later loads (a new document each time; nothing is cached).
 * - A conversation of 1,000 files: from the moment the page is asked for it to the first frame with its last row,
 *   (a) end to end — the API reads 1,000 provenance records from s3rver — and (b) rendering alone, with the same
 *   answer replayed to the page, so the browser's share is seen apart from S3's.
 *
 * Measured, never asserted in tests. `npm run bench:console -- --files 200` for a quicker look.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { buildAssets } from '../cli/console/assets.ts';
import { Jobs } from '../cli/console/jobs.ts';
import { startConsole } from '../cli/console/server.ts';
import { mapLimit } from '../lambdas/commons/map-limit.ts';
import { objectKey, recordKey } from '../lambdas/core/keys.ts';
import { buildRecord } from '../lambdas/core/record.ts';
import { CHROMIUM, launchChromium } from '../test/fixtures/chromium.ts';
import { BUCKET, PREFIX } from '../test/integration/compliance-fixture.ts';
import { scratchDirectory, startLocalS3 } from './lib/local-s3.ts';
import { loadAverage } from './lib/machine.ts';

const { values } = parseArgs({
  options: { files: { type: 'string', default: '1000' }, runs: { type: 'string', default: '5' } },
  strict: true,
});
const FILES = Number(values.files);
const RUNS = Number(values.runs);
const CSID = '9000';
const STEP_MS = 120_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(0)} ms`;
const log = (line: string) => console.log(line);
const timings = (runs: { wall: number; cpu: number }[]) =>
  `median ${ms(median(runs.map((r) => r.wall)))} (${runs.map((r) => ms(r.wall)).join(', ')}); ` +
  `page main-thread CPU median ${ms(median(runs.map((r) => r.cpu)))}`;

/** Fails the bench with the step's name rather than hanging on a stuck step. */
async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: no answer within ${STEP_MS / 1000} s`)), STEP_MS);
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const started = performance.now();
const assets = await buildAssets();
log(`bundling the browser code at start: ${ms(performance.now() - started)}`);
const sizes = [...assets.files].map(([name, asset]) => ({
  name,
  bytes: asset.body.length,
  gzipped: gzipSync(asset.body, { level: 9 }).length,
}));
for (const { name, bytes, gzipped } of sizes) {
  log(`${name}: ${(bytes / 1024).toFixed(1)} KB, ${(gzipped / 1024).toFixed(1)} KB gzipped`);
}
if (!existsSync(CHROMIUM)) {
  log(`${CHROMIUM} is missing (apt-get install chromium): page timings skipped`);
  process.exit(0);
}

// s3rver in a process of its own, on tmpfs where it has room: as in local mode, where `npm start` serves it.
const scratch = scratchDirectory(64 * 1024 * 1024);
const storage = await startLocalS3(scratch.path, [BUCKET]);
const s3 = new S3Client({
  endpoint: storage.endpoint,
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});
const cleanups: (() => Promise<unknown>)[] = [
  async () => s3.destroy(),
  () => storage.stop(),
  async () => scratch.remove(),
];
try {
  const seeded = performance.now();
  await step('seeding', () => seed(s3, FILES));
  log(
    `seeded ${FILES} files and records into s3rver (${scratch.medium}) in ${ms(performance.now() - seeded)}; load average ${loadAverage()[0]}`,
  );

  const running = await startConsole({
    archive: { s3, bucket: BUCKET, prefix: PREFIX, local: true },
    jobs: new Jobs(),
    assets,
    whoAmI: async () => 'bench',
    log: () => {},
  });
  cleanups.unshift(() => running.stop());
  const browser = await launchChromium();
  cleanups.unshift(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const base = `http://127.0.0.1:${running.port}`;

  const firstVisit = await step('first visit', async () => {
    await page.goto(running.url, { waitUntil: 'commit' });
    return findUsable(page);
  });
  log(`first visit (one-time link → redirect → session → Find form): ${ms(firstVisit)}`);
  const loads: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    loads.push(
      await step(`page load ${run + 1}`, async () => {
        await page.goto('about:blank');
        await page.goto(`${base}/#/find`, { waitUntil: 'commit' });
        return findUsable(page);
      }),
    );
  }
  log(`later page loads to a usable Find form: median ${ms(median(loads))} (${loads.map(ms).join(', ')})`);

  const threadTime = await mainThreadClock(page);
  const endToEnd: { wall: number; cpu: number }[] = [];
  let answer = '';
  for (let run = 0; run < Math.min(RUNS, 3); run++) {
    const replied = page.waitForResponse((r) => r.url().endsWith(`/api/conversations/${CSID}`), { timeout: STEP_MS });
    endToEnd.push(await step(`conversation ${run + 1}`, () => showConversation(page, FILES, threadTime)));
    answer = await (await replied).text();
  }
  log(`conversation of ${FILES} files, end to end (API + rendering): ${timings(endToEnd)}`);

  await page.route(`**/api/conversations/${CSID}`, (route) =>
    route.fulfill({ status: 200, contentType: 'application/json', body: answer }),
  );
  const render: { wall: number; cpu: number }[] = [];
  for (let run = 0; run < RUNS; run++) {
    render.push(await step(`render ${run + 1}`, () => showConversation(page, FILES, threadTime)));
  }
  log(`conversation of ${FILES} files, rendering alone (same answer replayed): ${timings(render)}`);
  log(`load average at the end: ${loadAverage().join(', ')}`);
} finally {
  for (const cleanup of cleanups) await cleanup().catch(() => {});
}

/** Time since this document's navigation started, at the first frame where the Find form takes input. */
function findUsable(page: Page): Promise<number> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const check = () => {
      const input = document.querySelector('input[name="conversations"]');
      const button = document.querySelector('form.search button[type="submit"]');
      const error = document.querySelector('main .error');
      if (error) reject(new Error(error.textContent));
      else if (input && button && !button.disabled) requestAnimationFrame(() => resolve(performance.now()));
      else requestAnimationFrame(check);
    };
    check();
  })`);
}

/**
 * From asking for the conversation page to the first frame that shows its last row, measured in the page; and the
 * CPU time the page's main thread spent meanwhile (Chromium's own ThreadTime), which on a busy machine says how
 * much of the wait was the browser's work rather than waiting for a core.
 */
async function showConversation(
  page: Page,
  files: number,
  threadTime: () => Promise<number>,
): Promise<{ wall: number; cpu: number }> {
  // Start from a Find page that is on screen, so no row of the last run can count for this one.
  await page.evaluate(`location.hash = '#/find'`);
  await page.waitForFunction(`document.querySelector('form.search') && !document.querySelector('main tbody tr')`);
  const before = await threadTime();
  const wall = (await page.evaluate(`new Promise((resolve, reject) => {
    requestAnimationFrame(() => {
      const start = performance.now();
      location.hash = '#/conversation/${CSID}';
      const check = () => {
        const error = document.querySelector('main .error');
        if (error) reject(new Error(error.textContent));
        else if (document.querySelectorAll('main tbody tr').length >= ${files}) {
          requestAnimationFrame(() => resolve(performance.now() - start));
        } else requestAnimationFrame(check);
      };
      check();
    });
  })`)) as number;
  return { wall, cpu: (await threadTime()) - before };
}

/** CPU milliseconds the page's main thread has used so far (Chrome DevTools Protocol, Performance domain). */
async function mainThreadClock(page: Page): Promise<() => Promise<number>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    return (metrics.find((m) => m.name === 'ThreadTime')?.value ?? Number.NaN) * 1000;
  };
}

/** One conversation of `count` small files with their provenance records, as the archiver writes them. */
async function seed(s3: S3Client, count: number): Promise<void> {
  const archivedAt = new Date('2026-11-02T10:00:00Z');
  await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    16,
    async (i) => {
      const url = `https://files.dixa.io/private/org-1/bench/${i}/file-${i}.pdf`;
      const key = objectKey(PREFIX, CSID, new URL(url).pathname);
      const body = `file ${i}`;
      const record = buildRecord(
        {
          v: 1,
          url,
          visibility: 'private',
          kind: i % 10 === 0 ? 'recording' : 'attachment',
          conversationId: CSID,
          name: `file-${i}.pdf`,
          source: 'webhook',
        },
        {
          key,
          bucket: BUCKET,
          contentType: 'application/pdf',
          size: body.length,
          sha256: 'ab'.repeat(32),
          fetchedAt: archivedAt,
          archivedAt,
        },
      );
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: recordKey(key), Body: JSON.stringify(record) }));
    },
  );
}
