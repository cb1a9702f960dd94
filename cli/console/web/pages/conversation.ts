/** One conversation: every file, its integrity, previews (images, PDFs, text, recordings), downloads and actions. */
import { type ApiError, csrfToken, fileUrl, get } from '../api.ts';
import { announce, errorBox, h, replace } from '../dom.ts';
import { bytes, plural, time } from '../format.ts';
import type { PageContext } from '../main.ts';
import { type FileRow, fileColumns, type Integrity } from './files.ts';
import type { HoldInForce } from './holds.ts';
import { verify } from './verify-job.ts';

export async function conversationPage({ main, params }: PageContext) {
  const conversationId = params[0] ?? '';
  replace(main, h('h1', { tabindex: -1 }, `Conversation ${conversationId}`), h('p', {}, 'Loading…'));
  let files: FileRow[];
  let holds: HoldInForce[];
  try {
    ({ files, holds } = await get<{ files: FileRow[]; holds: HoldInForce[] }>(
      `/api/conversations/${encodeURIComponent(conversationId)}`,
    ));
  } catch (error) {
    replace(main, h('h1', { tabindex: -1 }, `Conversation ${conversationId}`), errorBox((error as ApiError).message));
    return;
  }
  const integrity = new Map<string, Integrity>();
  const preview = h('section', { class: 'preview', 'aria-label': 'Preview', hidden: true });
  const tableSlot = h('div');
  const verifyStatus = h('div', { class: 'progress-line' });
  const render = () =>
    replace(
      tableSlot,
      fileColumns(files, {
        caption: `Files of conversation ${conversationId}`,
        integrity,
        onPreview: (f) => showPreview(preview, f),
      }),
    );
  render();

  const verifyButton = h('button', { type: 'button' }, 'Verify every file');
  verifyButton.addEventListener('click', async () => {
    verifyButton.disabled = true;
    const progress = h('progress', { max: 1, value: 0, 'aria-label': 'Verification progress' });
    replace(verifyStatus, progress);
    try {
      const result = await verify({ conversations: [conversationId] }, (done, total) => {
        progress.max = Math.max(total, 1);
        progress.value = done;
      });
      for (const file of files) integrity.set(file.key, { state: 'ok' });
      for (const finding of result.findings) integrity.set(finding.key, { state: 'failed', detail: finding.detail });
      const message = result.ok
        ? `All ${plural(result.files, 'file')} match their records.`
        : `${plural(result.findings.length, 'problem')} found in ${plural(result.files, 'file')}.`;
      replace(verifyStatus, h('p', { class: result.ok ? 'ok' : 'error', role: 'status' }, message));
      announce(message);
      render();
    } catch (error) {
      replace(verifyStatus, errorBox((error as Error).message));
    } finally {
      verifyButton.disabled = false;
    }
  });

  const total = files.reduce((sum, f) => sum + f.size, 0);
  replace(
    main,
    h('h1', { tabindex: -1 }, `Conversation ${conversationId}`),
    files.length === 0
      ? h('p', {}, 'Nothing is archived for this conversation.')
      : h('p', {}, `${plural(files.length, 'file')}, ${bytes(total)}.`),
    holds.length > 0 ? heldNote(holds) : null,
    h(
      'div',
      { class: 'actions' },
      files.length > 0 ? verifyButton : null,
      files.length > 0 ? exportForm([conversationId], 'Export as zip') : null,
      h('a', { class: 'button', href: `#/holds/${conversationId}` }, 'Place a legal hold…'),
      holds.length > 0 ? null : h('a', { class: 'button danger', href: `#/erase/${conversationId}` }, 'Erase…'),
    ),
    verifyStatus,
    tableSlot,
    preview,
  );
}

/** Who holds the conversation, since when and why; while any matter does, it cannot be erased. */
function heldNote(holds: HoldInForce[]): HTMLElement {
  return h(
    'div',
    { class: 'held', role: 'note', 'aria-label': 'Legal hold' },
    h(
      'p',
      {},
      h('strong', {}, 'Under legal hold'),
      ` for ${plural(holds.length, 'matter')}: it cannot be erased while held (`,
      h('a', { href: '#/holds' }, 'Legal holds'),
      ').',
    ),
    h(
      'ul',
      {},
      holds.map((hold) =>
        h('li', {}, `\u201c${hold.matter}\u201d since ${time(hold.since)}, placed by ${hold.by}: ${hold.reason}`),
      ),
    ),
  );
}

/** A plain form POST: the browser streams the zip to disk as it arrives. */
export function exportForm(conversations: string[], label: string): HTMLFormElement {
  return h(
    'form',
    { method: 'post', action: '/api/export', class: 'inline' },
    h('input', { type: 'hidden', name: 'csrf', value: csrfToken() }),
    conversations.map((id) => h('input', { type: 'hidden', name: 'conversations', value: id })),
    h('button', { type: 'submit' }, label),
  );
}

function showPreview(region: HTMLElement, file: FileRow) {
  const url = fileUrl(file.conversationId, file.id);
  const title = `Preview of ${file.name}`;
  let content: HTMLElement;
  switch (file.preview) {
    case 'image':
      content = h('img', { src: url, alt: title });
      break;
    case 'audio':
      content = h('audio', { controls: true, preload: 'metadata', src: url, 'aria-label': title });
      break;
    case 'video':
      content = h('video', { controls: true, preload: 'metadata', src: url, 'aria-label': title });
      break;
    default:
      content = h('iframe', { src: url, title, class: file.preview === 'pdf' ? 'pdf' : 'text' });
  }
  region.hidden = false;
  replace(
    region,
    h('h2', { tabindex: -1 }, title),
    content,
    h('p', {}, h('a', { href: fileUrl(file.conversationId, file.id, true), download: '' }, `Download ${file.name}`)),
  );
  region.querySelector<HTMLElement>('h2')?.focus();
}
