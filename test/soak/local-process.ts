/**
 * Local mode as the soak drives it: `dixa-archiver local` in a child process (its own process group, so SIGKILL
 * takes all of it), restarted on the same ARCHIVE_DIR and ports after each kill. It watches the child from the
 * outside: peak RSS (VmHWM from /proc), what its log says happened, and whether its output holds a secret.
 */
import { readFile } from 'node:fs/promises';
import { type Child, signalGroup, startChild, waitForReady } from '../e2e/helpers.ts';
import type { Finding, SecretScanner } from '../leak-check/scanner.ts';

export interface Ready {
  webhookUrl: string;
  s3Endpoint: string;
  sqsEndpoint: string;
  jobQueueUrl: string;
  deadLetterQueueUrl: string;
  storageDir: string;
  journalDir: string;
  replayed: number;
}

export interface LogCounts {
  archived: number;
  /** Jobs skipped because the file was archived already (redeliveries). */
  skipped: number;
  /** Failed attempts that will be retried, by the archiver's reason code. */
  retries: Record<string, number>;
  deadLettered: number;
}

export class LocalProcess {
  #child: Child | undefined;
  #rssTimer: NodeJS.Timeout | undefined;
  ready: Ready | undefined;
  starts = 0;
  /** Highest VmHWM seen over all runs (bytes). */
  peakRssBytes = 0;
  readonly leaks: Finding[] = [];
  /** Lines of output scanned for secrets, over all runs. */
  linesScanned = 0;
  readonly log: LogCounts = { archived: 0, skipped: 0, retries: {}, deadLettered: 0 };

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly scanner: SecretScanner,
  ) {}

  get running(): boolean {
    return this.#child !== undefined;
  }

  async start(): Promise<Ready> {
    const child = startChild(process.execPath, ['cli/bin.mjs', 'local'], this.env);
    this.#child = child;
    this.starts++;
    const ready = await waitForReady(child, 0, 120_000);
    this.ready = {
      webhookUrl: String(ready.webhookUrl),
      s3Endpoint: String(ready.s3Endpoint),
      sqsEndpoint: String(ready.sqsEndpoint),
      jobQueueUrl: String(ready.jobQueueUrl),
      deadLetterQueueUrl: String(ready.deadLetterQueueUrl),
      storageDir: String(ready.storageDir),
      journalDir: String(ready.journalDir),
      replayed: Number(ready.replayed ?? 0),
    };
    this.#rssTimer = setInterval(() => void this.sampleRss(), 250);
    return this.ready;
  }

  /** SIGKILL, no warning: the crash local mode must survive. */
  async kill(): Promise<void> {
    await this.#end('SIGKILL');
  }

  /** SIGTERM: local mode drains and exits; resolves with its exit code. */
  async stop(): Promise<number | null> {
    return (await this.#end('SIGTERM'))?.code ?? null;
  }

  async #end(signal: NodeJS.Signals) {
    const child = this.#child;
    if (!child) return undefined;
    await this.sampleRss();
    clearInterval(this.#rssTimer);
    signalGroup(child, signal);
    const exit = await child.exited;
    this.#consumeOutput();
    this.#child = undefined;
    this.ready = undefined;
    return exit;
  }

  async sampleRss(): Promise<void> {
    const pid = this.#child?.process.pid;
    if (pid === undefined) return;
    this.#consumeOutput();
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const kib = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    if (kib) this.peakRssBytes = Math.max(this.peakRssBytes, Number(kib) * 1024);
  }

  /** Scans and counts the lines written since the last call, then drops them (the run writes thousands). */
  #consumeOutput(): void {
    const child = this.#child;
    if (!child) return;
    const lines = child.output.splice(0);
    child.records.splice(0);
    this.linesScanned += lines.length;
    for (const line of lines) {
      this.leaks.push(...this.scanner.scan(line));
      if (line.startsWith('{')) this.#count(line);
    }
  }

  /** Counts the archiver's outcomes from its JSON log lines (stdout and stderr). */
  #count(line: string): void {
    let record: { message?: unknown; reason?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      return;
    }
    if (record.message === 'archived') this.log.archived++;
    else if (record.message === 'already archived, skipped') this.log.skipped++;
    else if (record.message === 'job moved to the dead-letter queue') this.log.deadLettered++;
    else if (record.message === 'archive attempt failed, will retry') {
      const reason = String(record.reason ?? 'unknown');
      this.log.retries[reason] = (this.log.retries[reason] ?? 0) + 1;
    }
  }
}
