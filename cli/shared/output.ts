/**
 * Results go to stdout: an aligned table for a person at a terminal, JSON for everything else (pipes, scripts).
 * `--json` forces JSON. Messages for the person (plans, progress, summaries) go to stderr.
 *
 * Text for a terminal is inert by construction: a value from Dixa or the archive (a file name, a reason, a link)
 * can hold escape sequences that would rewrite or hide what a person reads — the erase plan above all. Table cells
 * and the values interpolated into `say`, `out` and `inertText` templates are rendered with `inert()`; only the
 * literal text of a template is written as is. JSON output is exact (JSON escapes control characters itself).
 */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
}

export function wantsJson(json: boolean | undefined, stdout: { isTTY?: boolean } = process.stdout): boolean {
  return json === true || !stdout.isTTY;
}

/**
 * Characters that act on a terminal or on how text reads instead of showing: C0 and C1 controls (ESC, CSI, BEL,
 * backspace, carriage return, newline...), DEL, bidirectional overrides and isolates, zero-width characters, line
 * and paragraph separators, the BOM, noncharacters U+FFFE/U+FFFF and lone surrogates.
 */
const ACTIVE =
  /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF\uFFF9-\uFFFB\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A value as a terminal may show it: every active character written visibly, e.g. ESC as `\x1B`, U+202E as `\u202E`. */
export function inert(value: unknown): string {
  return String(value).replace(ACTIVE, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100 ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
  });
}

const hex = (code: number, width: number) => code.toString(16).toUpperCase().padStart(width, '0');

/** A template whose interpolated values are rendered inert; its literal text is kept as written. */
export function inertText(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((text, literal, i) => text + literal + (i < values.length ? inert(values[i]) : ''), '');
}

export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => inert(column.value(row))));
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

/** One message line for the person on stderr: say`Erased ${count} object(s) of ${name}` (values rendered inert). */
export function say(strings: TemplateStringsArray, ...values: unknown[]): void {
  process.stderr.write(`${inertText(strings, ...values)}\n`);
}

/** One result line on stdout, the same way. */
export function out(strings: TemplateStringsArray, ...values: unknown[]): void {
  process.stdout.write(`${inertText(strings, ...values)}\n`);
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
