/** How the archive reader pairs files with records, names exports, and reads date ranges. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../lambdas/commons/errors.ts';
import { checkConversationId, pairObjects, type StoredObject } from '../../../lambdas/compliance/archive.ts';
import { cannotBeInRange, inRange, parseDateRange } from '../../../lambdas/compliance/date-range.ts';
import { nameKey, uniqueName } from '../../../lambdas/compliance/export.ts';

const objects = (...keys: string[]): StoredObject[] => keys.map((key) => ({ key, size: 1 }));
const shape = (pairs: ReturnType<typeof pairObjects>) =>
  pairs.map((p) => ({ file: p.file?.key, record: p.record?.key, ambiguous: p.ambiguous?.key }));

describe('pairObjects', () => {
  it('pairs every file with the record beside it', () => {
    expect(
      shape(pairObjects(objects('c/1/h1/a.pdf.json', 'c/1/h1/a.pdf', 'c/1/h2/b.mp3', 'c/1/h2/b.mp3.json'))),
    ).toEqual([
      { file: 'c/1/h1/a.pdf', record: 'c/1/h1/a.pdf.json', ambiguous: undefined },
      { file: 'c/1/h2/b.mp3', record: 'c/1/h2/b.mp3.json', ambiguous: undefined },
    ]);
  });

  it('pairs a file that is itself JSON with its own record', () => {
    expect(shape(pairObjects(objects('c/1/h/data.json.json', 'c/1/h/data.json')))).toEqual([
      { file: 'c/1/h/data.json', record: 'c/1/h/data.json.json', ambiguous: undefined },
    ]);
  });

  it('keeps a file without record, and a lone .json whose role only its content can tell', () => {
    expect(shape(pairObjects(objects('c/1/h/a.pdf', 'c/1/g/b.mp3.json')))).toEqual([
      { file: undefined, record: undefined, ambiguous: 'c/1/g/b.mp3.json' },
      { file: 'c/1/h/a.pdf', record: undefined, ambiguous: undefined },
    ]);
  });
});

describe('checkConversationId', () => {
  it.each(['4711', '0', '12345678901234567890'])('accepts the csid %s', (id) => {
    expect(checkConversationId(id)).toBe(id);
  });
  it.each(['', '../4711', '47 11', '4711/', 'abc', '123456789012345678901'])('refuses %j', (id) => {
    expect(() => checkConversationId(id)).toThrow(UsageError);
  });
});

describe('uniqueName', () => {
  it('numbers names that collide, ignoring case, keeping the extension', () => {
    const taken = new Set(['manifest.json']);
    expect(['a.pdf', 'A.pdf', 'a.pdf', 'notes', 'notes', 'Manifest.json'].map((n) => uniqueName(n, taken))).toEqual([
      'a.pdf',
      'A (2).pdf',
      'a (3).pdf',
      'notes',
      'notes (2)',
      'Manifest (2).json',
    ]);
  });

  // Pairs one name on a case-insensitive, normalization-insensitive disk (APFS, NTFS): toLowerCase() keeps them apart.
  it.each([
    ['σ/ς (final sigma)', 'οδος.txt', 'οδοσ.txt'],
    ['Σ/ς', 'ΟΔΟΣ.txt', 'οδος.txt'],
    ['ſ/s (long s)', 'ſtrasse.txt', 'strasse.txt'],
    ['ß/ss', 'straße.txt', 'STRASSE.txt'],
    ['ẞ/ss (capital sharp s)', 'STRAẞE.txt', 'strasse.txt'],
    ['µ/μ (micro sign)', 'µm.txt', 'μm.txt'],
    ['K/K (Kelvin sign)', 'K.txt', 'k.txt'],
    ['Å/å (Ångström sign)', 'Å.txt', 'å.txt'],
    ['é composed/decomposed', 'café.txt', 'café.txt'],
    ['ﬁ/fi (ligature)', 'ﬁle.txt', 'FILE.txt'],
    ['İ/i̇ (dotted capital I)', 'İ.txt', 'i̇.txt'],
  ])('keeps %s apart', (_, first, second) => {
    const taken = new Set<string>();
    expect([uniqueName(first, taken), uniqueName(second, taken)]).toEqual([first, second.replace('.txt', ' (2).txt')]);
    expect(nameKey(first)).toBe(nameKey(second));
  });

  it('does not fold names that differ on every disk', () => {
    for (const [a, b] of [
      ['a.txt', 'b.txt'],
      ['2.txt', '².txt'],
    ]) {
      expect(nameKey(a!)).not.toBe(nameKey(b!));
    }
  });
});

describe('date ranges', () => {
  it('includes the whole --to day for a bare date', () => {
    const range = parseDateRange('2024-05-01', '2024-05-31');
    expect(inRange(range, '2024-04-30T23:59:59.999Z')).toBe(false);
    expect(inRange(range, '2024-05-01T00:00:00.000Z')).toBe(true);
    expect(inRange(range, '2024-05-31T23:59:59.999Z')).toBe(true);
    expect(inRange(range, '2024-06-01T00:00:00.000Z')).toBe(false);
  });

  it('treats a --to time as inclusive, and open ends as open', () => {
    expect(inRange(parseDateRange(undefined, '2024-05-01T12:00:00Z'), '2024-05-01T12:00:00.000Z')).toBe(true);
    expect(inRange(parseDateRange(undefined, '2024-05-01T12:00:00Z'), '2024-05-01T12:00:00.001Z')).toBe(false);
    expect(inRange(parseDateRange('2024-05-01', undefined), '2099-01-01T00:00:00Z')).toBe(true);
  });

  it.each([
    ['yesterday', undefined],
    ['2024-13-01', undefined],
    ['2024-05-01T12:00:00', undefined], // no zone: would silently mean local time
    ['2024-05-02', '2024-05-01'],
  ])('refuses --from %j --to %j', (from, to) => {
    expect(() => parseDateRange(from, to)).toThrow(UsageError);
  });

  it('skips only records written well before the range starts', () => {
    const range = parseDateRange('2024-05-01', undefined);
    expect(cannotBeInRange(range, new Date('2024-04-29T00:00:00Z'))).toBe(true);
    expect(cannotBeInRange(range, new Date('2024-04-30T23:30:00Z'))).toBe(false); // within the clock slack
    expect(cannotBeInRange(range, undefined)).toBe(false);
    expect(cannotBeInRange(parseDateRange(undefined, '2024-05-01'), new Date(0))).toBe(false);
  });
});
