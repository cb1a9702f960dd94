/**
 * The local job journal: how local mode keeps invariant 7 ("nothing is lost") although fauxqs keeps its queues in
 * memory. It watches the SQS protocol traffic that reaches fauxqs (see queues.ts) and mirrors every message that
 * is on a queue as one file, ARCHIVE_DIR/journal/<message id>.json:
 *
 *   SendMessage / SendMessageBatch succeeded  → the file is written (tmp + rename) BEFORE the 2xx goes back,
 *                                               so a 2xx to Dixa implies the job is on disk
 *   ReceiveMessage                            → remember receipt handle → message id (memory only)
 *   DeleteMessage / DeleteMessageBatch ok     → the file is removed (only for the message's latest receipt handle:
 *                                               an expired handle deletes nothing in SQS, so nothing here either)
 *   PurgeQueue                                → that queue's files are removed
 *
 * At start, local mode re-sends every file to its queue (by name: queue URLs change with the random ports) and
 * removes the old file once the new message is journaled. Jobs can therefore run twice after a crash, never zero
 * times; the archiver is idempotent (deterministic keys, archived files are not fetched again).
 * Files are written without fsync: they survive a killed process (SIGKILL, crash), not a power cut.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A message attribute as the SQS JSON protocol carries it (BinaryValue is base64). */
export interface WireAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface JournalEntry {
  v: 1;
  /** Queue name, not URL: URLs carry the emulator's port, which changes from run to run. */
  queue: string;
  messageId: string;
  body: string;
  attributes?: Record<string, WireAttribute>;
  journaledAt: string;
}

const MESSAGE_ID = /^[A-Za-z0-9-]{1,128}$/;
const SUFFIX = '.json';

export class Journal {
  /** receipt handle → message id, for received messages. */
  readonly #handles = new Map<string, string>();
  /** message id → its latest receipt handle. */
  readonly #latest = new Map<string, string>();
  /** message id → queue name, for every journaled message. */
  readonly #queues = new Map<string, string>();
  /** Writes in progress: a delete that races a write waits for it, so no orphan file is left behind. */
  readonly #writes = new Map<string, Promise<void>>();

  private constructor(readonly dir: string) {}

