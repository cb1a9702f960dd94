/**
 * CPU time of another process (all its threads), from /proc/<pid>/stat on Linux: how much of the machine the
 * file source and the local S3 used during a measurement. Undefined where /proc is not available.
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
