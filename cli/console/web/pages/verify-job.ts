/** Starts a verification on the server and follows it until it ends, reporting progress as it goes. */
import { get, post } from '../api.ts';

export interface Finding {
  conversationId: string;
  key: string;
  name: string;
  problem: string;
  detail: string;
}

export interface VerifyResult {
  scope: { all?: boolean; conversations?: string[] };
  checkedAt: string;
  ok: boolean;
  files: number;
  bytes: number;
  findings: Finding[];
}

interface Job {
  id: string;
  state: 'running' | 'done' | 'failed';
  progress: { bytes: number; totalBytes: number; phase: string };
  result?: VerifyResult;
  error?: string;
}

const POLL_MS = 250;

export async function verify(
  scope: { all: true } | { conversations: string[] },
  onProgress: (done: number, total: number, phase: string) => void,
): Promise<VerifyResult> {
  let job = await post<Job>('/api/verify', scope);
  while (job.state === 'running') {
    onProgress(job.progress.bytes, job.progress.totalBytes, job.progress.phase);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    job = await get<Job>(`/api/jobs/${job.id}`);
  }
  if (job.state === 'failed' || !job.result) throw new Error(job.error ?? 'the verification failed');
  onProgress(job.progress.totalBytes, job.progress.totalBytes, 'done');
  return job.result;
}
