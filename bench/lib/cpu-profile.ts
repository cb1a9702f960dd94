/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and sums its samples by where the time went: self time per function,
 * and per group (garbage collection, hashing, HTTP, streams, the bundle's own code, …). `npm run bench -- --profile`
 * prints this for the archiver's largest run; open the .cpuprofile in Chrome DevTools for the flame graph.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled ms in total, and not idle. */
  totalMs: number;
  busyMs: number;
  groups: { group: string; ms: number }[];
  functions: { name: string; ms: number }[];
}

function groupOf(frame: ProfileNode['callFrame']): string {
  const { functionName, url } = frame;
  if (!url) return functionName || '(native)';
  if (url.includes('node_modules/.cache/') || url.endsWith('.mjs')) return 'bundled code (AWS SDK, project)';
  if (url.endsWith('crypto/hash')) return 'SHA-256 (crypto hash)';
  if (url === 'node:zlib') return 'CRC32 (zlib)';
  if (url === 'node:buffer') return 'buffer copies';
  if (url.includes('_http_')) return 'node:http';
  if (url.includes('streams/')) return 'node:stream';
  if (url.includes('net') || url.includes('stream_base')) return 'node:net';
  return `node: ${url.replace(/^node:(internal\/)?/, '')}`;
}

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of selfMs) {
    const frame = (byId.get(id) as ProfileNode).callFrame;
    totalMs += ms;
    const group = groupOf(frame);
    groups.set(group, (groups.get(group) ?? 0) + ms);
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').at(-1) ?? ''}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
  }
  const sorted = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).filter(([name]) => !name.startsWith('(idle)'));
  return {
    totalMs,
    busyMs: totalMs - (groups.get('(idle)') ?? 0),
    groups: sorted(groups)
      .slice(0, top)
      .map(([group, ms]) => ({ group, ms })),
    functions: sorted(functions)
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms })),
  };
}

export function renderProfile(summary: ProfileSummary): string {
  const share = (ms: number) => `${((ms / summary.busyMs) * 100).toFixed(1).padStart(5)} %`;
  return [
    `busy ${summary.busyMs.toFixed(0)} ms of ${summary.totalMs.toFixed(0)} ms sampled (module loading and the warm-up included)`,
    '',
    'by group (self time):',
    ...summary.groups.map((g) => `  ${share(g.ms)}  ${g.ms.toFixed(0).padStart(6)} ms  ${g.group}`),
    '',
    'by function (self time):',
    ...summary.functions.map((f) => `  ${share(f.ms)}  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}`),
  ].join('\n');
}
