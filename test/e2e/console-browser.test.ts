/**
 * The compliance console in a real browser (Debian's chromium driven by playwright-core) against local mode's S3
 * (s3rver) holding archived files: refused without the token, find, previews, a recording that plays and seeks,
 * verify finding a tampered file, a zip export checked byte for byte, an erasure with its receipt, a foreign Origin
 * refused, hostile names shown as text, and axe-core on every page. Screenshots of the main pages are taken by the
 * same run (into docs/console/ with UPDATE_SCREENSHOTS=1, made small by Debian's pngquant).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAssets } from '../../cli/console/assets.ts';
import { Jobs } from '../../cli/console/jobs.ts';
import { type RunningConsole, startConsole } from '../../cli/console/server.ts';
import { DEMO_FILES } from '../../cli/local/demo-files.ts';
import { forwardKey } from '../../lambdas/archiver/people.ts';
import type { ZipManifest } from '../../lambdas/compliance/zip-export.ts';
import { personKey } from '../../lambdas/core/people.ts';
import { CHROMIUM, launchChromium } from '../fixtures/chromium.ts';
import { unzip } from '../fixtures/unzip.ts';
import { XSS_NAMES } from '../fixtures/xss-names.ts';
import {
  BUCKET,
  type Emulator,
  PREFIX,
  type SeededFile,
  seedConversation,
  startS3,
} from '../integration/compliance-fixture.ts';
import { seedReport } from '../integration/console-fixture.ts';

const CSID = '7001';
const ERASED = '7002';
const CORPUS = '7003';
const PERSON = 'jane.doe@example.com';
const HOSTILE = '<img src=x onerror=alert(1)>.txt';
const MATTER = 'Case 2026-17 <b>';
const SHOTS = process.env.UPDATE_SCREENSHOTS ? join(import.meta.dirname, '../../docs/console') : undefined;
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAHklEQVR4nGNgGJTgPxIeVTyqeFTxqOJRxaOKh6RiAD7c/AEfF9oUAAAAAElFTkSuQmCC',
  'base64',
);

/** A 10-second 8 kHz mono WAV: a recording the browser can play and seek in. */
function wav(seconds: number): Buffer {
  const rate = 8000;
  const samples = Buffer.alloc(rate * seconds);
  for (let i = 0; i < samples.length; i++) samples[i] = 128 + Math.round(40 * Math.sin((2 * Math.PI * 440 * i) / rate));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples.length, 40);
  return Buffer.concat([header, samples]);
}

/** The part of an HTMLAudioElement the test uses (the Node-side types have no DOM). */
interface AudioLike {
  currentTime: number;
  muted: boolean;
  play(): Promise<void>;
  addEventListener(type: string, listener: () => void): void;
}

const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

