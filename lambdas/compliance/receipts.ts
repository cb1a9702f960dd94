/**
 * Erasure receipts as they lie in the bucket, write-once: a conversation's (`<prefix>/erasure-receipts/<erasedAt>-<csid>.json`,
 * erase.ts) and a person's erasure request's (`requests/<erasedAt>-<requestId>.json`, erasure-request.ts, linking the
 * conversations' receipts). Listed from their keys, filtered by conversation and period, read one at a time. For
 * `receipts` and the console's receipts list.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { UsageError, UserError } from '../commons/errors.ts';
import { mapLimit } from '../commons/map-limit.ts';
import { receiptPrefix } from '../core/keys.ts';
import { type Archive, listObjects } from './archive.ts';
import { type DateRange, inRange, isBounded } from './date-range.ts';
import type { ErasureReceipt } from './erase.ts';
import { REQUESTS_FOLDER, type RequestReceipt } from './erasure-request.ts';

export type ReceiptKind = 'conversation' | 'request';

export interface ReceiptListing {
  key: string;
  /** What the receipt is of, from its key; null for keys of another shape. */
  kind: ReceiptKind | null;
  /** A conversation's receipt (or one message's of it): its csid (from the key); null otherwise. */
  conversationId: string | null;
  /** A request receipt: the conversations it links (read from it when the listing is filtered by conversation). */
  conversations?: string[];
  erasedAt: string | null;
  size: number;
}

export interface ReceiptQuery {
  /** Receipts of these conversations: their own, and the request receipts that link them. */
  conversations?: readonly string[] | undefined;
  /** Erasures in this period. */
  erased?: DateRange | undefined;
}

const MAX_RECEIPT_BYTES = 16 * 1024 * 1024;
const READS_IN_FLIGHT = 8;
const STAMP = String.raw`(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z`;
/**
 * `2026-12-01T10-00-00-000Z-4711.json`: the time with `:` and `.` made key-safe, then the csid; a receipt of one
 * message's erasure (a message Dixa redacted) ends `-4711-message-<messageKey>.json`.
 */
const RECEIPT_NAME = new RegExp(`^${STAMP}-(\\d+)(?:-message-[A-Za-z0-9_-]+)?\\.json$`);
/** `requests/2026-12-01T10-00-00-000Z-<uuid>.json`. */
const REQUEST_NAME = new RegExp(`^${REQUESTS_FOLDER}/${STAMP}-[0-9a-f-]{36}\\.json$`);

/** Every receipt (newest first), or those the query selects. */
export async function listReceipts(archive: Archive, query: ReceiptQuery = {}): Promise<ReceiptListing[]> {
  const root = receiptPrefix(archive.prefix);
  let receipts: ReceiptListing[] = [];
  for await (const object of listObjects(archive, root)) {
    const name = object.key.slice(root.length);
    const own = RECEIPT_NAME.exec(name);
    const request = own ? null : REQUEST_NAME.exec(name);
    const match = own ?? request;
    receipts.push({
      key: object.key,
      kind: own ? 'conversation' : request ? 'request' : null,
      conversationId: own ? own[6]! : null,
      erasedAt: match ? `${match[1]}T${match[2]}:${match[3]}:${match[4]}.${match[5]}Z` : null,
      size: object.size,
    });
  }
  const { erased, conversations } = query;
  if (erased && isBounded(erased)) receipts = receipts.filter((r) => r.erasedAt && inRange(erased, r.erasedAt));
  if (conversations) receipts = await ofConversations(archive, receipts, conversations);
  return receipts.sort((a, b) => (b.erasedAt ?? '').localeCompare(a.erasedAt ?? '') || a.key.localeCompare(b.key));
}

/** A conversation's own receipts, and the request receipts that link it (read to know which they link). */
async function ofConversations(
  archive: Archive,
  receipts: ReceiptListing[],
  conversations: readonly string[],
): Promise<ReceiptListing[]> {
  const wanted = new Set(conversations);
  const linked = await mapLimit(receipts, READS_IN_FLIGHT, async (listing) => {
    if (listing.kind === 'conversation') return wanted.has(listing.conversationId!) ? listing : undefined;
    if (listing.kind !== 'request') return undefined;
    const receipt = (await readReceipt(archive, listing.key)) as Partial<RequestReceipt>;
    const ids = (receipt.conversations ?? []).map((c) => c.conversationId);
    return ids.some((id) => wanted.has(id)) ? { ...listing, conversations: ids } : undefined;
  });
  return linked.filter((r): r is ReceiptListing => r !== undefined);
}

export async function readReceipt(archive: Archive, key: string): Promise<ErasureReceipt | RequestReceipt> {
  const root = receiptPrefix(archive.prefix);
  if (!key.startsWith(root) || key.includes('..') || !key.endsWith('.json')) {
    throw new UsageError(`${JSON.stringify(key)} is not a receipt key (they start with ${root})`);
  }
  try {
    const response = await archive.s3.send(new GetObjectCommand({ Bucket: archive.bucket, Key: key }));
    if ((response.ContentLength ?? 0) > MAX_RECEIPT_BYTES) throw new UserError(`${key} is too large to be a receipt`);
    return JSON.parse((await response.Body?.transformToString('utf8')) ?? '') as ErasureReceipt | RequestReceipt;
  } catch (error: unknown) {
    if ((error as Error).name === 'NoSuchKey') throw new UserError(`no receipt at ${key}`);
    if (error instanceof SyntaxError) throw new UserError(`${key} is not valid JSON`);
    throw error;
  }
}

export const isRequestReceipt = (receipt: ErasureReceipt | RequestReceipt): receipt is RequestReceipt =>
  'requestReceiptVersion' in receipt;
