import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ByteMeter } from '../../../lambdas/archiver/byte-meter.ts';

const sink = () => new Writable({ write: (_chunk, _encoding, callback) => callback() });
const chunks = (...sizes: number[]) => Readable.from(sizes.map((size, i) => Buffer.alloc(size, i + 1)));

describe('ByteMeter', () => {
  it('counts and hashes what passes through, and reports the totals once at the end', async () => {
    const totals: unknown[] = [];
    const meter = new ByteMeter({ onComplete: (t) => totals.push(t) });
    await pipeline(chunks(3, 0, 5), meter, sink());
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.alloc(3, 1), Buffer.alloc(5, 3)]))
      .digest('hex');
    expect(meter.bytes).toBe(8);
    expect(meter.sha256).toBe(expected);
    expect(totals).toEqual([{ bytes: 8, sha256: expected }]);
  });

  it('hashes the empty file as sha256 of nothing', async () => {
    const meter = new ByteMeter();
    await pipeline(Readable.from([]), meter, sink());
    expect(meter.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('accepts exactly the expected length; counts without hashing when asked', async () => {
    const meter = new ByteMeter({ expectedBytes: 10, hash: false });
    await pipeline(chunks(4, 6), meter, sink());
    expect(meter.bytes).toBe(10);
    expect(meter.sha256).toBeUndefined();
  });

  it('fails at the end when fewer bytes arrived than expected, without reporting totals', async () => {
    let reported = false;
    const meter = new ByteMeter({ expectedBytes: 11, onComplete: () => (reported = true) });
    await expect(pipeline(chunks(4, 6), meter, sink())).rejects.toMatchObject({
      kind: 'retry',
      code: 'size-mismatch',
      message: 'received 10 bytes but Content-Length is 11',
    });
    expect(reported).toBe(false);
  });

  it('fails as soon as more bytes arrive than expected', async () => {
    const meter = new ByteMeter({ expectedBytes: 5 });
    await expect(pipeline(chunks(4, 6, 100), meter, sink())).rejects.toMatchObject({
      code: 'size-mismatch',
      message: 'received more than 5 bytes but Content-Length is 5',
    });
    expect(meter.bytes).toBe(10);
  });
});