describe.skipIf(!available)('compliance console in a browser', () => {
  let emulator: Emulator;
  let running: RunningConsole;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let seeded: SeededFile[];
  let work: string;
  const dialogs: string[] = [];
  const ranges: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'console-browser-'));
    emulator = await startS3();
    const at = (day: string) => new Date(`${day}T10:00:00Z`);
    seeded = await seedConversation(emulator.s3, CSID, [
      { name: 'photo.png', linkName: 'p.png', content: PNG, contentType: 'image/png', archivedAt: at('2026-10-02') },
      {
        name: 'invoice.pdf',
        linkName: 'i.pdf',
        content: DEMO_FILES['/private/demo-org/attachments/invoice-1042.pdf']!.body,
        contentType: 'application/pdf',
        archivedAt: at('2026-10-02'),
      },
      {
        name: 'call.wav',
        linkName: 'c.wav',
        content: wav(10),
        contentType: 'audio/wav',
        kind: 'recording',
        archivedAt: at('2026-11-05'),
      },
      {
        name: HOSTILE,
        linkName: 'h.txt',
        content: 'plain text',
        contentType: 'text/plain',
        archivedAt: at('2026-11-05'),
      },
      {
        name: 'notes.txt',
        linkName: 'n.txt',
        content: 'will be tampered with',
        contentType: 'text/plain',
        archivedAt: at('2026-11-06'),
      },
    ]);
    await seedConversation(emulator.s3, ERASED, [
      {
        name: 'passport.pdf',
        linkName: 'x.pdf',
        content: 'scan',
        contentType: 'application/pdf',
        archivedAt: at('2026-09-01'),
      },
    ]);
    const assets = await buildAssets();
    const logged = { ...assets };
    running = await startConsole({
      archive: { s3: emulator.s3, bucket: BUCKET, prefix: PREFIX, local: true },
      jobs: new Jobs(),
      assets: logged,
      whoAmI: async () => 'local user officer',
      log: () => {},
    });
    base = `http://127.0.0.1:${running.port}`;
    browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1024, height: 700 } });
    page = await context.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('request', (request) => {
      const range = request.headers().range;
      if (request.url().includes('/api/files/') && range) ranges.push(range);
    });
    if (SHOTS) {
      await mkdir(SHOTS, { recursive: true });
      if (spawnSync('pngquant', ['--version']).error)
        throw new Error('UPDATE_SCREENSHOTS needs pngquant (apt-get install pngquant)');
    }
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
    await emulator?.stop();
    await rm(work, { recursive: true, force: true });
  });

  const holdEvents = async () =>
    (
      await emulator.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/ledger/${CSID}/holds/` }))
    ).Contents?.map((o) => o.Key!) ?? [];
  /** The page from its top, or from `from` when what matters is further down. */
  const shot = async (name: string, from?: Locator) => {
    const path = join(SHOTS ?? work, `${name}.png`);
    if (from) await from.evaluate((element: { scrollIntoView(): void }) => element.scrollIntoView());
    else await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path, fullPage: false });
    // 256 colours or fewer: a page of text and flat colours loses nothing visible and shrinks about fourfold.
    if (SHOTS) execFileSync('pngquant', ['--force', '--strip', '--speed=1', '--quality=60-90', '--output', path, path]);
  };
  const axe = async (where: string) => {
    const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(results.violations.map((v) => `${where}: ${v.id} ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
  };

  it('refuses a browser without the token, or with a wrong one', async () => {
    expect((await page.goto(`${base}/`))!.status()).toBe(401);
    await expect.poll(() => page.locator('body').textContent()).toContain('Open the link');
    expect((await page.goto(`${base}/?token=wrong`))!.status()).toBe(403);
  });

  it('opens with the token, finds a conversation by number, and shows hostile names as text', async () => {
    await page.goto(running.url);
    await page.getByLabel('Conversation number(s)').fill(CSID);
    await page.getByRole('button', { name: 'Find files' }).click();
    await shown(page.getByRole('heading', { name: /5 files in 1 conversation/ }));
    await expect.poll(() => page.locator('tbody tr').count()).toBe(5);
    await shown(page.getByText(HOSTILE, { exact: true }));
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(page.url()).not.toContain('token'); // the token left the address bar at once
    await page.getByLabel('Filter these files').fill('invoice');
    await expect.poll(() => page.locator('tbody tr:not([hidden])').count()).toBe(1);
    await page.getByLabel('Filter these files').fill('');
    await axe('find');
  });

  it('previews an image and a PDF, and plays a recording that seeks through range requests', async () => {
    await page.getByRole('link', { name: `Conversation ${CSID}` }).click();
    await shown(page.getByRole('heading', { name: `Conversation ${CSID}`, level: 1 }));
    await page.getByRole('button', { name: 'photo.png' }).click();
    const image = page.getByRole('img', { name: 'Preview of photo.png' });
    await shown(image);
    const loaded = () =>
      image.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth);
    await expect.poll(loaded).toBe(16);
    const [pdf] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/files/') && r.request().resourceType() === 'document'),
      page.getByRole('button', { name: 'invoice.pdf' }).click(),
    ]);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    await shown(page.locator('iframe[title="Preview of invoice.pdf"]'));
    await page.getByRole('button', { name: 'photo.png' }).click();
    await expect.poll(loaded).toBe(16);
    await axe('conversation with image preview');
    await shot('conversation');

    await page.getByRole('button', { name: 'call.wav' }).click();
    const audio = page.locator('audio');
    await shown(audio);
    const reached = await audio.evaluate(
      (element: AudioLike) =>
        new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`stuck at ${element.currentTime}`)), 20_000);
          element.muted = true;
          element.addEventListener('timeupdate', () => {
            if (element.currentTime > 7) {
              clearTimeout(timer);
              resolve(element.currentTime);
            }
          });
          void element.play().then(() => {
            element.currentTime = 6.8;
          }, reject);
        }),
    );
    expect(reached).toBeGreaterThan(7);
    expect(ranges.some((r) => /^bytes=\d+-/.test(r))).toBe(true);
  });

  it('verifies the conversation and shows a tampered file as failed', async () => {
    const notes = seeded[4]!;
    await emulator.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: notes.key, Body: 'WILL be tampered with' }));
    await emulator.s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: notes.key, Body: Buffer.from('will be tampered WITH') }),
    );
    await page.getByRole('button', { name: 'Verify every file' }).click();
    await shown(page.getByText('1 problem found in 5 files.'), 20_000);
    const row = page.locator('tr', { hasText: 'notes.txt' });
    await expect.poll(() => row.textContent()).toContain('✗ Failed');
    await expect
      .poll(() => page.locator('tr', { hasText: 'photo.png' }).textContent())
      .toContain('✓ Matches its record');

    await page.goto(`${base}/#/verify`);
    await page.getByLabel('Conversation number(s)').fill(CSID);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await shown(page.getByRole('heading', { name: 'Failed: 1 problem' }), 20_000);
    await axe('verify result');
    await shot('verify');
  });

  it('exports the conversation as a zip whose files match the archive byte for byte', async () => {
    await page.goto(`${base}/#/export`);
    await page.getByLabel('Conversation number(s)').fill(CSID);
    await axe('access request');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the zip' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^dixa-conversation-${CSID}-\\d{4}-\\d{2}-\\d{2}\\.zip$`));
    const path = join(work, 'export.zip');
    await download.saveAs(path);
    const entries = await unzip(await readFile(path));
    const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as ZipManifest;
    expect(manifest.conversations[0]!.files).toHaveLength(5);
    for (const file of seeded.slice(0, 4)) {
      const inZip = manifest.conversations[0]!.files.find((f) => f.record.key === file.key)!;
      expect(entries.get(inZip.file)!.equals(file.content), inZip.file).toBe(true);
    }
    expect(manifest.complete).toBe(false); // the tampered file is named
    expect(manifest.conversations[0]!.problems.map((p) => p.name)).toEqual(['notes.txt']);
  });

  it('erases a conversation after the typed confirmation and shows the receipt', async () => {
    await page.goto(`${base}/#/erase/${ERASED}`);
    await shown(page.getByRole('heading', { name: `Plan for conversation ${ERASED}` }));
    const erase = page.getByRole('button', { name: 'Erase permanently' });
    await page.getByLabel(/^Reason/).fill('GDPR request #77');
    await page.getByLabel(`Type ${ERASED} to confirm`).fill('7');
    expect(await erase.isDisabled()).toBe(true);
    await axe('erase plan');
    await page.getByLabel(`Type ${ERASED} to confirm`).fill(ERASED);
    await erase.click();
    await shown(page.getByRole('heading', { name: /^Erased: receipt / }));
    await expect.poll(() => page.locator('.receipt').textContent()).toContain('GDPR request #77');
    await expect.poll(() => page.locator('.receipt').textContent()).toContain('local user officer');
    const left = await emulator.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/conversations/${ERASED}/` }),
    );
    expect(left.KeyCount ?? 0).toBe(0);
    await shot('erase');

    await page.goto(`${base}/#/receipts`);
    await page.getByLabel(/Search receipts/).fill(ERASED);
    await page.getByRole('button', { name: new RegExp(`-${ERASED}\\.json$`) }).click();
    await expect.poll(() => page.locator('.receipt').textContent()).toContain('GDPR request #77');
    await axe('receipts');
  });

  it('places a legal hold, shows it on the conversation, refuses erasure naming the matter, and releases it', async () => {
    await page.goto(`${base}/#/holds/${CSID}`);
    await shown(page.getByText('No conversation is under legal hold.'));
    await page.getByLabel('Matter').fill(MATTER);
    await page.getByLabel('Reason', { exact: true }).fill('litigation hold');
    await page.getByRole('button', { name: 'Place hold…' }).click();
    await page.getByRole('button', { name: 'Yes, place the hold' }).click();
    await shown(page.getByText(`Conversation ${CSID} is held (5 files)`));
    await shown(page.getByRole('table', { name: 'By conversation' }).getByRole('cell', { name: MATTER }));
    expect(await holdEvents()).toEqual([expect.stringMatching(/-add-[0-9a-f]{16}\.json$/)]);
    await axe('legal holds');
    await shot('holds');

    await page.goto(`${base}/#/conversation/${CSID}`);
    await shown(page.getByRole('note', { name: 'Legal hold' }).getByText(MATTER, { exact: false }));
    expect(await page.getByRole('link', { name: 'Erase…' }).count()).toBe(0);

    await page.goto(`${base}/#/erase/${CSID}`);
    await shown(page.getByText(`Conversation ${CSID} is under legal hold, so it cannot be erased.`));
    await shown(page.locator('ul.matters li', { hasText: MATTER }));
    await axe('erase refused by a hold');

    await page.goto(`${base}/#/holds`);
    await page.getByRole('button', { name: `Release conversation ${CSID} from ${MATTER}` }).click();
    await page.getByLabel(/^Reason for the release/).fill('case closed');
    await page.getByRole('button', { name: 'Yes, release' }).click();
    await shown(page.getByText(`Conversation ${CSID} released from “${MATTER}”; no longer held.`));
    await shown(page.getByText('No conversation is under legal hold.'));
    expect(await holdEvents()).toHaveLength(2);
  });

  it('refuses a request with a foreign Origin even with the session cookie', async () => {
    const session = (await (await context.request.get(`${base}/api/session`)).json()) as { csrf: string };
    const forged = await context.request.post(`${base}/api/erase`, {
      headers: { origin: 'http://evil.example', 'x-csrf-token': session.csrf },
      data: { conversation: CSID, confirmation: CSID, reason: 'forged' },
    });
    expect(forged.status()).toBe(403);
    const listed = await emulator.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/conversations/${CSID}/` }),
    );
    expect(listed.KeyCount).toBe(10);
  });

  it('shows the overview and the failed-files page, accessibly', async () => {
    await page.goto(`${base}/#/overview`);
    await shown(page.getByRole('table', { name: 'By kind' }));
    await shown(page.locator('.chart canvas').first());
    await axe('overview');
    await shot('overview');
    await page.goto(`${base}/#/failed`);
    await shown(page.getByText(/No dead-letter queue was given/));
    await axe('failed files');
    expect(dialogs).toEqual([]);
  });

  it('shows the daily completeness reports in plain words', async () => {
    await seedReport(emulator, '2026-11-30', [
      { day: '2026-11-28', linked: 14, archived: 14, messages: 9 },
      {
        day: '2026-11-29',
        linked: 12,
        archived: 8,
        erased: 1,
        queued: 2,
        deadLettered: 1,
        messages: 7,
        deadLetteredReasons: [{ code: 'not-found', count: 1, example: 'files.dixa.io answered 404 Not Found' }],
      },
    ]);
    await page.goto(`${base}/#/reports`);
    await shown(page.getByRole('table', { name: 'Reports, newest first' }));
    await page.getByRole('link', { name: '2026-11-30' }).first().click();
    await shown(page.getByRole('heading', { name: 'Incomplete: some files were missing or failed' }));
    await shown(page.getByText('2 files were missing and have been queued for archiving now'));
    await shown(page.getByRole('cell', { name: 'files.dixa.io answered 404 Not Found' }));
    await axe('completeness report');
    await shot('reports');
  });

  it('finds a person by e-mail, with where each conversation was found, verifies, exports and erases them', async () => {
    const key = personKey('email', PERSON);
    await emulator.s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: forwardKey(PREFIX, key, CSID, 'requester'), Body: '' }),
    );
    await page.goto(`${base}/#/find`);
    await page.getByLabel('Search by').selectOption('email');
    await page.getByLabel('E-mail, phone or external id').fill('  Jane.Doe@EXAMPLE.com');
    expect(await page.getByLabel('Ask Dixa too').isDisabled()).toBe(true); // this console has no token
    await page.getByRole('button', { name: 'Find person' }).click();
    await shown(page.getByRole('heading', { name: '1 conversation found, 5 archived files' }));
    await shown(page.getByText(/^Searched not Dixa \(left out on request\), only the archive's people index/));
    const row = page.getByRole('table', { name: 'Conversations found' }).locator('tbody tr');
    await expect.poll(() => row.textContent()).toContain('archive index (requester)');
    expect(page.url()).toBe(`${base}/#/find`); // the address is in no URL
    await axe('find a person');
    await shot('find', page.locator('section[aria-label="Results"]'));

    await page.getByRole('button', { name: 'Verify 1 conversation' }).click();
    await shown(page.getByRole('heading', { name: 'Failed: 1 problem' }), 20_000); // notes.txt, tampered above
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the access request (zip)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^dixa-access-request-\d{4}-\d{2}-\d{2}\.zip$/);
    const path = join(work, 'person.zip');
    await download.saveAs(path);
    const entries = await unzip(await readFile(path));
    const manifest = JSON.parse(entries.get('manifest.json')!.toString()) as ZipManifest & {
      request: { person: { type: string; value: string } };
    };
    expect(manifest.request.person).toEqual({ type: 'email', value: PERSON });
    expect(manifest.conversations.map((c) => [c.conversationId, c.files.length])).toEqual([[CSID, 5]]);

    await page.getByRole('button', { name: 'Erase this person…' }).click();
    await shown(
      page.getByRole('table', { name: 'Conversations that will be erased' }).getByRole('cell', { name: CSID }),
    );
    const erase = page.getByRole('button', { name: 'Erase permanently' });
    await page.getByLabel(/^Reason/).fill('GDPR request #78');
    await page.getByLabel("Type the person's e-mail address to confirm").fill('someone@example.com');
    await erase.click();
    await shown(page.getByText("type the person's e-mail address to confirm; nothing was deleted"));
    await page.getByLabel("Type the person's e-mail address to confirm").fill('JANE.DOE@example.com');
    await axe('erase a person');
    await erase.click();
    await shown(page.getByRole('heading', { name: /^Erased: request receipt / }), 20_000);
    await expect.poll(() => page.locator('.receipt').textContent()).toContain(personKey('email', PERSON));
    await expect.poll(() => page.locator('.receipt').textContent()).toContain('GDPR request #78');
    const left = await emulator.s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/conversations/${CSID}/` }),
    );
    expect(left.KeyCount ?? 0).toBe(0);
  });

  it('shows every name of the XSS corpus as text, runs none of it, in the table, a preview, verify and erase', async () => {
    const hostile = await seedConversation(
      emulator.s3,
      CORPUS,
      XSS_NAMES.map((name, i) => ({ name, linkName: `x${i}.txt`, content: `file ${i}`, contentType: 'text/plain' })),
    );
    const title = await page.title();
    const expected = [...XSS_NAMES].sort();
    /** The Name column's text, row by row; nothing a name could have made (elements, a new title or base) exists. */
    const shownNames = async (column: number) => {
      const injected = await page
        .locator(
          'main img, main script, main svg, main iframe, main object, main style, main input[autofocus], main details, base, meta[http-equiv], link[href*="evil"]',
        )
        .count();
      expect(injected).toBe(0);
      expect(await page.title()).toBe(title);
      return (
        await page
          .locator('main tbody tr')
          .evaluateAll(
            (rows: { cells: { textContent: string | null }[] }[], i: number) =>
              rows.map((r) => r.cells[i]!.textContent),
            column,
          )
      ).sort();
    };

    await page.goto(`${base}/#/conversation/${CORPUS}`);
    await expect.poll(() => page.locator('main tbody tr').count()).toBe(XSS_NAMES.length);
    expect(await shownNames(1)).toEqual(expected);
    await page.getByRole('button', { name: XSS_NAMES[0]!, exact: true }).click();
    await shown(page.getByRole('heading', { name: `Preview of ${XSS_NAMES[0]}`, exact: true }));
    await expect.poll(() => page.frameLocator('iframe.text').locator('body').textContent()).toBe('file 0');

    const tampered = hostile[1]!;
    await emulator.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: tampered.key, Body: 'not file 1' }));
    await page.getByRole('button', { name: 'Verify every file' }).click();
    await shown(page.getByText(`1 problem found in ${XSS_NAMES.length} files.`), 20_000);
    await page.goto(`${base}/#/verify`);
    await page.getByLabel('Conversation number(s)').fill(CORPUS);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await shown(page.getByRole('heading', { name: 'Failed: 1 problem' }), 20_000);
    expect(await shownNames(1)).toEqual([XSS_NAMES[1]]);

    await page.goto(`${base}/#/erase/${CORPUS}`);
    await shown(page.getByRole('heading', { name: `Plan for conversation ${CORPUS}` }));
    expect(await shownNames(1)).toEqual(expected);
    expect(dialogs).toEqual([]);
  });
});

async function shown(locator: Locator, timeout = 10_000): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout });
}
