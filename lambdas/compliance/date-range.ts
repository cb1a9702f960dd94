/**
 * Date ranges for listing, in UTC (`--from`/`--to` on the message's date, `--archived-from`/`--archived-to` on the
 * archive date). A bare date in the upper bound includes that whole day.
 */
import { UsageError } from '../commons/errors.ts';

export interface DateRange {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  before?: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Slack for clock differences between the archiver and S3 when pruning by an object's LastModified. */
const CLOCK_SLACK_MS = 60 * 60 * 1000;

/** `labels` name the two bounds in error messages as the caller's person knows them (flags, or form fields). */
export function parseDateRange(
  from: string | undefined,
  to: string | undefined,
  labels = { from: '--from', to: '--to' },
): DateRange {
  const range: DateRange = {};
  if (from !== undefined) range.from = parseBound(from, labels.from);
  if (to !== undefined) {
    const end = parseBound(to, labels.to);
    range.before = new Date(end.getTime() + (isBareDate(to) ? DAY_MS : 1));
  }
  if (range.from && range.before && range.from >= range.before) {
    throw new UsageError(`${labels.from} must be before ${labels.to}`);
  }
  return range;
}

export const isBounded = (range: DateRange) => Boolean(range.from || range.before);

export function inRange(range: DateRange, iso: string): boolean {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return false;
  return (!range.from || time >= range.from.getTime()) && (!range.before || time < range.before.getTime());
}

/**
 * A record is written after its file was archived, and a file is archived after its message was created, so a
 * record last modified before `from` cannot describe a file of that range, by either date: it need not be read.
 */
export function cannotBeInRange(range: DateRange, lastModified: Date | undefined): boolean {
  return Boolean(range.from && lastModified && lastModified.getTime() < range.from.getTime() - CLOCK_SLACK_MS);
}

const isBareDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);

function parseBound(value: string, flag: string): Date {
  const iso = isBareDate(value) ? `${value}T00:00:00Z` : value;
  const time = /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:\d{2})$/.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(
      `${flag} must be a date (2024-05-31) or a UTC time (2024-05-31T12:00:00Z), got ${JSON.stringify(value)}`,
    );
  }
  return new Date(time);
}
