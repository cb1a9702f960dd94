/** The CLI helpers the compliance commands stand on: endpoints and local credentials, targets, output, confirmation. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chooseEndpoint, LOCAL_CREDENTIALS } from '../../../cli/shared/aws-endpoint.ts';
import { confirm, type Prompt } from '../../../cli/shared/confirm.ts';
import { parseFlags } from '../../../cli/shared/flags.ts';
import { formatBytes, formatTable, inert, inertText, wantsJson } from '../../../cli/shared/output.ts';
import { s3Target } from '../../../cli/shared/s3-target.ts';
import { UsageError, UserError } from '../../../lambdas/commons/errors.ts';

describe('chooseEndpoint', () => {
  it('leaves region and credentials to the AWS SDK without an endpoint', () => {
    expect(chooseEndpoint(undefined, undefined, {})).toEqual({ settings: {}, local: false });
    expect(chooseEndpoint(undefined, 'eu-west-1', {})).toEqual({ settings: { region: 'eu-west-1' }, local: false });
  });

  it('uses the emulator credentials and a region on loopback unless AWS credentials are set', () => {
    expect(chooseEndpoint('http://127.0.0.1:4569/', undefined, {})).toEqual({
      settings: { endpoint: 'http://127.0.0.1:4569', region: 'us-east-1', credentials: LOCAL_CREDENTIALS },
      local: true,
    });
    expect(
      chooseEndpoint('http://localhost:1', undefined, { AWS_PROFILE: 'dev' }).settings.credentials,
    ).toBeUndefined();
    expect(chooseEndpoint('http://sqs.us-east-1.localhost:1', 'eu-north-1', {}).settings.region).toBe('eu-north-1');
  });

  it('treats other hosts as real endpoints', () => {
    expect(chooseEndpoint('https://s3.example.com', undefined, {})).toEqual({
      settings: { endpoint: 'https://s3.example.com' },
      local: false,
    });
  });

  it.each(['127.0.0.1:4569', 'ftp://127.0.0.1', 'not a url'])('refuses the endpoint %j', (endpoint) => {
    expect(() => chooseEndpoint(endpoint, undefined, {})).toThrow(UsageError);
  });
});

describe('s3Target', () => {
  it('needs a bucket in AWS, defaults it in local mode, and normalizes the prefix', () => {
    expect(() => s3Target({}, {})).toThrow('--bucket is required (or set ARCHIVE_BUCKET)');
    expect(s3Target({ endpoint: 'http://127.0.0.1:1' }, {})).toMatchObject({
      bucket: 'dixa-archive',
      prefix: 'dixa',
      local: true,
    });
    expect(s3Target({ prefix: '/a/b/' }, { ARCHIVE_BUCKET: 'acme' })).toMatchObject({ bucket: 'acme', prefix: 'a/b' });
    expect(() => s3Target({ bucket: 'b', prefix: 'a/../b' }, {})).toThrow(UsageError);
  });
});

describe('parseFlags', () => {
  it('turns parse errors into usage errors', () => {
    expect(() => parseFlags(['--nope'], { json: { type: 'boolean' } })).toThrow(UsageError);
    expect(() => parseFlags(['positional'], { json: { type: 'boolean' } })).toThrow(UsageError);
    expect(parseFlags(['--c', '1', '--c', '2'], { c: { type: 'string', multiple: true } })).toEqual({ c: ['1', '2'] });
  });
});

describe('output', () => {
  it('prints JSON unless a person is at the terminal or --json is given', () => {
    expect(wantsJson(undefined, { isTTY: true })).toBe(false);
    expect(wantsJson(true, { isTTY: true })).toBe(true);
    expect(wantsJson(undefined, {})).toBe(true);
  });

  it('aligns a table', () => {
    const rows = [
      { name: 'a.pdf', size: 5 },
      { name: 'recording.mp3', size: 123456 },
    ];
    const table = formatTable(rows, [
      { header: 'NAME', value: (r) => r.name },
      { header: 'SIZE', value: (r) => formatBytes(r.size), align: 'right' },
    ]);
    expect(table.split('\n')).toEqual([
      'NAME                SIZE',
      'a.pdf                5 B',
      'recording.mp3  120.6 KiB',
    ]);
  });
});

describe('confirm', () => {
  const terminal = (answer: string): Prompt => {
    const input = new PassThrough();
    input.end(`${answer}\n`);
    return { interactive: true, input, output: new PassThrough() };
  };
  const ask = (prompt: Prompt, yes?: boolean) =>
    confirm({ yes, action: 'erase conversation 1', question: '? ', accept: (a) => a === '1', prompt });

  it('accepts --yes without asking', async () => {
    expect(await ask({ interactive: false, input: new PassThrough(), output: new PassThrough() }, true)).toBe(true);
  });

  it('asks at a terminal and goes on only on the expected answer', async () => {
    expect(await ask(terminal('1'))).toBe(true);
    expect(await ask(terminal('y'))).toBe(false);
    const closed = new PassThrough();
    closed.end();
    expect(await ask({ interactive: true, input: closed, output: new PassThrough() })).toBe(false);
  });

  it('refuses when nobody can be asked', async () => {
    const error = await ask({ interactive: false, input: new PassThrough(), output: new PassThrough() }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      'refusing to erase conversation 1 without confirmation: run it in a terminal or add --yes',
    );
  });
});

describe('inert: values are shown, never obeyed, by a terminal', () => {
  it.each([
    ['\u001b[2J', '\\x1B[2J'],
    ['\u001b]0;title\u0007', '\\x1B]0;title\\x07'],
    ['\u009b31m', '\\x9B31m'],
    ['a\nb\rc\td', 'a\\x0Ab\\x0Dc\\x09d'],
    ['\u007f\u0000', '\\x7F\\x00'],
    ['photo\u202egnp.exe', 'photo\\u202Egnp.exe'],
    ['\u2066x\u2069\u200b\u200f\ufeff\u2028', '\\u2066x\\u2069\\u200B\\u200F\\uFEFF\\u2028'],
    ['lone \ud800 and \udc00', 'lone \\uD800 and \\uDC00'],
    ['\uffff', '\\uFFFF'],
  ])('%j → %s', (value, shown) => {
    expect(inert(value)).toBe(shown);
  });

  it('leaves ordinary text alone: accents, CJK, emoji, U+FFFD', () => {
    for (const text of ['Straße.pdf', '請求書.pdf', 'party 🎉.png', 'a\uFFFDb', 'a\\x1Bb'])
      expect(inert(text)).toBe(text);
  });

  it('formatTable renders every cell inert, aligned by what is shown', () => {
    const table = formatTable([{ n: '\u001b[2Jx' }, { n: 'ok' }], [{ header: 'NAME', value: (r) => r.n }]);
    expect(table).toBe(['NAME', '\\x1B[2Jx', 'ok'].join('\n'));
  });

  it('inertText keeps its literal text and renders its values inert', () => {
    expect(inertText`line one\n  name: ${'a\nb'} (${3})`).toBe('line one\n  name: a\\x0Ab (3)');
  });
});
