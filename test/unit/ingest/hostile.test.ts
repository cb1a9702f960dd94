/**
 * The hostile-webhook corpus (test/fixtures/hostile/*.json): every case is delivered to the ingest handler as API
 * Gateway would deliver it, and must get exactly its expected status, exactly its expected jobs on the queue
 * (usually none, or only the good link next to the bad one), no stack trace, no secret in the logs and no pollution
 * of Object.prototype. The case format is described in test/fixtures/hostile/README.md.
 */
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { computeSignature } from '../../../lambdas/core/signature.ts';
import { TEST_WEBHOOK_SECRET, webhookEvent, webhookFixture } from '../../fixtures/apigw/webhook-event.ts';
import { captureOutput, fakeQueue, ingestHandler } from './harness.ts';

interface SignatureSpec {
  /** Header template: `{t}` is the timestamp, `{v1}` the right digest, `{v1:<variant>}` a deliberately wrong one; null removes the header. */
  header?: string | null;
  offsetMs?: number;
  secret?: string;
  signedBody?: string;
  extraHeaders?: Record<string, string>;
}

interface HostileCase {
  name: string;
  why: string;
  attachments?: unknown[];
  webhook?: unknown;
  bodyText?: string;
  generate?: {
    kind: keyof typeof GENERATORS;
    depth?: number;
    count?: number;
    keys?: number;
    chars?: number;
    bytes?: number;
  };
  encode?: 'utf8-bom' | 'utf16le-bom' | 'utf16be' | 'latin1';
  replaceBytes?: Record<string, string>;
  delivery?: 'base64' | 'base64-with-newlines' | 'base64url' | 'base64-unpadded';
  signature?: SignatureSpec;
  expect: { status: number; error?: string; errorPrefix?: string; jobs: string[]; rejected?: string[] };
  expectJob?: Record<string, unknown>;
  expectParticipants?: Record<string, unknown>;
}

const DIR = new URL('../../fixtures/hostile/', import.meta.url);
const corpus: { file: string; case: HostileCase }[] = readdirSync(DIR)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .flatMap((file) =>
    (JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as HostileCase[]).map((c) => ({ file, case: c })),
  );

const GOOD = '/private/hostile/good.png';
const HOLE = '"@@hole@@"';

/** A CONVERSATION_MESSAGE_ADDED body (the no-attachments fixture) with these attachments, as JSON text. */
function messageText(attachments: unknown[], extraData: Record<string, unknown> = {}): string {
  const webhook = webhookFixture<{ data: Record<string, unknown> }>('message-added-no-attachments');
  Object.assign(webhook.data, extraData, { attachments });
  return JSON.stringify(webhook);
}

const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const hole = (text: string, fill: string) => text.replace(HOLE, fill);

/** Bodies too big or too deep to keep as fixture text; each holds the good link unless it replaces the envelope. */
const GENERATORS = {
  nestedArrayAttachment: (g: { depth?: number }) => hole(messageText([GOOD, '@@hole@@']), nestedArrays(g.depth!)),
  nestedObjectUrl: (g: { depth?: number }) => hole(messageText([GOOD, { url: '@@hole@@' }]), nestedObjects(g.depth!)),
  nestedUnknownField: (g: { depth?: number }) =>
    hole(messageText([GOOD], { extra: '@@hole@@' }), nestedArrays(g.depth!)),
  nestedTopLevel: (g: { depth?: number }) => nestedArrays(g.depth!),
  repeatedLink: (g: { count?: number }) => messageText(Array(g.count!).fill(GOOD)),
  distinctLinks: (g: { count?: number }) =>
    messageText([GOOD, ...Array.from({ length: g.count! }, (_, i) => `/private/hostile/${i}.png`)]),
  nonStringLinks: (g: { count?: number }) => messageText([GOOD, ...Array(g.count!).fill(42)]),
  wideObject: (g: { keys?: number }) =>
    messageText([GOOD], { extra: Object.fromEntries(Array.from({ length: g.keys! }, (_, i) => [`k${i}`, 0])) }),
  longText: (g: { chars?: number }) => messageText([GOOD], { text: 'x'.repeat(g.chars!) }),
  oversize: (g: { bytes?: number }) => {
    const text = messageText([GOOD]);
    return `${text.slice(0, -1)},"pad":"${'x'.repeat(g.bytes! - text.length - 9)}"}`;
  },
};

function bodyBytes(c: HostileCase): Buffer {
  const text =
    c.bodyText ??
    (c.webhook !== undefined ? JSON.stringify(c.webhook) : undefined) ??
    (c.generate ? GENERATORS[c.generate.kind](c.generate) : undefined) ??
    messageText(c.attachments ?? []);
  let bytes: Buffer;
  switch (c.encode) {
    case 'utf8-bom':
      bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
      break;
    case 'utf16le-bom':
      bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
      break;
    case 'utf16be':
      bytes = Buffer.from(text, 'utf16le').swap16();
      break;
    case 'latin1':
      bytes = Buffer.from(text, 'latin1');
      break;
    default:
      bytes = Buffer.from(text, 'utf8');
  }
  for (const [marker, hex] of Object.entries(c.replaceBytes ?? {})) {
    const at = bytes.indexOf(marker);
    if (at === -1) throw new Error(`${c.name}: marker ${marker} not in body`);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(hex, 'hex'), bytes.subarray(at + marker.length)]);
  }
  if (c.delivery === 'base64-unpadded') {
    while (bytes.length % 3 !== 1) bytes = Buffer.concat([bytes, Buffer.from(' ')]); // so base64 ends in "=="
  }
  return bytes;
}

