/**
 * `dixa-archiver sweep` run as a person runs it, against the archiver harness (s3rver, fauxqs) and a fake Dixa API
 * that shares the CLI's fake clock, so Dixa's limits are measured on the time the client waits.
 */
import { Writable } from 'node:stream';
import { createSweepCommand } from '../../cli/commands/sweep.ts';
import type { QueueFlowControl } from '../../cli/shared/queue-target.ts';
import type { CompletenessReport } from '../../lambdas/sweep/report.ts';
import type { FakeClock, FakeDixaApi } from '../fakes/dixa-api.ts';
import { BUCKET, type Harness, PREFIX } from './archiver-harness.ts';

export class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

export interface SweepRun {
  code: number;
  report: CompletenessReport & { reportKey: string };
  stderr: string;
}

/**
 * Runs `sweep --json …args` and returns its exit code, the report it printed and what it said on stderr. Flow
 * control is off unless given: no archiver drains the harness's queue while the sweep runs.
 */
export async function runSweepCommand(
  target: { harness: Harness; dixa: FakeDixaApi; clock: FakeClock; token: string; flowControl?: QueueFlowControl },
  args: string[] = [],
): Promise<SweepRun> {
  const { harness, dixa } = target;
  const stdout = new Capture();
  const stderr = new Capture();
  const command = createSweepCommand({
    env: {
      DIXA_API_TOKEN: target.token,
      DIXA_EXPORTS_BASE_URL: dixa.url,
      DIXA_API_BASE_URL: dixa.url,
      DIXA_FILES_BASE_URL: harness.files.baseUrl,
    },
    stdout,
    stderr,
    clock: target.clock,
    random: () => 0.5,
    queueTarget: () => ({ sqs: harness.sqs, queueUrl: harness.config.jobQueueUrl, local: true }),
    s3Target: () => ({ s3: harness.s3, bucket: BUCKET, prefix: PREFIX, local: true }),
    flowControl: target.flowControl ?? (() => undefined),
  });
  const code = await command.run(['--json', ...args]);
  return { code, report: JSON.parse(stdout.text), stderr: stderr.text };
}
