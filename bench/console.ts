/**
 * `npx tsx bench/console.ts`: what the console costs a browser. The JavaScript and CSS it loads (bytes, gzipped), the
 * time from opening the page to a usable Find form, and the time to render a conversation of 1,000 files — in Debian's
 * chromium against s3rver on this machine. Measured, never asserted in tests.
 */
import { existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { buildAssets } from '../cli/console/assets.ts';
import { Jobs } from '../cli/console/jobs.ts';
import { startConsole } from '../cli/console/server.ts';
import { BUCKET, PREFIX, seedConversation, startS3 } from '../test/integration/compliance-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const FILES = 1000;
const RUNS = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const built = performance.now();
const assets = await buildAssets();
const buildMs = performance.now() - built;
for (const [name, asset] of assets.files) {
  console.log(`${name}: ${asset.body.length} bytes, ${gzipSync(asset.body, { level: 9 }).length} gzipped`);
}
console.log(`bundling at start: ${buildMs.toFixed(0)} ms`);
if (!existsSync(CHROMIUM)) {
  console.log(`${CHROMIUM} is missing: page timings skipped`);
  process.exit(0);
}

const emulator = await startS3();
await seedConversation(
  emulator.s3,
  '9000',
  Array.from({ length: FILES }, (_, i) => ({
    name: `file-${i}.pdf`,
    linkName: `f${i}.pdf`,
    content: `file ${i}`,
    contentType: 'application/pdf',
  })),
);
const running = await startConsole({
  archive: { s3: emulator.s3, bucket: BUCKET, prefix: PREFIX, local: true },
  jobs: new Jobs(),
  assets,
  whoAmI: async () => 'bench',
  log: () => {},
});
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
const page = await browser.newPage();
await page.goto(running.url);
const base = `http://127.0.0.1:${running.port}`;
const firstPage: number[] = [];
const conversation: number[] = [];
const renderOnly: number[] = [];
for (let run = 0; run < RUNS; run++) {
  let start = performance.now();
  await page.goto(`${base}/#/find`, { waitUntil: 'commit' });
  await page.getByRole('button', { name: 'Find files' }).waitFor();
  firstPage.push(performance.now() - start);

  start = performance.now();
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/conversations/9000'));
  await page.goto(`${base}/#/conversation/9000`);
  const response = await answered;
  await page
    .locator('tbody tr')
    .nth(FILES - 1)
    .waitFor({ state: 'attached', timeout: 180_000 });
  const total = performance.now() - start;
  conversation.push(total);
  const timing = response.request().timing();
  renderOnly.push(total - (timing.responseEnd > 0 ? timing.responseEnd : 0));
  console.log(
    `  run ${run + 1}: API answered after ${timing.responseEnd.toFixed(0)} ms, last row at ${total.toFixed(0)} ms`,
  );
  await page.goto(`${base}/#/find`);
}
console.log(`first page usable (Find form), median of ${RUNS}: ${median(firstPage).toFixed(0)} ms`);
console.log(
  `conversation of ${FILES} files, request to last row, median of ${RUNS}: ${median(conversation).toFixed(0)} ms`,
);
console.log(`  of which after the API answered (rendering): ${median(renderOnly).toFixed(0)} ms`);
await browser.close();
await running.stop();
await emulator.stop();
