/**
 * Local mode's log sink. The handlers log through the Powertools Logger, which (with POWERTOOLS_DEV=true) writes
 * each record as a JSON string through the global console. The sink wraps the console methods and re-renders
 * those records: one short line per record on a terminal (`12:34:56 INFO  [archiver] archived key=…`), one compact
 * JSON line otherwise (so `npm start | jq` works), or nothing (tests). Local mode's own messages go through the
 * same renderer, and every line names the component (ingest, archiver, local) that wrote it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { inspect } from 'node:util';

export type LogFormat = 'pretty' | 'json' | 'silent';
export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
type Fields = Record<string, unknown>;

export interface LocalLog {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

const component = new AsyncLocalStorage<string>();

/** Runs `fn` so that every log line it causes (also from libraries) is labelled with `name`. */
export function withComponent<T>(name: string, fn: () => T): T {
  return component.run(name, fn);
}

/** Powertools keys that are noise on a developer's terminal (they describe the Lambda, not the event). */
const HIDDEN_IN_PRETTY = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'sampling_rate',
  'xray_trace_id',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'function_version',
  'component',
]);

const COLORS: Record<string, string> = { DEBUG: '\x1b[90m', INFO: '\x1b[36m', WARN: '\x1b[33m', ERROR: '\x1b[31m' };
const RESET = '\x1b[0m';

/** `HH:MM:SS LEVEL [component] message key=value …` (local time: it is for the person at the terminal). */
export function renderPretty(record: Fields, color = false): string {
  const level = String(record.level ?? 'INFO').toUpperCase();
  const at = typeof record.timestamp === 'string' ? new Date(record.timestamp) : new Date();
  const time = (Number.isNaN(at.getTime()) ? new Date() : at).toTimeString().slice(0, 8);
  const who = typeof record.component === 'string' ? ` [${record.component}]` : '';
  const pairs = Object.entries(record)
    .filter(([key, value]) => !HIDDEN_IN_PRETTY.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const levelText = level.padEnd(5);
  const head = color ? `${COLORS[level] ?? ''}${levelText}${RESET}` : levelText;
  return [`${time} ${head}${who} ${String(record.message ?? '')}`, ...pairs].join(' ');
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value !== null && typeof value === 'object' && 'message' in value && 'name' in value) {
    // A Powertools-formatted error: name, message, location; the stack is in the JSON output, not here.
    const error = value as { name: unknown; message: unknown; location?: unknown };
    const where = typeof error.location === 'string' && error.location ? ` (${error.location})` : '';
    return JSON.stringify(`${String(error.name)}: ${String(error.message)}${where}`);
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Parses a console argument as a Powertools log record; undefined when it is anything else. */
export function asLogRecord(args: unknown[]): Fields | undefined {
  if (args.length !== 1 || typeof args[0] !== 'string') return undefined;
  const text = args[0].trimStart();
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value !== null && typeof value === 'object' && 'level' in value && 'message' in value) return value as Fields;
  } catch {
    // not JSON: an ordinary console line
  }
  return undefined;
}

export interface LogSink {
  log: LocalLog;
  /** Puts the console methods back. */
  restore(): void;
}

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';
const METHODS: ConsoleMethod[] = ['log', 'info', 'warn', 'error', 'debug', 'trace'];

export interface SinkOptions {
  format: LogFormat;
  color?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Minimum level for local mode's own messages (the handlers' level is POWERTOOLS_LOG_LEVEL). */
  level?: Level;
}

/** Node prints its process warnings (e.g. the AWS SDK's Node version notice) with console.error: they are warnings. */
function plainLevel(method: ConsoleMethod, message: string): Level {
  if (method === 'warn' || (method === 'error' && /^\(node:\d+\) (\[\w+\] )?\w*Warning\b/.test(message))) return 'WARN';
  return method === 'error' ? 'ERROR' : 'INFO';
}

const RANK: Record<Level, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

/** Installs the sink on the global console (once per process; `restore` undoes it). */
export function installLogSink(options: SinkOptions): LogSink {
  const { format, color = false, stdout = process.stdout, stderr = process.stderr, level = 'INFO' } = options;
  const original = Object.fromEntries(METHODS.map((m) => [m, console[m]])) as Record<ConsoleMethod, unknown>;

  const write = (record: Fields) => {
    if (format === 'silent') return;
    const full = record.component === undefined ? { ...record, component: component.getStore() ?? 'local' } : record;
    const line = format === 'pretty' ? renderPretty(full, color) : JSON.stringify(full);
    const severity = String(full.level ?? '').toUpperCase();
    (severity === 'WARN' || severity === 'ERROR' || severity === 'CRITICAL' ? stderr : stdout).write(`${line}\n`);
  };

  for (const method of METHODS) {
    console[method] = (...args: unknown[]) => {
      const record = asLogRecord(args);
      if (record) return write(record);
      if (format === 'silent') return;
      // Anything else (a library's own console output) keeps its text, labelled like our records.
      const message = args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 4 }))).join(' ');
      write({ level: plainLevel(method, message), message });
    };
  }

  const at =
    (lvl: Level) =>
    (message: string, fields: Fields = {}) => {
      if (RANK[lvl] < RANK[level]) return;
      write({ level: lvl, message, timestamp: new Date().toISOString(), ...fields });
    };
  return {
    log: { debug: at('DEBUG'), info: at('INFO'), warn: at('WARN'), error: at('ERROR') },
    restore() {
      for (const method of METHODS) (console as unknown as Record<string, unknown>)[method] = original[method];
    },
  };
}
