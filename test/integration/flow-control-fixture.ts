/**
 * Flow control against a real (fauxqs) queue whose archiver works only while the feeder waits for it, so what it
 * drains is what flow control bought. `peak` is the largest backlog flow control read before a send.
 */
import type { QueueFlowControl, QueueTarget } from '../../cli/shared/queue-target.ts';
import { readBacklog } from '../../lambdas/aws/queue.ts';
import { FlowControl, type FlowControlOptions } from '../../lambdas/dixa/flow-control.ts';

export function drainingFlowControl(
  /** What the archiver does during one wait of `ms`. */
  drain: (queue: QueueTarget, ms: number) => Promise<void>,
  options: Pick<FlowControlOptions, 'initialBacklog' | 'minSampleMs'> = {},
): { flowControl: QueueFlowControl; peak: () => number } {
  let peak = 0;
  const flowControl: QueueFlowControl = (queue, clock, onWait) =>
    new FlowControl({
      read: async () => {
        const reading = await readBacklog(queue.sqs, queue.queueUrl);
        peak = Math.max(peak, reading.messages);
        return reading;
      },
      clock: {
        now: clock.now,
        async sleep(ms) {
          await drain(queue, ms);
          await clock.sleep(ms);
        },
      },
      onWait,
      ...options,
    });
  return { flowControl, peak: () => peak };
}
