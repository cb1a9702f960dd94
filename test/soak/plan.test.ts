import { describe, expect, it } from 'vitest';
import { DEFAULT_SOAK_OPTIONS, faultLabel, planSoak } from './plan.ts';

const GIB = 1024 ** 3;
const defaults = (seed: number) => planSoak({ ...DEFAULT_SOAK_OPTIONS, seed });

describe('soak plan', () => {
  it('is a function of the seed', () => {
    expect(defaults(42)).toEqual(defaults(42));
    expect(defaults(42).files.map((f) => f.size)).not.toEqual(defaults(43).files.map((f) => f.size));
  });

  it.each([1, 2, 3, 1234567])('with the defaults (seed %i): the shape the issue asks for', (seed) => {
    const plan = defaults(seed);
    const { files, webhooks, deliveries } = plan;
    expect(files).toHaveLength(1000);
    expect(webhooks).toHaveLength(300);
    expect(plan.totalBytes).toBeLessThan(5 * GIB);
    expect(files.filter((f) => f.size === 0).length).toBeGreaterThan(0);
    expect(files.filter((f) => f.size >= 200 * 1024 ** 2)).toHaveLength(3);
    expect(files.filter((f) => f.size < 200 * 1024 ** 2).every((f) => f.size <= 20 * 1024 ** 2)).toBe(true);
    expect(files.filter((f) => f.missing)).toHaveLength(20);
    expect(files.filter((f) => f.faults.length > 0)).toHaveLength(Math.round(980 * 0.2));
    expect(files.some((f) => f.missing && f.faults.length > 0)).toBe(false);
    // every fault kind occurs; each is transient (at most two per file, one 429 without Retry-After at most)
    const labels = new Set(files.flatMap((f) => f.faults.map(faultLabel)));
    expect([...labels].sort()).toEqual(['429 Retry-After', '429 backoff', '500', 'reset', 'stall', 'truncate']);
    for (const f of files) {
      expect(f.faults.length).toBeLessThanOrEqual(2);
      expect(f.faults.filter((x) => faultLabel(x) === '429 backoff').length).toBeLessThanOrEqual(1);
      for (const fault of f.faults) if ('afterBytes' in fault) expect(fault.afterBytes).toBeLessThan(f.size);
    }
    // every file in exactly one webhook, of its conversation; every webhook carries one or more
    expect(webhooks.flatMap((w) => w.files).sort((a, b) => a - b)).toEqual(files.map((f) => f.id));
    for (const w of webhooks) {
      expect(w.files.length).toBeGreaterThan(0);
      for (const id of w.files) expect(files[id]!.csid).toBe(w.csid);
    }
    // every webhook delivered twice, the first before the redelivery, some out of order
    expect(deliveries).toHaveLength(600);
    for (const w of webhooks) {
      const at = deliveries.flatMap((d, i) => (d.webhook === w.index ? [[d.attempt, i]] : []));
      expect(at.map(([attempt]) => attempt)).toEqual([1, 2]);
    }
    expect(plan.outOfOrder).toBeGreaterThan(0);
  });

  it('refuses impossible shapes with the flag to fix', () => {
    const base = { ...DEFAULT_SOAK_OPTIONS, seed: 1 };
    expect(() => planSoak({ ...base, webhooks: 1001 })).toThrow('--webhooks');
    expect(() => planSoak({ ...base, big: 2000 })).toThrow('--big');
    expect(() => planSoak({ ...base, faultRate: 1.5 })).toThrow('--fault-rate');
    expect(() => planSoak({ ...base, files: 0 })).toThrow('--files');
  });
});
