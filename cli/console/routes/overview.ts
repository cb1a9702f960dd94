/** Overview: files and bytes by kind and by month archived, from one listing of the archive (listing.ts). */
import { Hono } from 'hono';
import { type ListedFile, listFiles } from '../../../lambdas/compliance/listing.ts';
import { explainS3Errors } from '../../../lambdas/compliance/s3-errors.ts';
import type { ConsoleDeps, ConsoleEnv } from '../app.ts';

export interface Tally {
  files: number;
  bytes: number;
}

export interface Overview {
  conversations: number;
  total: Tally;
  byKind: Record<string, Tally>;
  /** `YYYY-MM` → kind → tally, months in order. */
  byMonth: { month: string; kinds: Record<string, Tally> }[];
  /** Files whose record is missing or unreadable (not counted by kind or month). */
  withoutRecord: number;
  computedAt: string;
}

/** The archive is listed again at most this often: the overview is a picture, not a ledger. */
const FRESH_MS = 30_000;

export function overviewRoutes(deps: ConsoleDeps) {
  const app = new Hono<ConsoleEnv>();
  let cached: { at: number; overview: Promise<Overview> } | undefined;

  app.get('/overview', async (c) => {
    if (!cached || Date.now() - cached.at > FRESH_MS || c.req.query('fresh') !== undefined) {
      const overview = explainS3Errors(deps.archive, () => listFiles(deps.archive, {})).then(summarize);
      cached = { at: Date.now(), overview };
      overview.catch(() => {
        cached = undefined;
      });
    }
    return c.json(await cached.overview);
  });
  return app;
}

export function summarize(files: readonly ListedFile[], now = new Date()): Overview {
  const add = (tally: Tally | undefined, file: ListedFile): Tally => ({
    files: (tally?.files ?? 0) + 1,
    bytes: (tally?.bytes ?? 0) + file.size,
  });
  const byKind: Record<string, Tally> = {};
  const months = new Map<string, Record<string, Tally>>();
  let withoutRecord = 0;
  let total: Tally = { files: 0, bytes: 0 };
  for (const file of files) {
    total = add(total, file);
    if (!file.kind || !file.archivedAt) {
      withoutRecord++;
      continue;
    }
    byKind[file.kind] = add(byKind[file.kind], file);
    const month = file.archivedAt.slice(0, 7);
    const kinds = months.get(month) ?? {};
    kinds[file.kind] = add(kinds[file.kind], file);
    months.set(month, kinds);
  }
  return {
    conversations: new Set(files.map((f) => f.conversationId)).size,
    total,
    byKind,
    byMonth: [...months].sort(([a], [b]) => a.localeCompare(b)).map(([month, kinds]) => ({ month, kinds })),
    withoutRecord,
    computedAt: now.toISOString(),
  };
}
