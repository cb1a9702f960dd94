/**
 * What a command that feeds the job queue from Dixa (backfill, sweep) takes from the world, in one place so tests
 * can replace any part of it: the environment, the terminal, time, randomness, the queue and the archive.
 */
import { type Clock, systemClock } from '../../lambdas/dixa/pacer.ts';
import { type QueueFlowControl, queueFlowControl, queueTarget } from './queue-target.ts';
import { s3Target } from './s3-target.ts';

type Output = NodeJS.WritableStream & { isTTY?: boolean };

export interface FeederDeps {
  env: NodeJS.ProcessEnv;
  stdout: Output;
  stderr: Output;
  clock: Clock;
  random: () => number;
  /** Builds the queue client (tests wrap it to inject queue failures). */
  queueTarget: typeof queueTarget;
  /** Builds the archive client, when an archive is named (tests point it at their bucket). */
  s3Target: typeof s3Target;
  /** Flow control for a real run (tests whose queue has no archiver behind it turn it off). */
  flowControl: QueueFlowControl;
}

export function feederDeps(overrides: Partial<FeederDeps> = {}): FeederDeps {
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    clock: systemClock,
    random: Math.random,
    queueTarget,
    s3Target,
    flowControl: queueFlowControl,
    ...overrides,
  };
}
