/**
 * Request pacing. Dixa limits the export API to about 10 requests a minute and the message API to 10 a second
 * (burst 4), so every request — retries included — first takes a slot from a Pacer that keeps consecutive
 * requests at least `intervalMs` apart. Even spacing never bursts, so no sliding window of `limit × interval`
 * ever holds more than `limit` requests. The clock is injectable so tests run on fake time.
 */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class Pacer {
  private nextAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly intervalMs: number,
    private readonly clock: Clock,
  ) {}

  /** `limit` requests per `periodMs`, evenly spaced. */
  static perPeriod(limit: number, periodMs: number, clock: Clock): Pacer {
    return new Pacer(Math.ceil(periodMs / limit), clock);
  }

  /** Waits until the next request may go out and claims that slot. */
  async take(): Promise<void> {
    for (let wait = this.nextAt - this.clock.now(); wait > 0; wait = this.nextAt - this.clock.now()) {
      await this.clock.sleep(wait);
    }
    this.nextAt = this.clock.now() + this.intervalMs;
  }

  /** Holds the next request until at least `at` (a Retry-After or a backoff), never earlier than its slot. */
  holdUntil(at: number): void {
    this.nextAt = Math.max(this.nextAt, at);
  }

  /** Milliseconds until the next slot opens (0 when a request could go now). */
  waitMs(): number {
    return Math.max(0, this.nextAt - this.clock.now());
  }
}
