import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { asLogRecord, installLogSink, type LogSink, renderPretty, withComponent } from '../../../cli/local/log.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe('renderPretty', () => {
  it('renders time, level, component, message and the interesting keys on one line', () => {
    const line = renderPretty({
      level: 'INFO',
      message: 'webhook queued',
      timestamp: '2025-03-14T09:26:53.589Z',
      service: 'dixa-archiver',
      cold_start: true,
      function_name: 'x',
      component: 'ingest',
      jobs: 2,
      eventId: 'e-1',
      reason: 'has spaces',
      links: [{ field: 'data.attachments[0]' }],
    });
    expect(line).toMatch(/^\d\d:\d\d:\d\d INFO {2}\[ingest\] webhook queued /);
    expect(line).toContain('jobs=2 eventId=e-1 reason="has spaces" links=[{"field":"data.attachments[0]"}]');
    expect(line).not.toMatch(/service=|cold_start|function_name|timestamp/);
    expect(line).not.toContain('\n');
  });

  it('shows a Powertools error as name, message and location, without the stack', () => {
    const line = renderPretty({
      level: 'ERROR',
      message: 'failed',
      error: { name: 'Error', message: 'socket hang up', location: 'fetch-file.ts:42', stack: 'Error: …\n    at x' },
    });
    expect(line).toContain('error="Error: socket hang up (fetch-file.ts:42)"');
    expect(line).not.toContain('at x');
  });
});

describe('asLogRecord', () => {
  it('recognizes a Powertools JSON record (also pretty-printed) and nothing else', () => {
    expect(asLogRecord(['{\n    "level": "INFO",\n    "message": "hi"\n}'])).toEqual({ level: 'INFO', message: 'hi' });
    expect(asLogRecord(['{"message":"no level"}'])).toBeUndefined();
    expect(asLogRecord(['plain text'])).toBeUndefined();
    expect(asLogRecord(['{"level":"INFO","message":"x"}', 'extra'])).toBeUndefined();
  });
});

describe('installLogSink', () => {
  let sink: LogSink | undefined;
  afterEach(() => sink?.restore());

  it('re-renders the handlers’ console output as pretty lines, warnings and errors on stderr', () => {
    const out = capture();
    const err = capture();
    sink = installLogSink({ format: 'pretty', stdout: out.stream, stderr: err.stream });
    withComponent('archiver', () => {
      console.info(JSON.stringify({ level: 'INFO', message: 'archived', key: 'dixa/a' }, null, 4));
      console.warn(JSON.stringify({ level: 'WARN', message: 'retrying' }));
    });
    console.log('a library line', { n: 1 });
    console.error('(node:123) Warning: NodeVersionSupportWarning: upgrade');
    console.error('a real error');
    sink.log.info('ready', { port: 3000 });
    sink.restore();
    expect(out.lines).toHaveLength(3);
    expect(out.lines[0]).toMatch(/INFO {2}\[archiver\] archived key=dixa\/a$/);
    expect(out.lines[1]).toMatch(/INFO {2}\[local\] a library line \{ n: 1 \}$/);
    expect(out.lines[2]).toMatch(/INFO {2}\[local\] ready port=3000$/);
    expect(err.lines).toHaveLength(3);
    expect(err.lines[0]).toMatch(/WARN {2}\[archiver\] retrying$/);
    expect(err.lines[1]).toMatch(/WARN {2}\[local\] \(node:123\) Warning: NodeVersionSupportWarning: upgrade$/);
    expect(err.lines[2]).toMatch(/ERROR \[local\] a real error$/);
  });

  it('writes compact JSON lines in json format, and nothing when silent', () => {
    const out = capture();
    sink = installLogSink({ format: 'json', stdout: out.stream, stderr: out.stream });
    withComponent('ingest', () => console.info(JSON.stringify({ level: 'INFO', message: 'queued', jobs: 2 }, null, 4)));
    sink.restore();
    expect(out.lines.map((l) => JSON.parse(l))).toEqual([
      { level: 'INFO', message: 'queued', jobs: 2, component: 'ingest' },
    ]);

    const none = capture();
    sink = installLogSink({ format: 'silent', stdout: none.stream, stderr: none.stream });
    console.info(JSON.stringify({ level: 'INFO', message: 'x' }));
    console.error('y');
    sink.log.error('z');
    sink.restore();
    expect(none.lines).toEqual([]);
  });

  it('renders the real Powertools Logger in dev mode (as local mode configures it)', async () => {
    process.env.POWERTOOLS_DEV = 'true';
    const { Logger } = await import('@aws-lambda-powertools/logger');
    const logger = new Logger({ serviceName: 'dixa-archiver' });
    const out = capture();
    sink = installLogSink({ format: 'pretty', stdout: out.stream, stderr: out.stream });
    withComponent('ingest', () => logger.info('webhook queued', { jobs: 2 }));
    sink.restore();
    process.env.POWERTOOLS_DEV = 'false';
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}\[ingest\] webhook queued jobs=2$/);
  });

  it('puts the console back on restore', () => {
    const before = console.info;
    sink = installLogSink({ format: 'silent' });
    expect(console.info).not.toBe(before);
    sink.restore();
    expect(console.info).toBe(before);
  });
});
