import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../lambdas/dixa/pacer.ts';
import { createFakeClock } from '../../fakes/dixa-api.ts';

/** The most timestamps inside any half-open window (t - windowMs, t]. */
function maxInWindow(times: number[], windowMs: number): number {
  let max = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j]! <= times[i]! - windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

describe('Pacer', () => {
  it('spaces requests evenly: 10 a minute is one every 6 s, the first one at once', async () => {
    const clock = createFakeClock(0);
    const pacer = Pacer.perPeriod(10, 60_000, clock);
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      await pacer.take();
      times.push(clock.now());
    }
    expect(times.slice(0, 3)).toEqual([0, 6_000, 12_000]);
    expect(maxInWindow(times, 60_000)).toBe(10);
  });

  it('does not wait when the caller was slower than the pace', async () => {
    const clock = createFakeClock(0);
    const pacer = new Pacer(6_000, clock);
    await pacer.take();
    clock.advance(20_000);
    expect(pacer.waitMs()).toBe(0);
    await pacer.take();
    expect(clock.now()).toBe(20_000);
  });

  it('holds the next request until a Retry-After or backoff has passed, never earlier than its slot', async () => {
    const clock = createFakeClock(0);
    const pacer = new Pacer(6_000, clock);
    await pacer.take();
    pacer.holdUntil(30_000);
    await pacer.take();
    expect(clock.now()).toBe(30_000);
    pacer.holdUntil(31_000); // shorter than the slot: the slot wins
    await pacer.take();
    expect(clock.now()).toBe(36_000);
  });

  it('never lets more than the limit through in any sliding period, whatever holds and delays happen', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ hold: fc.option(fc.nat(120_000)), work: fc.nat(10_000) }), {
          minLength: 1,
          maxLength: 60,
        }),
        async (steps) => {
          const clock = createFakeClock(0);
          const pacer = Pacer.perPeriod(10, 60_000, clock);
          const times: number[] = [];
          for (const step of steps) {
            if (step.hold !== null) pacer.holdUntil(clock.now() + step.hold);
            await pacer.take();
            times.push(clock.now());
            clock.advance(step.work);
          }
          expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(10);
        },
      ),
    );
  });
});
