import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../../cli/local/journal.ts';

const JOBS = 'http://sqs.us-east-1.localhost:4566/000000000000/jobs';
const DLQ = 'http://sqs.us-east-1.localhost:4566/000000000000/jobs-dlq';

async function open() {
  const dir = await mkdtemp(join(tmpdir(), 'journal-'));
  return { dir, journal: await Journal.open(dir) };
}

const files = async (dir: string) => (await readdir(dir)).sort();

async function sendOne(journal: Journal, id: string, body = `{"n":"${id}"}`, queueUrl = JOBS) {
  await journal.observe(
    'SendMessage',
    { QueueUrl: queueUrl, MessageBody: body, MessageAttributes: { traceId: { DataType: 'String', StringValue: 't' } } },
    { MessageId: id },
  );
}

describe('Journal', () => {
  it('writes one file per sent message, with queue name, body and attributes', async () => {
    const { dir, journal } = await open();
    await sendOne(journal, 'm-1', '{"v":1}');
    await journal.observe(
      'SendMessageBatch',
      {
        QueueUrl: JOBS,
        Entries: [
          { Id: 'a', MessageBody: 'A' },
          { Id: 'b', MessageBody: 'B' },
          { Id: 'c', MessageBody: 'C' },
        ],
      },
      {
        Successful: [
          { Id: 'a', MessageId: 'm-a' },
          { Id: 'c', MessageId: 'm-c' },
        ],
        Failed: [{ Id: 'b' }],
      },
    );
    expect(await files(dir)).toEqual(['m-1.json', 'm-a.json', 'm-c.json']);
    const entry = JSON.parse(await readFile(join(dir, 'm-1.json'), 'utf8'));
    expect(entry).toMatchObject({
      v: 1,
      queue: 'jobs',
      messageId: 'm-1',
      body: '{"v":1}',
      attributes: { traceId: { DataType: 'String', StringValue: 't' } },
    });
    expect(JSON.parse(await readFile(join(dir, 'm-c.json'), 'utf8')).body).toBe('C');
    expect(journal.size).toBe(3);
  });

  it('removes the file when the message is deleted with its latest receipt handle', async () => {
    const { dir, journal } = await open();
    await sendOne(journal, 'm-1');
    await sendOne(journal, 'm-2');
    await journal.observe(
      'ReceiveMessage',
      { QueueUrl: JOBS },
      { Messages: [{ MessageId: 'm-1', ReceiptHandle: 'h1' }] },
    );
    await journal.observe(
      'ReceiveMessage',
      { QueueUrl: JOBS },
      { Messages: [{ MessageId: 'm-2', ReceiptHandle: 'h2' }] },
    );
    await journal.observe('DeleteMessage', { QueueUrl: JOBS, ReceiptHandle: 'h1' }, {});
    expect(await files(dir)).toEqual(['m-2.json']);
    await journal.observe(
      'DeleteMessageBatch',
      { QueueUrl: JOBS, Entries: [{ Id: '0', ReceiptHandle: 'h2' }] },
      { Successful: [{ Id: '0' }], Failed: [] },
    );
    expect(await files(dir)).toEqual([]);
    expect(journal.size).toBe(0);
  });

  it('keeps the file when a delete uses an expired handle or fails in the batch', async () => {
    const { dir, journal } = await open();
    await sendOne(journal, 'm-1');
    await journal.observe(
      'ReceiveMessage',
      { QueueUrl: JOBS },
      { Messages: [{ MessageId: 'm-1', ReceiptHandle: 'old' }] },
    );
    // visibility timeout passed: received again with a new handle; SQS ignores a delete with the old one
    await journal.observe(
      'ReceiveMessage',
      { QueueUrl: JOBS },
      { Messages: [{ MessageId: 'm-1', ReceiptHandle: 'new' }] },
    );
    await journal.observe('DeleteMessage', { QueueUrl: JOBS, ReceiptHandle: 'old' }, {});
    await journal.observe('DeleteMessage', { QueueUrl: JOBS, ReceiptHandle: 'never-seen' }, {});
    await journal.observe(
      'DeleteMessageBatch',
      { QueueUrl: JOBS, Entries: [{ Id: '0', ReceiptHandle: 'new' }] },
      { Successful: [], Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid' }] },
    );
    expect(await files(dir)).toEqual(['m-1.json']);
  });

  it('records a move to the dead-letter queue made by SQS redrive (same message id)', async () => {
    const { dir, journal } = await open();
    await sendOne(journal, 'm-1');
    await journal.observe(
      'ReceiveMessage',
      { QueueUrl: DLQ },
      { Messages: [{ MessageId: 'm-1', ReceiptHandle: 'd1' }] },
    );
    expect(JSON.parse(await readFile(join(dir, 'm-1.json'), 'utf8')).queue).toBe('jobs-dlq');
    await journal.observe('DeleteMessage', { QueueUrl: DLQ, ReceiptHandle: 'd1' }, {});
    expect(await files(dir)).toEqual([]);
  });

  it('forgets a purged queue, and only that queue', async () => {
    const { dir, journal } = await open();
    await sendOne(journal, 'm-1');
    await sendOne(journal, 'm-2', 'x', DLQ);
    await journal.observe('PurgeQueue', { QueueUrl: DLQ }, {});
    expect(await files(dir)).toEqual(['m-1.json']);
  });

  it('ignores calls that do not change what is on a queue', async () => {
    const { dir, journal } = await open();
    await journal.observe('GetQueueAttributes', { QueueUrl: JOBS }, { Attributes: {} });
    await journal.observe('ChangeMessageVisibility', { QueueUrl: JOBS, ReceiptHandle: 'h' }, {});
    await journal.observe('SendMessage', { MessageBody: 'no queue url' }, { MessageId: 'm-9' });
    expect(await files(dir)).toEqual([]);
  });

  it('lists entries oldest first after a restart, reports unreadable files and sweeps half-written ones', async () => {
    const { dir, journal } = await open();
    await sendOne(journal, 'm-1', 'first');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await sendOne(journal, 'm-0', 'second');
    await writeFile(join(dir, 'garbage.json'), '{not json');
    await writeFile(join(dir, 'm-3.json.tmp'), '{"half":');
    const reopened = await Journal.open(dir);
    const { entries, unreadable } = await reopened.entries();
    expect(entries.map((e) => e.body)).toEqual(['first', 'second']);
    expect(unreadable).toEqual([join(dir, 'garbage.json')]);
    expect(await files(dir)).not.toContain('m-3.json.tmp');
  });

  it('a delete racing the write of the same message leaves no orphan file', async () => {
    const { dir, journal } = await open();
    const sending = sendOne(journal, 'm-1');
    await journal.observe(
      'ReceiveMessage',
      { QueueUrl: JOBS },
      { Messages: [{ MessageId: 'm-1', ReceiptHandle: 'h1' }] },
    );
    await Promise.all([sending, journal.observe('DeleteMessage', { QueueUrl: JOBS, ReceiptHandle: 'h1' }, {})]);
    expect(await files(dir)).toEqual([]);
  });

  it('refuses a message id that is not a plain id (it becomes a file name)', async () => {
    const { journal } = await open();
    await expect(sendOne(journal, '../../etc/passwd')).rejects.toThrow(/unexpected SQS message id/);
  });
});
