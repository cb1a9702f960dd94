/** Erasure receipts: every receipt in the bucket, searchable; one opens on screen, ready to print. */
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

interface Listing {
  key: string;
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
      const { receipt } = await post<{ receipt: Receipt }>('/api/receipts/show', { key });
      replace(shown, h('h2', { tabindex: -1 }, `Receipt ${key}`), receiptView(receipt));
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
          filterLabel: 'Search receipts (conversation, date)',
          columns: [
            { header: 'Erased', cell: (r) => time(r.erasedAt), value: (r) => r.erasedAt ?? '' },
            { header: 'Conversation', cell: (r) => r.conversationId ?? '—' },
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
