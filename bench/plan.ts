/**
 * What `npm run bench` measures, and with `--quick` the same steps on tiny sizes (used by the smoke test: it
 * proves the machinery, not the numbers).
 */
import { MIB } from './lib/source-server.ts';

export interface Plan {
  mode: 'full' | 'quick';
  throughput: { sizes: number[]; reps: number };
  memory: { archiver: number[]; naive: number[] };
  tuning: { bytes: number; reps: number; partSizesMiB: number[]; queueSizes: number[] };
  /** Archiver runs at the sizes of the cost model's file mix (decimal sizes, as the mix is stated). */
  costInputs: { sizes: number[]; reps: number };
  ingest: { iterations: number; warmUp: number };
  /** Files of 20–200 KB through the archiver handler (and the GET + PUT floor), each mode `reps` times, interleaved. */
  smallFiles: { files: number; reps: number };
  /** Fresh Node.js 24 processes per Lambda bundle. */
  coldStart: { runs: number };
}

export const FULL_PLAN: Plan = {
  mode: 'full',
  throughput: { sizes: [64 * MIB, 512 * MIB], reps: 3 },
  memory: { archiver: [100 * MIB, 2048 * MIB], naive: [100 * MIB, 1024 * MIB] },
  tuning: { bytes: 128 * MIB, reps: 3, partSizesMiB: [5, 8, 16], queueSizes: [1, 2, 4, 8] },
  costInputs: { sizes: [50_000, 200_000, 20_000_000], reps: 3 },
  ingest: { iterations: 3000, warmUp: 500 },
  smallFiles: { files: 1000, reps: 2 },
  coldStart: { runs: 10 },
};

export const QUICK_PLAN: Plan = {
  mode: 'quick',
  throughput: { sizes: [12 * MIB], reps: 1 },
  memory: { archiver: [2 * MIB, 12 * MIB], naive: [2 * MIB, 12 * MIB] },
  tuning: { bytes: 12 * MIB, reps: 1, partSizesMiB: [5, 8], queueSizes: [1] },
  costInputs: { sizes: [50_000, 2_000_000], reps: 1 },
  ingest: { iterations: 30, warmUp: 10 },
  smallFiles: { files: 20, reps: 1 },
  coldStart: { runs: 1 },
};

/** Room the local S3 needs: the largest object twice (s3rver keeps the parts until it has joined them). */
export function scratchBytesNeeded(plan: Plan): number {
  const largest = Math.max(...plan.throughput.sizes, ...plan.memory.archiver, ...plan.memory.naive, plan.tuning.bytes);
  return 2 * largest + 256 * MIB;
}
