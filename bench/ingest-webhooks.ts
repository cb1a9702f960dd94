/**
 * The webhooks bench/ingest-cpu.ts sends: a typical one (test/fixtures/webhooks/message-added-chat-attachments.json,
 * 4 file links) and the same message carrying 50 private attachments, as signed API Gateway events. Built by the
 * parent (the fixtures are read relative to their source) and handed to the bundled worker in a file.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { TEST_WEBHOOK_SECRET, webhookEvent, webhookFixture } from '../test/fixtures/apigw/webhook-event.ts';

export interface BenchWebhooks {
  /** The signing secret (hex) the events are signed with. */
  secret: string;
  typical: APIGatewayProxyEventV2;
  fifty: APIGatewayProxyEventV2;
}

export function benchWebhooks(): BenchWebhooks {
  const typical = webhookFixture('message-added-chat-attachments');
  const fifty = webhookFixture<{ data: { attachments: unknown[] } }>('message-added-chat-attachments');
  fifty.data.attachments = Array.from({ length: 50 }, (_, i) => ({
    url: `https://files.dixa.io/private/5b7e8f3c-2d1a-4c9b-8e7f-6a5b4c3d2e1f/attachments/${String(i).padStart(4, '0')}-7f1e/photo-${i}.jpg`,
    prettyName: `photo ${i}.jpg`,
  }));
  // Signed now: the worker runs right away, well within the 300 s signature tolerance.
  return {
    secret: TEST_WEBHOOK_SECRET,
    typical: webhookEvent({ body: typical, secret: TEST_WEBHOOK_SECRET }),
    fifty: webhookEvent({ body: fifty, secret: TEST_WEBHOOK_SECRET }),
  };
}
