/** The file table of Find and Conversation: kind, original name, size, times, fingerprint and integrity. */
import { fileUrl } from '../api.ts';
import { h } from '../dom.ts';
import { bytes, time } from '../format.ts';
import { type Column, table } from '../table.ts';

export interface FileRow {
  conversationId: string;
  id: string;
  key: string;
  kind: string | null;
  name: string;
  contentType: string | null;
  size: number;
  sha256: string | null;
  archivedAt: string | null;
  createdAt: string | null;
  preview: 'image' | 'pdf' | 'text' | 'audio' | 'video' | null;
  note?: string;
}

export type Integrity = { state: 'unchecked' } | { state: 'ok' } | { state: 'failed'; detail: string };

export interface FileTableOptions {
  caption: string;
  withConversation?: boolean;
  /** Integrity per file key, once verified; files with a listing problem show it regardless. */
  integrity?: Map<string, Integrity>;
  onPreview?: (file: FileRow) => void;
}

export function fileColumns(files: FileRow[], options: FileTableOptions): HTMLElement {
  const columns: Column<FileRow>[] = [
    ...(options.withConversation
      ? [
          {
            header: 'Conversation',
            cell: (f: FileRow) => h('a', { href: `#/conversation/${f.conversationId}` }, f.conversationId),
            value: (f: FileRow) => Number(f.conversationId),
            numeric: true,
          },
        ]
      : []),
    { header: 'Kind', cell: (f) => f.kind ?? '—' },
    {
      header: 'Name',
      cell: (f) =>
        options.onPreview && f.preview
          ? h('button', { type: 'button', class: 'link', onclick: () => options.onPreview!(f) }, f.name)
          : h('span', { class: 'name' }, f.name),
      value: (f) => f.name.toLowerCase(),
    },
    { header: 'Size', cell: (f) => bytes(f.size), value: (f) => f.size, numeric: true },
    { header: 'Sent', cell: (f) => time(f.createdAt), value: (f) => f.createdAt ?? '' },
    { header: 'Archived', cell: (f) => time(f.archivedAt), value: (f) => f.archivedAt ?? '' },
    { header: 'Fingerprint (SHA-256)', cell: (f) => h('code', { class: 'sha' }, f.sha256 ?? '—') },
    {
      header: 'Integrity',
      cell: (f) => badge(f, options.integrity?.get(f.key)),
      value: (f) => badge(f, options.integrity?.get(f.key)).textContent ?? '',
    },
    {
      header: 'Download',
      cell: (f) =>
        f.note
          ? '—'
          : h(
              'a',
              { href: fileUrl(f.conversationId, f.id, true), download: '' },
              h('span', { class: 'visually-hidden' }, `Download ${f.name}`),
              h('span', { 'aria-hidden': 'true' }, 'Download'),
            ),
    },
  ];
  return table({ caption: options.caption, columns, rows: files, filterLabel: 'Filter these files' });
}

export function badge(file: FileRow, integrity: Integrity | undefined): HTMLElement {
  if (file.note) return h('span', { class: 'badge bad' }, `Problem: ${file.note}`);
  if (!integrity || integrity.state === 'unchecked') return h('span', { class: 'badge' }, 'Not checked yet');
  if (integrity.state === 'ok') return h('span', { class: 'badge good' }, '✓ Matches its record');
  return h('span', { class: 'badge bad', title: integrity.detail }, `✗ Failed: ${integrity.detail}`);
}
