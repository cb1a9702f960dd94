/**
 * Queue flow control for the bulk feeders, backfill and the sweep (issue 16, item 10): the queue's backlog stays
 * drainable well inside its retention, measured from the queue's own attributes, on fake time.
 */
import { describe, expect, it } from 'vitest';
import { FlowControl, type FlowStatus } from '../../../lambdas/dixa/flow-control.ts';

const DAY = 86_400;

/**
 * A queue drained by an archiver at `perMinute` jobs (a number, or the rate at a moment), fed by the code under
 * test; time is fake.
 */
function simulatedQueue(perMinute: number | ((now: number) => number), retentionSeconds = 7 * DAY) {
  const rate = typeof perMinute === 'number' ? () => perMinute : perMinute;
  let now = 0;
  let backlog = 0;
  let peak = 0;
  const clock = {
    now: () => now,
    async sleep(ms: number) {
      now += ms;
      backlog = Math.max(0, backlog - (rate(now) * ms) / 60_000);
    },
  };
  return {
    clock,
    read: async () => ({ messages: Math.round(backlog), retentionSeconds }),
    send(jobs: number) {
      backlog += jobs;
      peak = Math.max(peak, backlog);
    },
    get peak() {
      return peak;
    },
    get now() {
      return now;
    },
  };
}

describe('FlowControl', () => {
  it('keeps the backlog within what the archiver drains in a quarter of the retention, and keeps feeding it', async () => {
    const queue = simulatedQueue(10, 1 * DAY); // 10 jobs a minute: 3,600 jobs drain in a quarter day
    const waits: FlowStatus[] = [];
    const flow = new FlowControl({ read: queue.read, clock: queue.clock, onWait: (s) => waits.push(s) });
    for (let unit = 0; unit < 100; unit++) {
      await flow.beforeSend(500);
      queue.send(500);
      flow.sent(500);
      await queue.clock.sleep(6_000); // the export API's pacing between units
    }
    expect(waits.length).toBeGreaterThan(0);
    expect(queue.peak).toBeLessThanOrEqual(3_600 + 500);
    expect(waits.at(-1)!.drainPerMinute).toBeGreaterThan(8);
    // 50,000 jobs at 10 a minute take ~83 hours to drain: the run paces itself to that, no job waits a quarter day.
    expect(queue.now / 3_600_000).toBeGreaterThan(70);
  });

  it('does not wait while the backlog is small, nor for an empty queue', async () => {
    const queue = simulatedQueue(0);
    let waited = 0;
    const flow = new FlowControl({ read: queue.read, clock: queue.clock, onWait: () => waited++ });
    await flow.beforeSend(5_000); // empty queue: even a unit larger than any budget goes
    queue.send(5_000);
    flow.sent(5_000);
    expect(waited).toBe(0);
  });

  it('waits while the archiver drains nothing, and goes on once it does', async () => {
    const queue = simulatedQueue((now) => (now > 10 * 60_000 ? 1_000 : 0)); // the archiver is back after 10 minutes
    const waits: FlowStatus[] = [];
    const flow = new FlowControl({
      read: queue.read,
      clock: queue.clock,
      initialBacklog: 100,
      onWait: (s) => waits.push(s),
    });
    queue.send(90);
    await flow.beforeSend(50);
    expect(queue.now).toBeGreaterThan(10 * 60_000);
    expect(waits[0]).toMatchObject({ backlog: 90, room: 100, drainPerMinute: undefined, waitMs: 30_000 });
    expect(waits.some((w) => w.drainPerMinute === 0)).toBe(true);
  });

  it('stops waiting at its deadline with an error that says why, and waits no longer than it', async () => {
    const queue = simulatedQueue(0);
    queue.send(5_000);
    const flow = new FlowControl({ read: queue.read, clock: queue.clock, deadline: 100_000 });
    await expect(flow.beforeSend(10)).rejects.toThrow(
      /the job queue holds 5000 jobs, more than the archiver drains in time \(room for 0\); stopped waiting/,
    );
    expect(queue.now).toBeLessThanOrEqual(100_000);
    expect(queue.now).toBeGreaterThan(100_000 - 30_000);
  });

  it('counts jobs it sent as arrivals, not as a stalled archiver', async () => {
    // 600 jobs a minute drain; 1,000 arrive every 10 s, so between readings the backlog only grows. An hour's
    // retention leaves room for 600 × 60 / 4 = 9,000 jobs.
    const queue = simulatedQueue(600, 3_600);
    const waits: FlowStatus[] = [];
    const flow = new FlowControl({
      read: queue.read,
      clock: queue.clock,
      minSampleMs: 1_000,
      onWait: (s) => waits.push(s),
    });
    for (let unit = 0; unit < 20; unit++) {
      await flow.beforeSend(1_000);
      queue.send(1_000);
      flow.sent(1_000);
      await queue.clock.sleep(10_000);
    }
    expect(waits.length).toBeGreaterThan(0);
    // The archiver was never taken for stalled: every wait knew its real rate, and none came before the room was used.
    for (const wait of waits) expect(wait).toMatchObject({ room: 9_000, drainPerMinute: 600 });
    expect(waits[0]!.backlog + 1_000).toBeGreaterThan(9_000);
    expect(queue.peak).toBeLessThanOrEqual(9_000);
  });
});
