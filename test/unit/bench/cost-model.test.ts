import { describe, expect, it } from 'vitest';
import { costModel, FILE_MIX, interpolate, PRICES, putRequestsPerFile } from '../../../bench/cost-model.ts';

const MIB = 1024 * 1024;

describe('putRequestsPerFile', () => {
  it('counts one PutObject below the part size, plus the record', () => {
    expect(putRequestsPerFile(200_000, 8)).toBe(2);
    expect(putRequestsPerFile(8 * MIB - 1, 8)).toBe(2);
  });

  it('counts create + parts + complete from the part size up, plus the record', () => {
    expect(putRequestsPerFile(8 * MIB, 8)).toBe(1 + 1 + 1 + 1);
    expect(putRequestsPerFile(20_000_000, 8)).toBe(1 + 3 + 1 + 1);
    expect(putRequestsPerFile(20_000_000, 5)).toBe(1 + 4 + 1 + 1);
  });
});

describe('interpolate', () => {
  const curve = [
    [1000, 3],
    [100, 1],
    [200, 1],
  ] as const;

  it('returns measured points exactly and is linear between them', () => {
    expect(interpolate(curve, 100)).toBe(1);
    expect(interpolate(curve, 1000)).toBe(3);
    expect(interpolate(curve, 600)).toBeCloseTo(2);
  });

  it('is flat below the smallest point and extends the last segment beyond the largest', () => {
    expect(interpolate(curve, 10)).toBe(1);
    expect(interpolate(curve, 1800)).toBeCloseTo(5);
    expect(interpolate([[5, 3]], 50)).toBe(3);
    expect(interpolate([], 50)).toBeNaN();
  });
});

describe('costModel', () => {
  const input = {
    archiverMemoryMiB: 1769,
    ingestMemoryMiB: 1769,
    partSizeMiB: 8,
    archiverCpu: [[1000, 0.01]] as const,
    archiverWall: [[1000, 0.02]] as const,
    ingestCpuSeconds: 0.002,
    mix: [
      { name: 'small', count: 1000, bytes: 100_000 },
      { name: 'large', count: 10, bytes: 20_000_000 },
    ],
  };

  it('models a duration as the waits plus the larger of CPU time (one full vCPU here) and download time', () => {
    const model = costModel(input);
    expect(model.durations[0]?.lambdaSeconds).toBeCloseTo(0.15 + Math.max(0.01, 100_000 / 50e6));
    expect(model.durations[1]?.lambdaSeconds).toBeCloseTo(0.15 + 20_000_000 / 50e6);
    expect(model.ingestSeconds).toBeCloseTo(0.02 + 0.002);
  });

  it('prices each item as quantity × unit price, and the total as their sum', () => {
    const model = costModel(input);
    for (const row of model.rows) expect(row.cost).toBeCloseTo(row.quantity * row.unitPrice, 12);
    const storage = model.rows.at(-1);
    expect(storage?.unit).toBe('GB-month');
    const others = model.rows.slice(0, -1).reduce((sum, row) => sum + row.cost, 0);
    expect(model.oneOff).toBeCloseTo(others, 12);
    expect(model.storagePerMonth).toBeCloseTo((storage?.quantity ?? 0) * PRICES.s3StandardGbMonth, 12);
  });

  it('counts requests from the mix: one webhook, one invocation and one HEAD per file', () => {
    const rows = Object.fromEntries(costModel(input).rows.map((row) => [row.item.split(' (')[0], row.quantity]));
    expect(rows['API Gateway HTTP API requests']).toBe(1010);
    expect(rows['Lambda requests']).toBe(2020);
    expect(rows['S3 PUT-class requests']).toBe(1000 * 2 + 10 * 6);
    expect(rows['S3 GET-class requests']).toBe(1010);
  });

  it('bills configured memory: GB-s = memory in GB × modelled seconds', () => {
    const model = costModel({ ...input, archiverMemoryMiB: 512 });
    const archiver = model.rows.find((row) => row.item.startsWith('Lambda archiver'));
    const expected = input.mix.reduce(
      (sum, file, i) => sum + file.count * (model.durations[i]?.lambdaSeconds ?? 0) * 0.5,
      0,
    );
    expect(archiver?.quantity).toBeCloseTo(expected, 9);
  });

  it('uses the stated mix by default', () => {
    expect(costModel({ ...input, mix: undefined }).durations.map((d) => d.bytes)).toEqual(FILE_MIX.map((f) => f.bytes));
  });
});
