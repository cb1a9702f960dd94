import { describe, expect, it } from 'vitest';
import { createSecretScanner } from './scanner.ts';

// Built at run time, so this file's own output (on failure) never holds a literal the run-wide check knows.
const token = ['unit', 'scanner', 'token', '42'].join('-');
const secret = 'c0ffee'.repeat(8);
const basic = `Basic ${Buffer.from(`bearer:${token}`).toString('base64')}`;
const scanner = createSecretScanner([token, secret, 'short']);
const rules = (text: string) => scanner.scan(text).map((f) => f.rule);

describe('secret scanner', () => {
  it.each([
    ['a known token', `request failed token=${token}`, ['known secret #1']],
    ['a known signing secret inside JSON', JSON.stringify({ level: 'INFO', secret }), ['known secret #2']],
    [
      'Dixa Basic credentials, with or without the scheme',
      `${basic} and ${basic.slice(6)}`,
      ['Basic bearer: credentials', 'Basic bearer: credentials'],
    ],
    ['a Bearer token', 'GET /v1/x with Bearer eyJhbGciOi.J9e30.abc123', ['Bearer token']],
    ['a raw Authorization header', 'Authorization: Token abc', ['Authorization header value']],
    ['a JSON header dump', '{"headers":{"authorization":"Basic Zm9vOmJhcg=="}}', ['Authorization value in a dump']],
    [
      'a util.inspect header dump',
      "{ headers: { Authorization: 'whatever-it-is' } }",
      ['Authorization value in a dump'],
    ],
  ])('finds %s', (_, text, expected) => {
    expect(rules(text).sort()).toEqual([...expected].sort());
  });

  it.each([
    ['prose about authorization', 'no Authorization header was sent to the storage server'],
    ['presence flags', '{"authorized":true,"authorization":"present"} { authorization: "[REDACTED]" }'],
    ['Bearer in prose', 'reads the export with a Bearer token and the message API with the bare token'],
    ['secrets below the minimum length', 'short answers'],
    ['ordinary log lines', '{"level":"INFO","message":"archived","key":"dixa/conversations/1/ab/file.pdf"}'],
  ])('ignores %s', (_, text) => {
    expect(rules(text)).toEqual([]);
  });

  it('never repeats the secret in its findings, even next to another one', () => {
    const line = `token=${token} auth="${basic}" secret=${secret}`;
    const findings = scanner.scan(line);
    expect(findings.length).toBeGreaterThanOrEqual(3);
    for (const { excerpt } of findings) {
      expect(excerpt).toContain('[masked]');
      for (const value of [token, secret, basic.slice(6), basic.slice(6, 20)]) expect(excerpt).not.toContain(value);
    }
  });
});
