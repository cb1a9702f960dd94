/**
 * The Content-Type an archived file is stored with: what files.dixa.io says, unless that is missing, malformed or
 * merely `application/octet-stream`; then the type the job carried (from the webhook), then one guessed from the
 * file name's extension; `application/octet-stream` as the last resort.
 */
const MEDIA_TYPE =
  /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;[\x20-\x7e]*)?$/;
const GENERIC = new Set(['application/octet-stream', 'binary/octet-stream', 'application/unknown']);
export const FALLBACK_CONTENT_TYPE = 'application/octet-stream';

const BY_EXTENSION: Record<string, string> = {
  aac: 'audio/aac',
  avi: 'video/x-msvideo',
  bmp: 'image/bmp',
  csv: 'text/csv',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  eml: 'message/rfc822',
  flac: 'audio/flac',
  gif: 'image/gif',
  gz: 'application/gzip',
  heic: 'image/heic',
  htm: 'text/html',
  html: 'text/html',
  ics: 'text/calendar',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  json: 'application/json',
  m4a: 'audio/mp4',
  mov: 'video/quicktime',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  msg: 'application/vnd.ms-outlook',
  odt: 'application/vnd.oasis.opendocument.text',
  oga: 'audio/ogg',
  ogg: 'audio/ogg',
  opus: 'audio/opus',
  pdf: 'application/pdf',
  png: 'image/png',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  rtf: 'application/rtf',
  svg: 'image/svg+xml',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  txt: 'text/plain',
  wav: 'audio/wav',
  weba: 'audio/webm',
  webm: 'video/webm',
  webp: 'image/webp',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  xml: 'application/xml',
  zip: 'application/zip',
};

export interface ContentTypeHints {
  /** The type the job carried, if any. */
  contentType?: string;
  /** Names to guess from, best first: the job's original name, the link's last segment. */
  names: (string | undefined)[];
}

export function chooseContentType(served: string | undefined, hints: ContentTypeHints): string {
  const fromServer = validMediaType(served);
  if (fromServer && !isGeneric(fromServer)) return fromServer;
  const fromJob = validMediaType(hints.contentType);
  if (fromJob && !isGeneric(fromJob)) return fromJob;
  for (const name of hints.names) {
    const guessed = name ? contentTypeFromName(name) : undefined;
    if (guessed) return guessed;
  }
  return fromServer ?? FALLBACK_CONTENT_TYPE;
}

export function contentTypeFromName(name: string): string | undefined {
  const match = /\.([A-Za-z0-9]{1,8})$/.exec(name.trim());
  return match ? BY_EXTENSION[match[1]!.toLowerCase()] : undefined;
}

function validMediaType(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed && trimmed.length <= 256 && MEDIA_TYPE.test(trimmed) ? trimmed : undefined;
}

const isGeneric = (type: string) => GENERIC.has(type.split(';')[0]!.trim().toLowerCase());