  static async open(dir: string): Promise<Journal> {
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir)) {
      if (name.endsWith('.tmp')) await rm(join(dir, name), { force: true }); // a write cut short by a crash
    }
    return new Journal(dir);
  }

  /** Every journaled message, oldest first. An unreadable file is reported, not skipped silently. */
  async entries(): Promise<{ entries: JournalEntry[]; unreadable: string[] }> {
    const entries: JournalEntry[] = [];
    const unreadable: string[] = [];
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith(SUFFIX)) continue;
      const entry = parseEntry(await readFile(join(this.dir, name), 'utf8').catch(() => ''));
      if (entry && `${entry.messageId}${SUFFIX}` === name) entries.push(entry);
      else unreadable.push(join(this.dir, name));
    }
    entries.sort((a, b) => a.journaledAt.localeCompare(b.journaledAt));
    return { entries, unreadable };
  }

  async add(entry: JournalEntry): Promise<void> {
    if (!MESSAGE_ID.test(entry.messageId))
      throw new Error(`unexpected SQS message id ${JSON.stringify(entry.messageId)}`);
    const path = this.#path(entry.messageId);
    const write = (async () => {
      await writeFile(`${path}.tmp`, JSON.stringify(entry));
      await rename(`${path}.tmp`, path);
    })();
    this.#writes.set(entry.messageId, write);
    try {
      await write;
      this.#queues.set(entry.messageId, entry.queue);
    } finally {
      if (this.#writes.get(entry.messageId) === write) this.#writes.delete(entry.messageId);
    }
  }

  async remove(messageId: string): Promise<void> {
    await this.#writes.get(messageId)?.catch(() => undefined);
    const handle = this.#latest.get(messageId);
    if (handle) this.#handles.delete(handle);
    this.#latest.delete(messageId);
    this.#queues.delete(messageId);
    if (MESSAGE_ID.test(messageId)) await rm(this.#path(messageId), { force: true });
  }

  get size(): number {
    return this.#queues.size;
  }

  /** Applies one successful SQS call (action without the `AmazonSQS.` prefix, parsed request and response). */
  async observe(action: string, request: unknown, response: unknown): Promise<void> {
    const req = (request ?? {}) as Record<string, unknown>;
    const res = (response ?? {}) as Record<string, unknown>;
    const queue = queueName(req.QueueUrl);
    if (!queue) return;
    switch (action) {
      case 'SendMessage':
        if (typeof res.MessageId === 'string') await this.add(toEntry(queue, res.MessageId, req));
        return;
      case 'SendMessageBatch': {
        const sent = new Map(list(req.Entries).map((e) => [e.Id, e]));
        await Promise.all(
          list(res.Successful).map(async (ok) => {
            const entry = sent.get(ok.Id);
            if (entry && typeof ok.MessageId === 'string') await this.add(toEntry(queue, ok.MessageId, entry));
          }),
        );
        return;
      }
      case 'ReceiveMessage':
        await Promise.all(list(res.Messages).map((m) => this.#received(queue, m.MessageId, m.ReceiptHandle)));
        return;
      case 'DeleteMessage':
        await this.#deleted(req.ReceiptHandle);
        return;
      case 'DeleteMessageBatch': {
        const handles = new Map(list(req.Entries).map((e) => [e.Id, e.ReceiptHandle]));
        await Promise.all(list(res.Successful).map((ok) => this.#deleted(handles.get(ok.Id))));
        return;
      }
      case 'PurgeQueue':
        await Promise.all(
          [...this.#queues].filter(([, q]) => q === queue).map(([messageId]) => this.remove(messageId)),
        );
        return;
    }
  }

  async #received(queue: string, messageId: unknown, handle: unknown): Promise<void> {
    if (typeof messageId !== 'string' || typeof handle !== 'string') return;
    const previous = this.#latest.get(messageId);
    if (previous) this.#handles.delete(previous);
    this.#handles.set(handle, messageId);
    this.#latest.set(messageId, handle);
    const known = this.#queues.get(messageId);
    if (known !== undefined && known !== queue) {
      // SQS's own redrive moved the message (same id) to the dead-letter queue: replay it there after a restart.
      const path = this.#path(messageId);
      const entry = parseEntry(await readFile(path, 'utf8').catch(() => ''));
      if (entry) await this.add({ ...entry, queue });
    }
  }

  async #deleted(handle: unknown): Promise<void> {
    if (typeof handle !== 'string') return;
    const messageId = this.#handles.get(handle);
    if (messageId !== undefined && this.#latest.get(messageId) === handle) await this.remove(messageId);
  }

  #path(messageId: string): string {
    return join(this.dir, `${messageId}${SUFFIX}`);
  }
}

type Row = Record<string, unknown>;
const list = (value: unknown): Row[] => (Array.isArray(value) ? (value as Row[]) : []);

function queueName(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url).pathname.split('/').filter(Boolean).pop();
  } catch {
    return undefined;
  }
}

function toEntry(queue: string, messageId: string, sent: Row): JournalEntry {
  const attributes = sent.MessageAttributes as Record<string, WireAttribute> | undefined;
  return {
    v: 1,
    queue,
    messageId,
    body: String(sent.MessageBody ?? ''),
    ...(attributes && Object.keys(attributes).length > 0 ? { attributes } : {}),
    journaledAt: new Date().toISOString(),
  };
}

function parseEntry(text: string): JournalEntry | undefined {
  try {
    const value = JSON.parse(text) as Partial<JournalEntry>;
    if (
      value?.v === 1 &&
      typeof value.queue === 'string' &&
      typeof value.messageId === 'string' &&
      MESSAGE_ID.test(value.messageId) &&
      typeof value.body === 'string' &&
      typeof value.journaledAt === 'string'
    ) {
      return value as JournalEntry;
    }
  } catch {
    // fall through: reported as unreadable by the caller
  }
  return undefined;
}
