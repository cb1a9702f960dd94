/**
 * Results go to stdout: an aligned table for a person at a terminal, JSON for everything else (pipes, scripts).
 * `--json` forces JSON. Messages for the person (plans, progress, summaries) go to stderr.
 */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
}

export function wantsJson(json: boolean | undefined, stdout: { isTTY?: boolean } = process.stdout): boolean {
  return json === true || !stdout.isTTY;
}

export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((value, i) => (columns[i]!.align === 'right' ? value.padStart(widths[i]!) : value.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

export function printResult<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  json: boolean,
  asJson: unknown = rows,
) {
  process.stdout.write(json ? `${JSON.stringify(asJson, null, 2)}\n` : `${formatTable(rows, columns)}\n`);
}

export function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
