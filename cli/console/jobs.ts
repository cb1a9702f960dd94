/**
 * Long work started from the page (verifying the whole archive can take hours): it runs in the console process, and
 * the page polls its progress. One job per request; finished jobs are kept for the session so a result can be
 * printed again. The work itself is a compliance module; a job only counts bytes and keeps the outcome.
 */
import { randomUUID } from 'node:crypto';
import { UserError } from '../../lambdas/commons/errors.ts';

export interface JobProgress {
  /** Bytes done of `totalBytes` (0 while the work is being planned). */
  bytes: number;
  totalBytes: number;
  phase: string;
}

export interface JobView<T = unknown> {
  id: string;
  kind: string;
  state: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt?: string;
  progress: JobProgress;
  result?: T;
  error?: string;
}

export interface JobControl {
  plan(totalBytes: number, phase: string): void;
  advance(bytes: number): void;
}

const KEPT_JOBS = 50;

export class Jobs {
  private readonly jobs = new Map<string, JobView>();

  start<T>(kind: string, work: (control: JobControl) => Promise<T>): JobView<T> {
    const job: JobView<T> = {
      id: randomUUID(),
      kind,
      state: 'running',
      startedAt: new Date().toISOString(),
      progress: { bytes: 0, totalBytes: 0, phase: 'planning' },
    };
    this.jobs.set(job.id, job);
    this.forgetOld();
    const control: JobControl = {
      plan: (totalBytes, phase) => {
        job.progress = { bytes: 0, totalBytes, phase };
      },
      advance: (bytes) => {
        job.progress.bytes += bytes;
      },
    };
    void work(control).then(
      (result) => {
        job.result = result;
        job.state = 'done';
        job.finishedAt = new Date().toISOString();
      },
      (error: unknown) => {
        job.error = error instanceof UserError ? error.message : `unexpected error: ${(error as Error).message}`;
        job.state = 'failed';
        job.finishedAt = new Date().toISOString();
      },
    );
    return job;
  }

  get(id: string): JobView | undefined {
    return this.jobs.get(id);
  }

  private forgetOld(): void {
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= KEPT_JOBS) break;
      if (job.state !== 'running') this.jobs.delete(id);
    }
  }
}
