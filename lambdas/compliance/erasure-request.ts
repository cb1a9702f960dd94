/**
 * A person's erasure request (`erase --email …`): every conversation found for the person (people.ts) is erased with
 * its own tombstone and receipt (erase.ts), and one write-once *request receipt* links those receipts — also when
 * nothing was found, so every request is answered. The request receipt names the person by person key only (a
 * pseudonym, as in the people index): no address or number is in it. A legal hold on any of the conversations
 * refuses the whole request before anything is written: no silent partial erasure.
 */
import { randomUUID } from 'node:crypto';
import { UserError } from '../commons/errors.ts';
import { keyStamp, receiptPrefix } from '../core/keys.ts';
import type { IdentityType } from '../core/people.ts';
import type { Archive } from './archive.ts';
import {
  type ErasurePlan,
  type ErasureResult,
  type ErasuresOptions,
  executeErasures,
  planErasures,
  putReceipt,
} from './erase.ts';
import { heldBy } from './holds.ts';
import type { PersonSearch, PersonSource } from './people.ts';

export const REQUEST_RECEIPT_VERSION = 1;
/** Request receipts lie in this folder under the receipts prefix: `requests/<erasedAt>-<requestId>.json`. */
export const REQUESTS_FOLDER = 'requests';

export interface RequestReceiptConversation {
  conversationId: string;
  foundIn: PersonSource[];
  /** The conversation's own receipt (erase.ts), with the objects removed and their SHA-256. */
  receiptKey: string;
  fileCount: number;
  objectCount: number;
  nothingArchived: boolean;
  complete: boolean;
}

export interface RequestReceipt {
  requestReceiptVersion: typeof REQUEST_RECEIPT_VERSION;
  requestId: string;
  bucket: string;
  /** When the request was carried out (the erasures started). */
  erasedAt: string;
  finishedAt: string;
  erasedBy: string;
  reason: string;
  /** The person as a person key (sha256 of the normalized identity): whoever has the address can check it. */
  person: { type: IdentityType; personKey: string };
  /** The other identities Dixa knows for the person, searched in the index too (person keys only). */
  relatedPersons: { type: IdentityType; personKey: string }[];
  searchedAt: string;
  /** The sources searched: Dixa is absent only when the operator said the archive's index is enough. */
  sources: PersonSource[];
  dixaEndUsers: number;
  /** True when no source knew a conversation of the person: this receipt is then the whole answer. */
  nothingFound: boolean;
  /** Every conversation erased for the request, with its receipt. */
  conversations: RequestReceiptConversation[];
  /** Conversations found whose erasure did not finish (the run stopped; erase again): empty when complete. */
  unfinished: string[];
  complete: boolean;
}

export interface PersonErasure {
  requestReceipt: RequestReceipt;
  requestReceiptKey: string;
  results: ErasureResult[];
}

export function requestReceiptKey(prefix: string, erasedAt: Date, requestId: string): string {
  return `${receiptPrefix(prefix)}${REQUESTS_FOLDER}/${keyStamp(erasedAt)}-${requestId}.json`;
}

/**
 * The erasure plan of every conversation found. Refused as a whole when any of them is under legal hold, naming each
 * held conversation and its matters: a request is carried out entirely or not at all.
 */
export async function planPersonErasure(archive: Archive, search: PersonSearch): Promise<ErasurePlan[]> {
  const ids = search.conversations.map((c) => c.conversationId);
  const held: { conversationId: string; matters: string[] }[] = [];
  for (const conversationId of ids) {
    const matters = await heldBy(archive, conversationId);
    if (matters.length > 0) held.push({ conversationId, matters });
  }
  if (held.length > 0) throw new PersonHeldError(held);
  return planErasures(archive, ids);
}

/** A person's erasure refused because conversations of theirs are under legal hold (each named with its matters). */
export class PersonHeldError extends UserError {
  constructor(readonly held: readonly { conversationId: string; matters: readonly string[] }[]) {
    const each = held.map(
      (h) => `conversation ${h.conversationId} (${h.matters.map((m) => JSON.stringify(m)).join(', ')})`,
    );
    super(
      `refusing to erase this person's conversations: ${each.join(', ')} ${held.length === 1 ? 'is' : 'are'} under ` +
        'legal hold; release the hold first (dixa-archiver hold release); nothing was deleted',
    );
  }
}

/**
 * Runs the plans (erase.ts `executeErasures`: each conversation's tombstone, deletion and receipt, stopping at the
 * first failure) and then writes the request receipt — in every case, also when the run stopped (then
 * `complete: false` names what did not finish, and the run's error is rethrown with the receipt's key).
 */
export async function executePersonErasure(
  archive: Archive,
  search: PersonSearch,
  plans: readonly ErasurePlan[],
  options: ErasuresOptions,
): Promise<PersonErasure> {
  const erasedAt = options.now ?? new Date();
  const requestId = randomUUID();
  const results: ErasureResult[] = [];
  let failure: unknown;
  try {
    await executeErasures(archive, plans, {
      ...options,
      onErased: (result) => {
        results.push(result);
        options.onErased?.(result);
      },
    });
  } catch (error: unknown) {
    failure = error;
  }

  const done = new Set(results.map((r) => r.receipt.conversationId));
  const unfinished = plans.map((p) => p.conversationId).filter((id) => !done.has(id));
  const foundIn = new Map(search.conversations.map((c) => [c.conversationId, c.foundIn]));
  const requestReceipt: RequestReceipt = {
    requestReceiptVersion: REQUEST_RECEIPT_VERSION,
    requestId,
    bucket: archive.bucket,
    erasedAt: erasedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    erasedBy: options.erasedBy,
    reason: options.reason,
    person: { type: search.identity.type, personKey: search.identity.key },
    relatedPersons: search.relatedIdentities.map((i) => ({ type: i.type, personKey: i.key })),
    searchedAt: search.searchedAt,
    sources: search.sources,
    dixaEndUsers: search.endUsers.length,
    nothingFound: search.conversations.length === 0,
    conversations: results.map(({ receipt, receiptKey }) => ({
      conversationId: receipt.conversationId,
      foundIn: foundIn.get(receipt.conversationId) ?? [],
      receiptKey,
      fileCount: receipt.fileCount,
      objectCount: receipt.objectCount,
      nothingArchived: receipt.nothingArchived,
      complete: receipt.complete,
    })),
    unfinished,
    complete: failure === undefined && unfinished.length === 0 && results.every((r) => r.receipt.complete),
  };
  const key = requestReceiptKey(archive.prefix, erasedAt, requestId);
  try {
    await putReceipt(archive, key, requestReceipt);
  } catch (error: unknown) {
    throw new RequestReceiptNotWrittenError(requestReceipt, key, (error as Error).message, failure);
  }
  if (failure instanceof UserError) failure.message += `; the request receipt ${key} says what was done`;
  if (failure !== undefined) throw failure;
  return { requestReceipt, requestReceiptKey: key, results };
}

/** The request was carried out (as far as it went) but its receipt could not be stored: it travels with the error. */
export class RequestReceiptNotWrittenError extends UserError {
  constructor(
    readonly requestReceipt: RequestReceipt,
    readonly requestReceiptKey: string,
    cause: string,
    failure: unknown,
  ) {
    const erased = `${requestReceipt.conversations.length} conversation(s) erased`;
    const stopped = failure instanceof Error ? `; the run stopped: ${failure.message}` : '';
    super(
      `${erased} but the request receipt could not be written to ${requestReceiptKey} (${cause})${stopped}; ` +
        "the request receipt is shown instead: keep it (each conversation's receipt is in place)",
    );
  }
}
