/**
 * The webhook signing secret: rotation (current and previous accepted; a mismatch re-reads the secret once,
 * rate-limited) and strength (shorter than 16 bytes is a configuration error).
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { DixaSecrets, SecretSource } from '../../../lambdas/aws/secrets.ts';
import { SECRET_REFRESH_INTERVAL_MS } from '../../../lambdas/ingest/webhook.ts';
import { ROTATION_NEW_SECRET, ROTATION_OLD_SECRET } from '../../fakes/test-secrets.ts';
import { webhookEvent, webhookFixture } from '../../fixtures/apigw/webhook-event.ts';
import { captureOutput, fakeQueue, ingestHandler, jsonLines, reply } from './harness.ts';

const queue = fakeQueue();
afterAll(() => queue.restore());
beforeEach(() => queue.reset());

/** A secret store whose cache serves `cached` until a fresh read, which returns `stored`. */
function store(initial: DixaSecrets) {
  const state = { cached: initial, stored: initial, reads: 0, freshReads: 0 };
  const source: SecretSource = {
    async get({ fresh = false } = {}) {
      state.reads++;
      if (fresh) {
        state.freshReads++;
        state.cached = state.stored;
      }
      return state.cached;
    },
  };
  return { state, source };
}

const secrets = (webhookSecret: string, previousWebhookSecret?: string): DixaSecrets => ({
  apiToken: 'test-api-token',
  webhookSecret,
  ...(previousWebhookSecret ? { previousWebhookSecret } : {}),
});
const FORGED = 'ff'.repeat(32);
const event = (secret: string) => webhookEvent({ body: webhookFixture('message-added-email'), secret });

describe('webhook secret rotation', () => {
  it('accepts the current and the previous secret while both are set, and nothing else', async () => {
    const handler = ingestHandler({ secrets: store(secrets(ROTATION_NEW_SECRET, ROTATION_OLD_SECRET)).source });
    expect(reply(await handler(event(ROTATION_NEW_SECRET))).status).toBe(202);
    expect(reply(await handler(event(ROTATION_OLD_SECRET))).status).toBe(202);
    expect(reply(await handler(event(FORGED))).status).toBe(401);
  });

  it('once the previous secret is removed, it is refused', async () => {
    const handler = ingestHandler({ secrets: store(secrets(ROTATION_NEW_SECRET)).source });
    expect(reply(await handler(event(ROTATION_OLD_SECRET))).status).toBe(401);
  });

  it('a webhook signed with a secret newer than the cached one is accepted at once (one fresh read)', async () => {
    const { state, source } = store(secrets(ROTATION_OLD_SECRET));
    const handler = ingestHandler({ secrets: source });
    expect(reply(await handler(event(ROTATION_OLD_SECRET))).status).toBe(202);
    state.stored = secrets(ROTATION_NEW_SECRET, ROTATION_OLD_SECRET); // rotated in Secrets Manager
    expect(reply(await handler(event(ROTATION_NEW_SECRET))).status).toBe(202);
    expect(state.freshReads).toBe(1);
    expect(reply(await handler(event(ROTATION_OLD_SECRET))).status).toBe(202); // still inside the rotation
  });

  it('forged requests cannot hammer Secrets Manager: one fresh read per interval', async () => {
    let now = Date.UTC(2025, 0, 1);
    const { state, source } = store(secrets(ROTATION_NEW_SECRET));
    const handler = ingestHandler({ secrets: source, now: () => now });
    const forged = (t: number) =>
      webhookEvent({ body: webhookFixture('message-added-email'), secret: FORGED, timestampMs: t });
    for (let i = 0; i < 50; i++) expect(reply(await handler(forged(now))).status).toBe(401);
    expect(state.freshReads).toBe(1);
    now += SECRET_REFRESH_INTERVAL_MS - 1;
    expect(reply(await handler(forged(now))).status).toBe(401);
    expect(state.freshReads).toBe(1);
    now += 1;
    expect(reply(await handler(forged(now))).status).toBe(401);
    expect(state.freshReads).toBe(2);
  });

  it('malformed or stale signatures never trigger a fresh read', async () => {
    const { state, source } = store(secrets(ROTATION_NEW_SECRET));
    const handler = ingestHandler({ secrets: source });
    const body = webhookFixture('message-added-email');
    expect(reply(await handler(webhookEvent({ body, signature: 't=1,v1=zz' }))).status).toBe(401);
    expect(reply(await handler(webhookEvent({ body, secret: FORGED, timestampMs: 1 }))).status).toBe(401);
    expect(state.freshReads).toBe(0);
  });
});

describe('webhook secret strength', () => {
  it.each([
    ['ab'.repeat(15), 'webhook signing secret is 15 bytes; at least 16 bytes (32 hex digits) are required'],
    ['ab', 'webhook signing secret is 1 bytes; at least 16 bytes (32 hex digits) are required'],
  ])('refuses %j with a clear configuration error (500, logged), never a 2xx', async (secret, reason) => {
    const { result, output } = await captureOutput(async () =>
      ingestHandler({ secrets: store(secrets(secret)).source })(event(ROTATION_NEW_SECRET)),
    );
    expect(reply(result)).toMatchObject({ status: 500, body: { error: 'internal error' } });
    expect(jsonLines(output).find((l) => l.level === 'ERROR')?.reason).toBe(
      `webhook signing secret unavailable: ${reason}`,
    );
    expect(queue.calls).toBe(0);
  });

  it('refuses a short previous secret too', async () => {
    const handler = ingestHandler({ secrets: store(secrets(ROTATION_NEW_SECRET, 'ab'.repeat(8))).source });
    expect(reply(await handler(event(ROTATION_NEW_SECRET))).status).toBe(500);
  });
});