function digest(variant: string | undefined, t: number, body: Buffer, key: Buffer): string {
  const right = computeSignature(key, t, body);
  const flip = (hex: string, at: number) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);
  switch (variant) {
    case undefined:
      return right;
    case 'upper':
      return right.toUpperCase();
    case 'flip-last':
      return flip(right, 63);
    case 'flip-first':
      return flip(right, 0);
    case 'truncate':
      return right.slice(0, 63);
    case 'base64':
      return Buffer.from(right, 'hex').toString('base64');
    case 'other-t':
      return computeSignature(key, t - 1000, body);
    case 'empty-body':
      return computeSignature(key, t, Buffer.alloc(0));
    case 'secret-as-text':
      return createHmac('sha256', TEST_WEBHOOK_SECRET).update(`${t}.`).update(body).digest('hex');
    default:
      throw new Error(`unknown digest variant ${variant}`);
  }
}

function deliver(c: HostileCase): APIGatewayProxyEventV2 {
  const bytes = bodyBytes(c);
  const spec = c.signature ?? {};
  const t = Date.now() + (spec.offsetMs ?? 0);
  const key = Buffer.from(spec.secret ?? TEST_WEBHOOK_SECRET, 'hex');
  const signed = spec.signedBody !== undefined ? Buffer.from(spec.signedBody) : bytes;
  const header =
    spec.header === null
      ? null
      : (spec.header ?? 't={t},v1={v1}')
          .replaceAll('{t}', String(t))
          .replace(/\{v1(?::([a-z-]+))?\}/g, (_, variant?: string) => digest(variant, t, signed, key));
  const binary = c.encode !== undefined || c.replaceBytes !== undefined || c.delivery !== undefined;
  const event = webhookEvent({
    body: bytes,
    base64: binary,
    signature: header,
    headers: spec.extraHeaders,
  });
  const base64 = event.body ?? '';
  switch (c.delivery) {
    case 'base64-with-newlines':
      return { ...event, body: base64.replace(/.{76}/g, '$&\r\n') };
    case 'base64url':
      if (!/[+/]/.test(base64)) throw new Error(`${c.name}: body has no + or / to re-encode`);
      return { ...event, body: base64.replaceAll('+', '-').replaceAll('/', '_') };
    case 'base64-unpadded':
      return { ...event, body: base64.replace(/=+$/, '') };
    default:
      return event;
  }
}

const queue = fakeQueue();
afterAll(() => queue.restore());
beforeEach(() => queue.reset());
const handler = ingestHandler();
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

describe('hostile-webhook corpus', () => {
  it('has at least 60 cases, each named once, each saying what it attacks', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    expect(new Set(corpus.map((c) => c.case.name)).size).toBe(corpus.length);
    for (const { case: c } of corpus) expect(typeof c.why, c.name).toBe('string');
  });

  it.each(corpus.map(({ file, case: c }) => [`${file} › ${c.name}`, c] as const))('%s', async (_, c) => {
    const event = deliver(c);
    const { result, output } = await captureOutput(() => handler(event));
    const body = JSON.parse(result.body ?? 'null') as Record<string, unknown>;

    expect(result.statusCode).toBe(c.expect.status);
    if (c.expect.error !== undefined) expect(body).toEqual({ error: c.expect.error });
    if (c.expect.errorPrefix !== undefined)
      expect(String(body.error)).toMatch(new RegExp(`^${escapeRegExp(c.expect.errorPrefix)}`));
    const jobs = queue.jobs();
    expect(jobs.map((j) => j.url)).toEqual(c.expect.jobs);
    if (c.expect.status === 202) {
      expect(body.jobs).toBe(c.expect.jobs.length);
      expect((body.rejected as { field: string }[]).map((r) => r.field)).toEqual(c.expect.rejected ?? []);
    }
    for (const [field, value] of Object.entries(c.expectJob ?? {})) {
      for (const job of jobs) expect((job as Record<string, unknown>)[field] ?? null).toEqual(value);
    }
    if (c.expectParticipants) {
      const people = queue.participants();
      expect(people.length, 'participants messages').toBeGreaterThan(0);
      for (const [field, value] of Object.entries(c.expectParticipants)) {
        for (const message of people) expect((message as Record<string, unknown>)[field] ?? null).toEqual(value);
      }
    }

    expect(result.body).not.toMatch(/\bat .+:\d+:\d+/); // no stack frames
    expect(output).not.toContain(TEST_WEBHOOK_SECRET);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
