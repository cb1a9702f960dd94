/**
 * Which archived files the console shows inside the page, and as what. Files come from outsiders, so only types a
 * browser renders without running anything are shown inline, each served under the one type it was allowed as; HTML,
 * SVG, XML and everything unknown are download-only (`application/octet-stream`, `Content-Disposition: attachment`).
 */
export type PreviewKind = 'image' | 'pdf' | 'text' | 'audio' | 'video';

export interface Preview {
  kind: PreviewKind;
  /** The Content-Type the file is served with for the preview (never the archived string as it is). */
  servedAs: string;
}

const INLINE: Record<string, Preview> = {
  'image/png': { kind: 'image', servedAs: 'image/png' },
  'image/jpeg': { kind: 'image', servedAs: 'image/jpeg' },
  'image/gif': { kind: 'image', servedAs: 'image/gif' },
  'image/webp': { kind: 'image', servedAs: 'image/webp' },
  'image/avif': { kind: 'image', servedAs: 'image/avif' },
  'image/bmp': { kind: 'image', servedAs: 'image/bmp' },
  'application/pdf': { kind: 'pdf', servedAs: 'application/pdf' },
  'text/plain': { kind: 'text', servedAs: 'text/plain; charset=utf-8' },
  'text/csv': { kind: 'text', servedAs: 'text/plain; charset=utf-8' },
  'audio/mpeg': { kind: 'audio', servedAs: 'audio/mpeg' },
  'audio/mp3': { kind: 'audio', servedAs: 'audio/mpeg' },
  'audio/wav': { kind: 'audio', servedAs: 'audio/wav' },
  'audio/x-wav': { kind: 'audio', servedAs: 'audio/wav' },
  'audio/wave': { kind: 'audio', servedAs: 'audio/wav' },
  'audio/ogg': { kind: 'audio', servedAs: 'audio/ogg' },
  'audio/opus': { kind: 'audio', servedAs: 'audio/ogg' },
  'audio/webm': { kind: 'audio', servedAs: 'audio/webm' },
  'audio/mp4': { kind: 'audio', servedAs: 'audio/mp4' },
  'audio/aac': { kind: 'audio', servedAs: 'audio/aac' },
  'audio/flac': { kind: 'audio', servedAs: 'audio/flac' },
  'video/mp4': { kind: 'video', servedAs: 'video/mp4' },
  'video/webm': { kind: 'video', servedAs: 'video/webm' },
};

export function previewOf(contentType: string | null | undefined): Preview | undefined {
  const base = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return Object.hasOwn(INLINE, base) ? INLINE[base] : undefined;
}
