import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Checkpoint } from '../../../cli/backfill/checkpoint.ts';
import { UserError } from '../../../lambdas/commons/errors.ts';
import type { FileJob } from '../../../lambdas/core/job.ts';
import { parseFilesBaseUrl } from '../../../lambdas/core/links.ts';
import type { ParticipantsMessage } from '../../../lambdas/core/participants.ts';
import { isFileJob, type QueueMessage } from '../../../lambdas/core/queue-message.ts';
import { conversationUnits, exportUnits, runBackfill, type WorkUnit } from '../../../lambdas/dixa/backfill.ts';
import { DixaError } from '../../../lambdas/dixa/dixa-client.ts';
import { planWindows, type Window } from '../../../lambdas/dixa/windows.ts';
import exportWindow from '../../fixtures/export/window-2024-03.json' with { type: 'json' };
import conversation from '../../fixtures/messages/conversation-7001.json' with { type: 'json' };

const files = parseFilesBaseUrl('https://files.dixa.io');
const [march] = planWindows('2024-03-01', '2024-03-30');
const PAST = Date.UTC(2030, 0, 1);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backfill-run-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fixtureExport = { exportMessages: async (_w: Window) => exportWindow as unknown[] };

function recorder() {
  const sent: { jobs: FileJob[]; traceId: string }[] = [];
  const participants: ParticipantsMessage[] = [];
  const send = async (messages: QueueMessage[], traceId: string) => {
    const jobs = messages.filter(isFileJob);
    participants.push(...messages.filter((m): m is ParticipantsMessage => 'type' in m));
    sent.push({ jobs, traceId });
  };
  return { sent, send, participants };
}

function unit(id: string, harvest: WorkUnit['harvest'], final = true): WorkUnit {
  return { id, label: `window ${id}`, final, harvest };
}

describe('exportUnits', () => {
  it('keeps only the rows of [start, end), extracts every kind and drops a link repeated in one conversation', async () => {
    const { sent, send } = recorder();
    const summary = await runBackfill(exportUnits([march!], fixtureExport, files, PAST), { dryRun: false, send });
    const jobs = sent.flatMap((s) => s.jobs);
    expect(jobs.map((j) => [j.conversationId, j.kind, j.url])).toEqual([
      ['5001', 'attachment', 'https://files.dixa.io/private/org-1/email_attachments/aaa/invoice.pdf'],
      ['5001', 'attachment', 'https://files.dixa.io/private/org-1/email_attachments/bbb/Scan%202024.pdf'],
      ['5002', 'recording', 'https://files.dixa.io/private/org-1/call_recordings/ccc.mp3'],
      ['5003', 'voicemail', 'https://files.dixa.io/private/org-1/voicemails/ddd.wav'],
      ['5004', 'attachment', 'https://files.dixa.io/public/org-1/eee/photo.jpg'],
    ]);
    expect(jobs.every((j) => j.source === 'export')).toBe(true);
    expect(jobs[0]).toMatchObject({
      createdAt: '2024-03-01T00:00:00.000Z',
      messageId: '0b6f9d0e-6f1c-4a43-9b9e-1f0c2f7f0001',
    });
    expect(sent[0]!.traceId).toBe('backfill 2024-03-01..2024-03-30');
    expect(summary).toMatchObject({
      messagesSeen: 7,
      jobCount: 5,
      jobs: { attachment: 3, recording: 1, voicemail: 1, 'inline-image': 0, 'original-email': 0, 'email-content': 0 },
      errors: [],
    });
    expect(summary.rejected).toEqual([
      {
        reason: 'host "evil.example.com" is not the files host',
        count: 1,
        example: 'https://evil.example.com/private/x.pdf',
      },
      { reason: 'path has a dot segment (traversal)', count: 1, example: '/private/org-1/../secrets' },
    ]);
    expect(summary.units[0]).toMatchObject({ status: 'queued', messages: 7, jobCount: 5, rejected: 2 });
  });
});

describe('conversationUnits', () => {
  it('turns message-API rows into attachment, inline image, original e-mail and recording jobs', async () => {
    const { sent, send } = recorder();
    const dixa = { conversationMessages: async () => conversation.data as unknown[] };
    const summary = await runBackfill(conversationUnits(['7001'], dixa, files), { dryRun: false, send });
    expect(summary.units[0]).toMatchObject({ id: '7001', label: 'conversation 7001', messages: 4, jobCount: 5 });
    expect(summary.jobs).toMatchObject({ attachment: 2, 'inline-image': 1, 'original-email': 1, recording: 1 });
    const recording = sent[0]!.jobs.find((j) => j.kind === 'recording');
    expect(recording).toMatchObject({
      source: 'messages-api',
      conversationId: '7001',
      createdAt: '2021-12-01T13:05:12.004Z',
    });
  });
});

