/**
 * Daily completeness reports: the list (the newest with their outcome) and one report in full (reports.ts reads what
 * the sweep wrote; nothing here counts anything).
 */
import { Hono } from 'hono';
import { UserError } from '../../../lambdas/commons/errors.ts';
import { mapLimit } from '../../../lambdas/commons/map-limit.ts';
import { listReports, readReport } from '../../../lambdas/compliance/reports.ts';
import { explainS3Errors } from '../../../lambdas/compliance/s3-errors.ts';
import type { ConsoleDeps, ConsoleEnv } from '../app.ts';

/** The list shows the outcome of this many of the newest reports (one GET each); older ones open one by one. */
export const SUMMARIZED_REPORTS = 31;
const READS_IN_FLIGHT = 8;

export function reportRoutes(deps: ConsoleDeps) {
  const { archive } = deps;
  const app = new Hono<ConsoleEnv>();

  app.get('/reports', async (c) => {
    const reports = await explainS3Errors(archive, () => listReports(archive));
    const summaries = await mapLimit(reports.slice(0, SUMMARIZED_REPORTS), READS_IN_FLIGHT, async ({ day }) => {
      try {
        const { status, from, to, totals } = await explainS3Errors(archive, () => readReport(archive, day));
        return { status, from, to, totals };
      } catch (error: unknown) {
        if (error instanceof UserError) return { problem: error.message };
        throw error;
      }
    });
    return c.json({ reports: reports.map((report, i) => ({ ...report, summary: summaries[i] ?? null })) });
  });

  app.get('/reports/:day', async (c) => {
    const day = c.req.param('day');
    const report = await explainS3Errors(archive, () => readReport(archive, day));
    return c.json({ day, report });
  });
  return app;
}
