/**
 * Export windows. `--from` and `--to` are UTC days, both included. The range [from 00:00, to+1 00:00) is cut into
 * consecutive half-open windows [start, end) of whole UTC days, at most MAX_WINDOW_DAYS long: each window starts
 * exactly where the previous one ended, so the windows tile the range with no gap and no overlap.
 *
 * Dixa does not document whether `created_after` / `created_before` are inclusive, so a window asks for
 * created_after = start − 1 ms and created_before = end (unix ms): under every reading that is a superset of
 * [start, end), and rows are then kept only when start ≤ created_at < end. A message on the stroke of midnight
 * therefore belongs to exactly one window. The extra millisecond is why windows stop at 30 days: the query then
 * spans 30 days + 1 ms, inside Dixa's 31-day limit.
 */
import { UsageError } from '../commons/errors.ts';

export const DAY_MS = 86_400_000;
export const MAX_WINDOW_DAYS = 30;
/** Dixa's own limit for one export query. */
export const MAX_QUERY_SPAN_MS = 31 * DAY_MS;

export interface Window {
  /** `2024-01-01..2024-01-30`: first and last day, both included (also the checkpoint id). */
  id: string;
  firstDay: string;
  lastDay: string;
  /** Inclusive start, unix ms. */
  startMs: number;
  /** Exclusive end, unix ms. */
  endMs: number;
}

const dayString = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** `YYYY-MM-DD` (a real calendar day) → its 00:00 UTC in unix ms. */
export function parseDay(value: string, flag: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (Number.isNaN(ms) || dayString(ms) !== value) {
    throw new UsageError(`${flag} ${JSON.stringify(value)} is not a date: use YYYY-MM-DD (a UTC day)`);
  }
  return ms;
}

export function today(now: number): string {
  return dayString(now);
}

/** The windows for `--from` .. `--to` (both UTC days, included). */
export function planWindows(from: string, to: string, windowDays = MAX_WINDOW_DAYS): Window[] {
  if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > MAX_WINDOW_DAYS) {
    throw new UsageError(`--window-days must be a whole number from 1 to ${MAX_WINDOW_DAYS}`);
  }
  const start = parseDay(from, '--from');
  const lastDay = parseDay(to, '--to');
  if (lastDay < start) throw new UsageError(`--to ${to} is before --from ${from}`);
  const end = lastDay + DAY_MS;
  const windows: Window[] = [];
  for (let s = start; s < end; s += windowDays * DAY_MS) {
    const e = Math.min(s + windowDays * DAY_MS, end);
    const first = dayString(s);
    const last = dayString(e - DAY_MS);
    windows.push({ id: `${first}..${last}`, firstDay: first, lastDay: last, startMs: s, endMs: e });
  }
  return windows;
}

/** The query parameters for one window (see the module comment for the 1 ms). */
export function exportQuery(window: Window): { created_after: string; created_before: string } {
  return { created_after: String(window.startMs - 1), created_before: String(window.endMs) };
}

/**
 * Whether an export row belongs to this window. A row without a usable `created_at` cannot be placed and is
 * kept: queueing a job twice is harmless, losing one is not.
 */
export function inWindow(window: Window, createdAt: unknown): boolean {
  const ms =
    typeof createdAt === 'number'
      ? createdAt
      : typeof createdAt === 'string' && /^\d{1,16}$/.test(createdAt)
        ? Number(createdAt)
        : Number.NaN;
  if (!Number.isFinite(ms)) return true;
  return ms >= window.startMs && ms < window.endMs;
}
