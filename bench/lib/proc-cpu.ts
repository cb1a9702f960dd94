/**
 * CPU accounting from /proc on Linux: the CPU time of another process (all its threads) — how much the file
 * source and the local S3 used during a measurement — and how busy the whole machine was, whoever used it.
 * Undefined where /proc is not available.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc's CPU times; 100 on every mainstream Linux architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3; utime, stime are fields 14, 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export interface MachineCpu {
  busy: number;
  total: number;
}

/** Cumulative busy and total CPU time of all cores (/proc/stat); idle and iowait count as not busy. */
export function machineCpu(): MachineCpu | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const values = [user, nice, system, idle, iowait, irq, softirq, steal] as number[];
    if (values.some((v) => !Number.isFinite(v))) return undefined;
    const total = values.reduce((a, b) => a + b, 0);
    return { busy: total - (idle as number) - (iowait as number), total };
  } catch {
    return undefined;
  }
}

/** Share (0–1) of all cores that were busy between two readings. */
export function busyShare(before: MachineCpu | undefined, after: MachineCpu | undefined): number | null {
  if (!before || !after || after.total <= before.total) return null;
  return (after.busy - before.busy) / (after.total - before.total);
}
