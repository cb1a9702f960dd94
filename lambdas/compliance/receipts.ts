/**
 * Erasure receipts as they lie in the bucket (`<prefix>/erasure-receipts/<erasedAt>-<csid>.json`, write-once): listed
 * from their keys alone, read one at a time. For `receipts` and the console's receipts list.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { UsageError, UserError } from '../commons/errors.ts';
import { receiptPrefix } from '../core/keys.ts';
import { type Archive, listObjects } from './archive.ts';
import type { ErasureReceipt } from './erase.ts';

export interface ReceiptListing {
  key: string;
  /** From the key: `<erasedAt>-<csid>.json`; null for keys of another shape. */
  conversationId: string | null;
  erasedAt: string | null;
  size: number;
}

const MAX_RECEIPT_BYTES = 16 * 1024 * 1024;
/**
 * `2026-12-01T10-00-00-000Z-4711.json`: the time with `:` and `.` made key-safe, then the csid; a receipt of one
 * message's erasure (a message Dixa redacted) ends `-4711-message-<messageKey>.json`.
 */
const RECEIPT_NAME = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z-(\d+)(?:-message-[A-Za-z0-9_-]+)?\.json$/;

export async function listReceipts(archive: Archive): Promise<ReceiptListing[]> {
  const root = receiptPrefix(archive.prefix);
  const receipts: ReceiptListing[] = [];
  for await (const object of listObjects(archive, root)) {
    const name = object.key.slice(root.length);
    const match = RECEIPT_NAME.exec(name);
    receipts.push({
      key: object.key,
      conversationId: match ? match[6]! : null,
      erasedAt: match ? `${match[1]}T${match[2]}:${match[3]}:${match[4]}.${match[5]}Z` : null,
      size: object.size,
    });
  }
  return receipts.sort((a, b) => (b.erasedAt ?? '').localeCompare(a.erasedAt ?? '') || a.key.localeCompare(b.key));
}

export async function readReceipt(archive: Archive, key: string): Promise<ErasureReceipt> {
  const root = receiptPrefix(archive.prefix);
  if (!key.startsWith(root) || key.includes('..') || !key.endsWith('.json')) {
    throw new UsageError(`${JSON.stringify(key)} is not a receipt key (they start with ${root})`);
  }
  try {
    const response = await archive.s3.send(new GetObjectCommand({ Bucket: archive.bucket, Key: key }));
    if ((response.ContentLength ?? 0) > MAX_RECEIPT_BYTES) throw new UserError(`${key} is too large to be a receipt`);
    return JSON.parse((await response.Body?.transformToString('utf8')) ?? '') as ErasureReceipt;
  } catch (error: unknown) {
    if ((error as Error).name === 'NoSuchKey') throw new UserError(`no receipt at ${key}`);
    if (error instanceof SyntaxError) throw new UserError(`${key} is not valid JSON`);
    throw error;
  }
}
