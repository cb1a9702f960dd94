/**
 * Backfill flow control: never put more jobs on the queue than the archiver can drain well inside the queue's
 * retention period, or jobs expire unseen (a year of history can be queued in minutes; archiving it takes far
 * longer). Measured from the queue's own attributes: its backlog (visible + in flight + delayed), its retention
 * period, and the drain rate observed between readings (jobs that left = backlog before + jobs sent − backlog now).
 *
 * Before each unit is sent, `beforeSend` waits until `backlog + unit ≤ drain rate × retention × drainShare`
 * (until a rate is known: `initialBacklog`). An empty queue always takes the next unit, so a unit larger than the
 * budget cannot wait forever. Shared by everything that feeds the queue in bulk: the backfill CLI and the sweep.
 */
import type { Clock } from './pacer.ts';

export interface BacklogReading {
  /** Messages on the queue that are not yet archived: visible, in flight and delayed. */
  messages: number;
  retentionSeconds: number;
}

export interface FlowStatus {
  backlog: number;
  /** How many jobs may be waiting now. */
  room: number;
  /** Jobs per minute the archiver drained, when measured. */
  drainPerMinute: number | undefined;
  waitMs: number;
}

export interface FlowControlOptions {
  read(): Promise<BacklogReading>;
  clock: Clock;
  /** Share of the retention period the backlog may need to drain (default 1/4: "well inside"). */
  drainShare?: number;
  /** Backlog allowed before any drain rate has been measured (default 1,000 jobs). */
  initialBacklog?: number;
  /** How long to wait between readings while the queue is too full (default 30 s). */
  pollMs?: number;
  /** Readings closer together than this do not update the rate (default 10 s: approximate counts are noisy). */
  minSampleMs?: number;
  /** Unix ms past which it stops waiting (a Lambda must still finish): the wait that would pass it throws. */
  deadline?: number;
  onWait?(status: FlowStatus): void;
}

/** The archiver is behind and the run's deadline came first: the jobs were not sent. */
export class QueueBehindError extends Error {
  override name = 'QueueBehindError';
}

export class FlowControl {
  readonly #options: Required<Omit<FlowControlOptions, 'onWait' | 'deadline'>> &
    Pick<FlowControlOptions, 'onWait' | 'deadline'>;
  #last: { at: number; messages: number } | undefined;
  #sentSince = 0;
  /** Jobs per millisecond, smoothed. */
  #rate: number | undefined;

  constructor(options: FlowControlOptions) {
    this.#options = { drainShare: 0.25, initialBacklog: 1000, pollMs: 30_000, minSampleMs: 10_000, ...options };
  }

  /** Waits until the queue has room for `jobs` more. */
  async beforeSend(jobs: number): Promise<void> {
    const { clock, drainShare, initialBacklog, pollMs, deadline } = this.#options;
    for (;;) {
      const reading = await this.#options.read();
      this.#observe(reading);
      const room =
        this.#rate === undefined
          ? initialBacklog
          : Math.floor(this.#rate * reading.retentionSeconds * 1000 * drainShare);
      if (reading.messages === 0 || reading.messages + jobs <= room) return;
      if (deadline !== undefined && clock.now() + pollMs > deadline) {
        throw new QueueBehindError(
          `the job queue holds ${reading.messages} jobs, more than the archiver drains in time (room for ${room}); ` +
            'stopped waiting for it at the run’s deadline',
        );
      }
      const drainPerMinute = this.#rate === undefined ? undefined : Math.round(this.#rate * 60_000);
      this.#options.onWait?.({ backlog: reading.messages, room, drainPerMinute, waitMs: pollMs });
      await clock.sleep(pollMs);
    }
  }

  /** Counts jobs put on the queue since the last reading (they are not drained jobs). */
  sent(jobs: number): void {
    this.#sentSince += jobs;
  }

  #observe(reading: BacklogReading): void {
    const now = this.#options.clock.now();
    const last = this.#last;
    if (last && now - last.at < this.#options.minSampleMs) return;
    if (last) {
      const drained = Math.max(0, last.messages + this.#sentSince - reading.messages);
      const sample = drained / (now - last.at);
      this.#rate = this.#rate === undefined ? sample : (this.#rate + sample) / 2;
    }
    this.#last = { at: now, messages: reading.messages };
    this.#sentSince = 0;
  }
}
