import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../lambdas/commons/errors.ts';
import {
  DAY_MS,
  exportQuery,
  inWindow,
  MAX_QUERY_SPAN_MS,
  MAX_WINDOW_DAYS,
  parseDay,
  planWindows,
} from '../../../lambdas/dixa/windows.ts';

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayArb = fc
  .integer({ min: Date.UTC(2012, 0, 1) / DAY_MS, max: Date.UTC(2032, 0, 1) / DAY_MS })
  .map((d) => d * DAY_MS);

describe('parseDay', () => {
  it('reads a UTC calendar day', () => {
    expect(parseDay('2024-02-29', '--from')).toBe(Date.UTC(2024, 1, 29));
  });

  it.each(['2024-02-30', '2023-02-29', '2024-13-01', '2024-1-1', '2024-01-01T00:00:00Z', 'yesterday', ''])(
    'rejects %j with a one-line usage error naming the flag',
    (value) => {
      expect(() => parseDay(value, '--to')).toThrow(UsageError);
      expect(() => parseDay(value, '--to')).toThrow(/^--to ".*" is not a date: use YYYY-MM-DD/);
    },
  );
});

describe('planWindows', () => {
  it('cuts 2024 into 30-day windows whose last one is shorter', () => {
    const windows = planWindows('2024-01-01', '2024-12-31');
    expect(windows).toHaveLength(13);
    expect(windows[0]).toMatchObject({ id: '2024-01-01..2024-01-30', firstDay: '2024-01-01', lastDay: '2024-01-30' });
    expect(windows[1]!.firstDay).toBe('2024-01-31');
    expect(windows.at(-1)).toMatchObject({ firstDay: '2024-12-26', lastDay: '2024-12-31' });
  });

  it('handles a one-day range', () => {
    const [only, ...rest] = planWindows('2024-02-29', '2024-02-29');
    expect(rest).toEqual([]);
    expect(only).toMatchObject({
      startMs: Date.UTC(2024, 1, 29),
      endMs: Date.UTC(2024, 2, 1),
      id: '2024-02-29..2024-02-29',
    });
  });

  it('tiles any range exactly with windows of whole days, never longer than asked, never a query over 31 days', () => {
    fc.assert(
      fc.property(
        dayArb,
        fc.integer({ min: 0, max: 900 }),
        fc.integer({ min: 1, max: MAX_WINDOW_DAYS }),
        (from, extra, size) => {
          const to = from + extra * DAY_MS;
          const windows = planWindows(day(from), day(to), size);
          expect(windows[0]!.startMs).toBe(from);
          expect(windows.at(-1)!.endMs).toBe(to + DAY_MS);
          windows.forEach((w, i) => {
            if (i > 0) expect(w.startMs).toBe(windows[i - 1]!.endMs);
            expect(w.endMs).toBeGreaterThan(w.startMs);
            expect((w.endMs - w.startMs) % DAY_MS).toBe(0);
            expect(w.endMs - w.startMs).toBeLessThanOrEqual(size * DAY_MS);
            const query = exportQuery(w);
            expect(Number(query.created_before) - Number(query.created_after)).toBeLessThanOrEqual(MAX_QUERY_SPAN_MS);
            expect(w.firstDay).toBe(day(w.startMs));
            expect(w.lastDay).toBe(day(w.endMs - DAY_MS));
          });
          expect(new Set(windows.map((w) => w.id)).size).toBe(windows.length);
        },
      ),
    );
  });

  it('puts every instant of the range in exactly one window, however Dixa reads the query bounds', () => {
    const readings = {
      'both inclusive': (t: number, a: number, b: number) => t >= a && t <= b,
      'both exclusive': (t: number, a: number, b: number) => t > a && t < b,
      'after exclusive, before inclusive': (t: number, a: number, b: number) => t > a && t <= b,
      'after inclusive, before exclusive': (t: number, a: number, b: number) => t >= a && t < b,
    };
    fc.assert(
      fc.property(
        dayArb,
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1, max: MAX_WINDOW_DAYS }),
        fc.nat(),
        fc.constantFrom(...Object.values(readings)),
        (from, extra, size, offset, returned) => {
          const windows = planWindows(day(from), day(from + extra * DAY_MS), size);
          const span = windows.at(-1)!.endMs - from;
          // Bias towards window edges, where gaps and overlaps would hide.
          const edge = windows[offset % windows.length]!.startMs;
          for (const t of [from + (offset % span), edge, edge - 1, edge + 1, from + span - 1]) {
            if (t < from || t >= from + span) continue;
            const owners = windows.filter((w) => {
              const q = exportQuery(w);
              return returned(t, Number(q.created_after), Number(q.created_before)) && inWindow(w, t);
            });
            expect(owners).toHaveLength(1);
          }
        },
      ),
    );
  });

  it('rejects --to before --from, and window sizes outside 1..30', () => {
    expect(() => planWindows('2024-02-01', '2024-01-31')).toThrow('--to 2024-01-31 is before --from 2024-02-01');
    for (const size of [0, 31, 2.5, Number.NaN]) {
      expect(() => planWindows('2024-01-01', '2024-12-31', size)).toThrow(
        '--window-days must be a whole number from 1 to 30',
      );
    }
  });
});

describe('inWindow', () => {
  const [w] = planWindows('2024-03-01', '2024-03-30');

  it('keeps [start, end) and drops the instants just outside', () => {
    expect(inWindow(w!, w!.startMs)).toBe(true);
    expect(inWindow(w!, w!.endMs - 1)).toBe(true);
    expect(inWindow(w!, w!.startMs - 1)).toBe(false);
    expect(inWindow(w!, w!.endMs)).toBe(false);
    expect(inWindow(w!, String(w!.startMs))).toBe(true);
  });

  it('keeps rows whose time cannot be read rather than losing them', () => {
    for (const value of [undefined, null, 'yesterday', Number.NaN, {}]) expect(inWindow(w!, value)).toBe(true);
  });
});
