import { describe, expect, it } from 'vitest';
import { percentile } from '../../../bench/lib/stats.ts';
import type { Run } from '../../../bench/lib/transfers.ts';
import { recommendTuning, runToRunNoise, throughputRows, tuningCells } from '../../../bench/report.ts';
import { shuffle } from '../../../bench/sections.ts';

const MIB = 1024 * 1024;

function run(partial: Partial<Run> & Pick<Run, 'variant' | 'seconds'>): Run {
  const bytes = partial.bytes ?? 64 * MIB;
  return {
    bytes,
    partSizeMiB: 8,
    queueSize: 4,
    s3InProcess: false,
    cpuSeconds: 1,
    floorCpuSeconds: null,
    systemCpuSeconds: null,
    helpersCpuSeconds: null,
    machineBusyShare: null,
    baselineRssMiB: 50,
    peakRssMiB: 100,
    mibPerSecond: bytes / MIB / partial.seconds,
    ...partial,
  };
}

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('throughputRows', () => {
  it('compares medians as durations: c ÷ the longer of a and b, and c ÷ d', () => {
    const runs = [
      ...[1, 2, 9].map((seconds) => run({ variant: 'download', seconds })),
      ...[4, 4, 5].map((seconds) => run({ variant: 'upload', seconds })),
      ...[5, 6, 7].map((seconds) => run({ variant: 'archiver', seconds })),
      ...[12, 10, 11].map((seconds) => run({ variant: 'naive', seconds })),
      run({ variant: 'upload', seconds: 8, s3InProcess: true }),
    ];
    const [row] = throughputRows(runs);
    expect(row?.limitRatio).toBeCloseTo(6 / 4);
    expect(row?.naiveRatio).toBeCloseTo(6 / 11);
    expect(row?.byVariant.upload?.seconds).toBe(4);
    expect(row?.byVariant['upload-in-process']?.seconds).toBe(8);
    expect(row?.byVariant.archiver?.mibPerSecond).toBeCloseTo(64 / 6);
  });

  it('keeps sizes apart', () => {
    const rows = throughputRows([
      run({ variant: 'archiver', seconds: 1, bytes: 512 * MIB }),
      run({ variant: 'archiver', seconds: 1 }),
    ]);
    expect(rows.map((r) => r.bytes)).toEqual([64 * MIB, 512 * MIB]);
  });
});

describe('runToRunNoise', () => {
  it('is the median relative range of repeated measurements, ignoring single ones', () => {
    const runs = [
      ...[10, 11].map((seconds) => run({ variant: 'download', seconds: 64 / seconds })), // 10 and 11 MiB/s
      ...[20, 24].map((seconds) => run({ variant: 'upload', seconds: 64 / seconds })),
      ...[30, 30, 33].map((seconds) => run({ variant: 'archiver', seconds: 64 / seconds })),
      run({ variant: 'naive', seconds: 1 }),
    ];
    // ranges: 1/10.5, 4/22, 3/30 → median 0.1
    expect(runToRunNoise(runs)).toBeCloseTo(0.1);
    expect(runToRunNoise([run({ variant: 'naive', seconds: 1 })])).toBeNaN();
  });
});

describe('recommendTuning', () => {
  const cell = (partSizeMiB: number, queueSize: number, seconds: number, peakRssMiB: number) =>
    run({ variant: 'archiver', seconds, partSizeMiB, queueSize, peakRssMiB });

  it('picks the fastest cell within the memory target when the others are slower than the noise', () => {
    const pick = recommendTuning(tuningCells([cell(5, 2, 10, 90), cell(8, 4, 5, 140), cell(16, 8, 4, 300)]), 0.05);
    expect(pick).toMatchObject({ partSizeMiB: 8, queueSize: 4 });
  });

  it('among cells as fast as the fastest within the noise, prefers larger parts, then fewer in flight', () => {
    const cells = tuningCells([cell(5, 4, 5, 120), cell(8, 4, 5.4, 140), cell(8, 2, 6, 110), cell(16, 2, 4.8, 200)]);
    expect(recommendTuning(cells, 0.05)).toMatchObject({ partSizeMiB: 5, queueSize: 4 });
    expect(recommendTuning(cells, 0.1)).toMatchObject({ partSizeMiB: 8, queueSize: 4 });
    expect(recommendTuning(cells, 0.2)).toMatchObject({ partSizeMiB: 8, queueSize: 2 });
  });

  it('never treats less than 5 % as a difference, and keeps at least 2 uploads in flight', () => {
    const cells = tuningCells([cell(8, 4, 5, 140), cell(8, 2, 5.2, 110), cell(8, 1, 5, 80)]);
    expect(recommendTuning(cells, 0)).toMatchObject({ partSizeMiB: 8, queueSize: 2 });
  });

  it('finds nothing when every cell is over the target', () => {
    expect(recommendTuning(tuningCells([cell(16, 8, 4, 300)]), 0.05)).toBeUndefined();
  });
});

describe('shuffle', () => {
  it('is a reproducible permutation that differs between seeds', () => {
    const items = Array.from({ length: 12 }, (_, i) => i);
    expect(shuffle(items, 1)).toEqual(shuffle(items, 1));
    expect([...shuffle(items, 1)].sort((a, b) => a - b)).toEqual(items);
    expect(shuffle(items, 1)).not.toEqual(shuffle(items, 2));
  });
});