describe('runBackfill', () => {
  it('records a unit only after its jobs are queued, and skips recorded units on the next run', async () => {
    const path = join(dir, 'state.json');
    const { sent, send } = recorder();
    const units = exportUnits(planWindows('2024-03-01', '2024-04-29'), fixtureExport, files, PAST);
    await runBackfill(units, { dryRun: false, send, checkpoint: await Checkpoint.open(path, 'k') });
    expect(sent).toHaveLength(2);
    const again = recorder();
    const summary = await runBackfill(units, {
      dryRun: false,
      send: again.send,
      checkpoint: await Checkpoint.open(path, 'k'),
    });
    expect(again.sent).toHaveLength(0);
    expect(summary.units.map((u) => u.status)).toEqual(['already-done', 'already-done']);
  });

  it('turns a queue failure into one line that says how to continue, and does not record that unit', async () => {
    const path = join(dir, 'state.json');
    let calls = 0;
    const send = async () => {
      if (++calls === 2) throw new Error('connect ECONNREFUSED 127.0.0.1:9324\n    at stack frames');
      return undefined;
    };
    const units = exportUnits(planWindows('2024-03-01', '2024-05-29'), fixtureExport, files, PAST);
    const error = await runBackfill(units, { dryRun: false, send, checkpoint: await Checkpoint.open(path, 'k') }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `could not queue the jobs of window 2024-03-31..2024-04-29: connect ECONNREFUSED 127.0.0.1:9324; finished work is saved in ${path}; run the same command again to continue`,
    );
    expect(JSON.parse(await readFile(path, 'utf8')).runs.k.completed).toEqual(['2024-03-01..2024-03-30']);
  });

  it('a job the queue refuses for its content is reported as a rejected link; the run and its checkpoint go on', async () => {
    const path = join(dir, 'state.json');
    const sent: FileJob[] = [];
    const send = async (messages: QueueMessage[]) => {
      const [refused, ...rest] = messages.filter(isFileJob);
      sent.push(...rest);
      return { refused: [{ job: refused!, reason: 'InvalidMessageContents: Invalid characters found.' }] };
    };
    const units = exportUnits(planWindows('2024-03-01', '2024-05-29'), fixtureExport, files, PAST);
    const summary = await runBackfill(units, { dryRun: false, send, checkpoint: await Checkpoint.open(path, 'k') });
    expect(summary.units.map((u) => u.status)).toEqual(['queued', 'queued', 'queued']);
    expect(summary.units[0]).toMatchObject({ jobCount: 4, rejected: 3 }); // two bad links in the fixture, one refused job
    expect(summary.jobCount).toBe(sent.length);
    expect(summary.rejected).toContainEqual({
      reason: 'the job queue refused the job: InvalidMessageContents: Invalid characters found.',
      count: 2, // the windows with jobs (the fixture's rows fall into two of the three)
      example: 'https://files.dixa.io/private/org-1/email_attachments/aaa/invoice.pdf',
    });
    expect(JSON.parse(await readFile(path, 'utf8')).runs.k.completed).toHaveLength(3);
  });

  it('a participants message the queue refuses is reported (who took part is not indexed); the run goes on', async () => {
    const send = async (messages: QueueMessage[]) => ({
      refused: messages
        .filter((m) => !isFileJob(m))
        .map((job) => ({ job, reason: 'InvalidMessageContents: Invalid characters found.' })),
    });
    const dixa = { conversationMessages: async () => conversation.data as unknown[] };
    const summary = await runBackfill(conversationUnits(['7001'], dixa, files), { dryRun: false, send });
    expect(summary.units[0]).toMatchObject({ status: 'queued', jobCount: 5 }); // every file job still queued
    expect(summary.rejected).toContainEqual({
      reason:
        'the job queue refused who took part (not in the people index): InvalidMessageContents: Invalid characters found.',
      count: expect.any(Number),
      example: 'participants of conversation 7001',
    });
  });

  it('reports a failed unit and carries on; a 401 stops the run', async () => {
    const { sent, send } = recorder();
    const ok = async () => ({ messages: 1, jobs: [], rejected: [], participants: [] });
    const summary = await runBackfill(
      [
        unit('a', ok),
        unit('b', () => Promise.reject(new DixaError('gave up after 8 attempts, last: 503'))),
        unit('c', ok),
      ],
      { dryRun: false, send },
    );
    expect(summary.units.map((u) => u.status)).toEqual(['queued', 'failed', 'queued']);
    expect(summary.errors).toEqual(['window b: gave up after 8 attempts, last: 503']);
    expect(sent).toHaveLength(0); // nothing to send for empty units

    const fatal = unit('x', () => Promise.reject(new DixaError('Dixa rejected the API token: 401', true)));
    await expect(runBackfill([fatal, unit('y', ok)], { dryRun: false, send })).rejects.toThrow(
      new UserError('Dixa rejected the API token: 401'),
    );
  });

  it('queues a window that reaches into the future but does not record it, so a later run looks again', async () => {
    const path = join(dir, 'state.json');
    const { send } = recorder();
    const now = march!.startMs + 86_400_000 * 3;
    const checkpoint = await Checkpoint.open(path, 'k');
    const summary = await runBackfill(exportUnits([march!], fixtureExport, files, now), {
      dryRun: false,
      send,
      checkpoint,
    });
    expect(summary.units[0]!.status).toBe('queued');
    expect(checkpoint.has(march!.id)).toBe(false);
  });

  it('counts in a dry run without sending or recording anything', async () => {
    const path = join(dir, 'state.json');
    const checkpoint = await Checkpoint.open(path, 'k');
    const summary = await runBackfill(exportUnits([march!], fixtureExport, files, PAST), { dryRun: true, checkpoint });
    expect(summary.units[0]).toMatchObject({
      status: 'would-queue',
      jobCount: 5,
      jobs: { attachment: 3, recording: 1, voicemail: 1 },
    });
    expect(checkpoint.size).toBe(0);
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
  });
});
