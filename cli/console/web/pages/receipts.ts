/**
 * Erasure receipts: every receipt in the bucket (a conversation's, and a person's request receipts linking theirs),
 * searchable; one opens on screen, ready to print.
 */
import { type ApiError, get, post } from '../api.ts';
import { errorBox, h, replace } from '../dom.ts';
import { plural, time } from '../format.ts';
import type { PageContext } from '../main.ts';
import { table } from '../table.ts';

export interface Receipt {
  conversationId: string;
  bucket: string;
  keyPrefix: string;
  erasedAt: string;
  erasedBy: string;
  reason: string;
  objectCount: number;
  fileCount: number;
  complete: boolean;
  bypassedGovernance: boolean;
  remainingAfterErasure: number;
  objects: { key: string; versionId: string | null; deleteMarker: boolean; sha256: string | null }[];
  failed: { key: string; versionId: string | null; code: string }[];
}

/** A person's erasure request (erasure-request.ts): the person by person key only, and every receipt it links. */
export interface RequestReceipt {
  requestReceiptVersion: number;
  requestId: string;
  bucket: string;
  erasedAt: string;
  erasedBy: string;
  reason: string;
  person: { type: string; personKey: string };
  searchedAt: string;
  sources: string[];
  nothingFound: boolean;
  conversations: {
    conversationId: string;
    foundIn: string[];
    receiptKey: string;
    fileCount: number;
    objectCount: number;
  }[];
  unfinished: string[];
  complete: boolean;
}

interface Listing {
  key: string;
  kind: 'conversation' | 'request' | null;
  conversationId: string | null;
  erasedAt: string | null;
}

export async function receiptsPage({ main }: PageContext) {
  const shown = h('section', { 'aria-label': 'Receipt' });
  replace(main, h('h1', { tabindex: -1 }, 'Erasure receipts'), h('p', {}, 'Loading…'));
  let receipts: Listing[];
  try {
    ({ receipts } = await get<{ receipts: Listing[] }>('/api/receipts'));
  } catch (error) {
    replace(main, h('h1', { tabindex: -1 }, 'Erasure receipts'), errorBox((error as ApiError).message));
    return;
  }
  const open = async (key: string) => {
    replace(shown, h('p', {}, 'Loading…'));
    try {
      const { receipt } = await post<{ receipt: Receipt | RequestReceipt }>('/api/receipts/show', { key });
      replace(
        shown,
        h('h2', { tabindex: -1 }, `Receipt ${key}`),
        'requestReceiptVersion' in receipt ? requestReceiptView(receipt) : receiptView(receipt),
      );
      shown.querySelector<HTMLElement>('h2')?.focus();
    } catch (error) {
      replace(shown, errorBox((error as ApiError).message));
    }
  };
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Erasure receipts'),
    h('p', {}, `${plural(receipts.length, 'receipt')}. Receipts are write-once and outlive the files they describe.`),
    receipts.length === 0
      ? h('p', {}, 'No erasure receipts yet.')
      : table<Listing>({
          caption: 'Erasure receipts, newest first',
          rows: receipts,
          filterLabel: 'Search receipts (conversation, date, person)',
          columns: [
            { header: 'Erased', cell: (r) => time(r.erasedAt), value: (r) => r.erasedAt ?? '' },
            {
              header: 'Of',
              cell: (r) =>
                r.kind === 'request'
                  ? 'a person (request)'
                  : r.conversationId
                    ? `conversation ${r.conversationId}`
                    : '—',
            },
            {
              header: 'Receipt',
              cell: (r) => h('button', { type: 'button', class: 'link', onclick: () => void open(r.key) }, r.key),
            },
          ],
        }),
    shown,
  );
}

export function receiptView(receipt: Receipt): HTMLElement {
  return h(
    'div',
    { class: 'report receipt' },
    h(
      'dl',
      {},
      h('dt', {}, 'Conversation'),
      h('dd', {}, receipt.conversationId),
      h('dt', {}, 'Erased at'),
      h('dd', {}, time(receipt.erasedAt)),
      h('dt', {}, 'Erased by'),
      h('dd', {}, receipt.erasedBy),
      h('dt', {}, 'Reason'),
      h('dd', {}, receipt.reason),
      h('dt', {}, 'Objects removed'),
      h('dd', {}, `${receipt.objectCount} (${plural(receipt.fileCount, 'archived file')})`),
      h('dt', {}, 'Complete'),
      h(
        'dd',
        {},
        receipt.complete
          ? 'Yes: nothing was left under the conversation'
          : `No: ${receipt.remainingAfterErasure} object(s) remained, ${receipt.failed.length} failed`,
      ),
      h('dt', {}, 'Where'),
      h('dd', {}, h('code', {}, `s3://${receipt.bucket}/${receipt.keyPrefix}`)),
    ),
    table({
      caption: 'Objects removed',
      rows: receipt.objects,
      columns: [
        { header: 'Key', cell: (o) => h('code', {}, o.key) },
        { header: 'Version', cell: (o) => o.versionId ?? '—' },
        {
          header: 'SHA-256 of the file',
          cell: (o) => h('code', { class: 'sha' }, o.sha256 ?? (o.deleteMarker ? 'delete marker' : '—')),
        },
      ],
    }),
    h('button', { type: 'button', class: 'no-print', onclick: () => window.print() }, 'Print this receipt'),
  );
}

export function requestReceiptView(receipt: RequestReceipt): HTMLElement {
  const { person } = receipt;
  return h(
    'div',
    { class: 'report receipt' },
    h(
      'dl',
      {},
      h('dt', {}, 'Person'),
      h('dd', {}, `${person.type}, person key `, h('code', { class: 'sha' }, person.personKey)),
      h('dt', {}, 'Erased at'),
      h('dd', {}, time(receipt.erasedAt)),
      h('dt', {}, 'Erased by'),
      h('dd', {}, receipt.erasedBy),
      h('dt', {}, 'Reason'),
      h('dd', {}, receipt.reason),
      h('dt', {}, 'Searched'),
      h('dd', {}, `${receipt.sources.join(' and ')} at ${time(receipt.searchedAt)}`),
      h('dt', {}, 'Conversations erased'),
      h(
        'dd',
        {},
        receipt.nothingFound ? 'none: nothing was found for this person' : String(receipt.conversations.length),
      ),
      h('dt', {}, 'Complete'),
      h(
        'dd',
        {},
        receipt.complete
          ? 'Yes'
          : `No: not finished for ${receipt.unfinished.join(', ') || 'some objects'}; erase again`,
      ),
    ),
    h(
      'p',
      { class: 'hint' },
      "The person key is the SHA-256 of the person's normalized identity: whoever holds the address can check that this receipt is theirs; the receipt itself holds no address.",
    ),
    receipt.conversations.length > 0
      ? table({
          caption: 'Receipts of the conversations erased',
          rows: receipt.conversations,
          columns: [
            { header: 'Conversation', cell: (c) => c.conversationId },
            { header: 'Found in', cell: (c) => c.foundIn.join(', ') },
            { header: 'Files', cell: (c) => String(c.fileCount), value: (c) => c.fileCount, numeric: true },
            { header: 'Receipt', cell: (c) => h('code', {}, c.receiptKey) },
          ],
        })
      : null,
    h('button', { type: 'button', class: 'no-print', onclick: () => window.print() }, 'Print this receipt'),
  );
}
