import { describe, expect, it } from 'vitest';
import { chooseContentType, contentTypeFromName } from '../../../lambdas/archiver/content-type.ts';

describe('chooseContentType', () => {
  it.each([
    ['a specific served type wins', 'audio/mpeg', {}, ['x.pdf'], 'audio/mpeg'],
    ['parameters are kept', 'text/plain; charset=utf-8', {}, [], 'text/plain; charset=utf-8'],
    [
      'octet-stream falls back to the job type',
      'application/octet-stream',
      { contentType: 'image/png' },
      ['x.pdf'],
      'image/png',
    ],
    ['missing falls back to the name', undefined, {}, ['Report.PDF'], 'application/pdf'],
    ['malformed falls back to the name', 'not a type', {}, ['a.jpg'], 'image/jpeg'],
    ['header injection attempt is not a type', 'text/html\r\nX: y', {}, ['a.png'], 'image/png'],
    ['the link name when the job has none', undefined, {}, [undefined, 'call.mp3'], 'audio/mpeg'],
    ['a malformed job type is ignored', undefined, { contentType: '???' }, ['a.wav'], 'audio/wav'],
    [
      'octet-stream as served when nothing better is known',
      'application/octet-stream',
      {},
      ['blob'],
      'application/octet-stream',
    ],
    ['the last resort', undefined, {}, ['blob'], 'application/octet-stream'],
  ])('%s', (_label, served, job, names, expected) => {
    expect(chooseContentType(served, { ...job, names })).toBe(expected);
  });
});

describe('contentTypeFromName', () => {
  it('reads the last extension only, case-insensitively', () => {
    expect(contentTypeFromName('archive.tar.gz')).toBe('application/gzip');
    expect(contentTypeFromName('VOICEMAIL.WAV')).toBe('audio/wav');
    expect(contentTypeFromName('no-extension')).toBeUndefined();
    expect(contentTypeFromName('weird.unknownext')).toBeUndefined();
  });
});
