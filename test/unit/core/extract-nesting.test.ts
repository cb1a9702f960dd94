import { describe, expect, it } from 'vitest';
import { extractFromExport, extractFromWebhook, parseWebhookEnvelope } from '../../../lambdas/core/extract.ts';
import { parseFilesBaseUrl } from '../../../lambdas/core/links.ts';

const files = parseFilesBaseUrl();
const DEPTH = 200_000; // deeper than JSON.stringify can recurse, well within what JSON.parse accepts from 1 MiB

const deepArray = () => JSON.parse(`${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`) as unknown;
const deepObject = () => JSON.parse(`${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`) as unknown;

describe('extraction of deeply nested values in link positions', () => {
  it('rejects them with a reason instead of overflowing the stack while describing them', () => {
    const parsed = parseWebhookEnvelope({
      event_id: 'e',
      event_fqn: 'CONVERSATION_MESSAGE_ADDED',
      data: { conversation: { csid: 1 }, attachments: ['/private/a/ok.png', deepArray(), { url: deepObject() }] },
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const result = extractFromWebhook(parsed.envelope, files);
    expect(result).toMatchObject({
      ok: true,
      jobs: [{ url: 'https://files.dixa.io/private/a/ok.png' }],
      rejected: [
        { field: 'data.attachments[1]', link: '[deeply nested array]', reason: 'link is not a string' },
        { field: 'data.attachments[2].url', link: '[deeply nested object]', reason: 'link is not a string' },
      ],
    });
  });

  it('does the same for export rows', () => {
    const result = extractFromExport({ csid: 5, attached_files: [deepArray()] }, files);
    expect(result.rejected).toEqual([
      { field: 'row.attached_files[0]', link: '[deeply nested array]', reason: 'link is not a string' },
    ]);
  });
});
