/**
 * Daily completeness reports: every report the sweep wrote, newest first with its outcome, and one report in plain
 * words — for each day, how many files Dixa listed and where each one stands.
 */
import { type ApiError, get } from '../api.ts';
import { errorBox, h, replace } from '../dom.ts';
import { plural, time } from '../format.ts';
import type { PageContext } from '../main.ts';
import { table } from '../table.ts';

type Status = 'complete' | 'incomplete' | 'unproven';

interface Counts {
  linked: number;
  archived: number;
  queued: number;
  deadLettered: number;
  erased: number;
  notArchivable: number;
}

interface DayReport extends Counts {
  day: string;
  status: Status;
  messages: number;
  deadLetteredReasons: { code: string; count: number; example: string }[];
  errors: string[];
}

interface Report {
  from: string;
  to: string;
  trigger: 'schedule' | 'cli';
  startedAt: string;
  finishedAt: string;
  bucket: string;
  prefix: string;
  followAnonymization: 'report' | 'erase' | 'off';
  status: Status;
  totals: Counts & { messages: number; errors: number; unprovenDays: number };
  days: DayReport[];
}

interface Listed {
  day: string;
  summary: { status: Status; from: string; to: string; totals: Report['totals'] } | { problem: string } | null;
}

const STATUS: Record<Status, string> = { complete: 'Complete', incomplete: 'Incomplete', unproven: 'Not proven' };
const STATUS_CLASS: Record<Status, string> = {
  complete: 'badge good',
  incomplete: 'badge bad',
  unproven: 'badge warn',
};

const statusBadge = (status: Status) => h('span', { class: STATUS_CLASS[status] ?? 'badge' }, STATUS[status] ?? status);
const span = (from: string, to: string) => (from === to ? from : `${from} to ${to}`);

export async function reportsPage(context: PageContext) {
  if (context.params[0]) return reportPage(context, context.params[0]);
  const { main } = context;
  const heading = h('h1', { tabindex: -1 }, 'Completeness reports');
  replace(main, heading, h('p', {}, 'Loading…'));
  let reports: Listed[];
  try {
    ({ reports } = await get<{ reports: Listed[] }>('/api/reports'));
  } catch (error) {
    replace(main, heading, errorBox((error as ApiError).message));
    return;
  }
  const intro = h(
    'p',
    {},
    'Every day the sweep asks Dixa which files its conversations had on the last few days and checks each one against the archive. Missing files are queued for archiving at once; each run leaves one report.',
  );
  if (reports.length === 0) {
    replace(
      main,
      heading,
      intro,
      h(
        'p',
        {},
        'No report yet. The deployed stack writes one every day (sweepSchedule); "npx dixa-archiver sweep" writes one now.',
      ),
    );
    return;
  }
  const latest = reports[0]!;
  replace(
    main,
    heading,
    intro,
    h(
      'p',
      {},
      `The latest report is of ${latest.day}: `,
      latest.summary && 'status' in latest.summary ? statusBadge(latest.summary.status) : 'it cannot be read',
      ' ',
      h('a', { href: `#/reports/${latest.day}` }, 'Open it'),
    ),
    table<Listed>({
      caption: 'Reports, newest first',
      rows: reports,
      filterLabel: 'Filter reports (day, status)',
      columns: [
        { header: 'Run on', cell: (r) => h('a', { href: `#/reports/${r.day}` }, r.day), value: (r) => r.day },
        {
          header: 'Days checked',
          cell: (r) => (r.summary && 'from' in r.summary ? span(r.summary.from, r.summary.to) : '—'),
        },
        {
          header: 'Outcome',
          cell: (r) =>
            !r.summary
              ? 'open to see'
              : 'problem' in r.summary
                ? h('span', { class: 'error' }, r.summary.problem)
                : statusBadge(r.summary.status),
        },
        ...(['linked', 'archived', 'queued', 'deadLettered', 'erased'] as const).map((key) => ({
          header: COUNT_WORDS[key],
          cell: (r: Listed) => (r.summary && 'totals' in r.summary ? String(r.summary.totals[key]) : '—'),
          value: (r: Listed) => (r.summary && 'totals' in r.summary ? r.summary.totals[key] : -1),
          numeric: true,
        })),
      ],
    }),
  );
}

const COUNT_WORDS: Record<keyof Counts, string> = {
  linked: 'Files Dixa listed',
  archived: 'Archived',
  queued: 'Missing, queued now',
  deadLettered: 'Failed for good',
  erased: 'Erased on request',
  notArchivable: 'Not archivable',
};

async function reportPage({ main }: PageContext, day: string) {
  const heading = h('h1', { tabindex: -1 }, `Completeness report of ${day}`);
  const back = h('p', { class: 'no-print' }, h('a', { href: '#/reports' }, 'All reports'));
  replace(main, heading, back, h('p', {}, 'Loading…'));
  let report: Report;
  try {
    ({ report } = await get<{ report: Report }>(`/api/reports/${encodeURIComponent(day)}`));
  } catch (error) {
    replace(main, heading, back, errorBox((error as ApiError).message));
    return;
  }
  const { totals } = report;
  const reasons = report.days.flatMap((d) => d.deadLetteredReasons.map((r) => ({ day: d.day, ...r })));
  const problems = report.days.flatMap((d) => d.errors.map((error) => ({ day: d.day, error })));
  replace(
    main,
    heading,
    back,
    h(
      'div',
      { class: 'report' },
      h('h2', { class: report.status === 'complete' ? 'ok' : 'error' }, verdict(report)),
      h('p', {}, explanation(report)),
      h(
        'dl',
        {},
        h('dt', {}, 'Days checked'),
        h('dd', {}, `${span(report.from, report.to)} (UTC)`),
        h('dt', {}, 'Run'),
        h(
          'dd',
          {},
          `${report.trigger === 'schedule' ? 'by the daily schedule' : 'by hand (dixa-archiver sweep)'}, ${time(report.startedAt)} to ${time(report.finishedAt)}`,
        ),
        h('dt', {}, 'Archive'),
        h('dd', {}, h('code', {}, `s3://${report.bucket}/${report.prefix}`)),
        h('dt', {}, 'In all'),
        h(
          'dd',
          {},
          `${plural(totals.linked, 'file')} in ${plural(totals.messages, 'message')}: ${totals.archived} archived, ${totals.erased} erased on request, ${totals.queued} missing and queued now, ${totals.deadLettered} failed for good, ${totals.notArchivable} not archivable.`,
        ),
      ),
      table<DayReport>({
        caption: 'Day by day',
        rows: report.days,
        columns: [
          { header: 'Day', cell: (d) => d.day },
          { header: 'Outcome', cell: (d) => statusBadge(d.status), value: (d) => d.status },
          { header: 'Messages', cell: (d) => String(d.messages), value: (d) => d.messages, numeric: true },
          ...(Object.keys(COUNT_WORDS) as (keyof Counts)[]).map((key) => ({
            header: COUNT_WORDS[key],
            cell: (d: DayReport) => String(d[key]),
            value: (d: DayReport) => d[key],
            numeric: true,
          })),
        ],
      }),
      reasons.length > 0
        ? table({
            caption: 'Why files failed for good (they wait in the dead-letter queue; Failed files can retry them)',
            rows: reasons,
            columns: [
              { header: 'Day', cell: (r) => r.day },
              { header: 'Files', cell: (r) => String(r.count), value: (r) => r.count, numeric: true },
              { header: 'Reason', cell: (r) => r.code },
              { header: 'For example', cell: (r) => h('span', { class: 'name' }, r.example) },
            ],
          })
        : null,
      problems.length > 0
        ? table({
            caption: 'Why days are not proven (the next sweep checks them again)',
            rows: problems,
            columns: [
              { header: 'Day', cell: (p) => p.day },
              { header: 'What went wrong', cell: (p) => h('span', { class: 'name' }, p.error) },
            ],
          })
        : null,
      glossary(),
      h('button', { type: 'button', class: 'no-print', onclick: () => window.print() }, 'Print this report'),
    ),
  );
}

function verdict(report: Report): string {
  if (report.status === 'complete') return 'Complete: the archive holds every file Dixa listed';
  if (report.status === 'incomplete') return 'Incomplete: some files were missing or failed';
  return 'Not proven: some days could not be checked';
}

function explanation(report: Report): string {
  const { totals } = report;
  const days = span(report.from, report.to);
  if (report.status === 'complete') {
    return `For ${days}, every file in Dixa's conversations is in the archive, or was erased on request.`;
  }
  const parts: string[] = [];
  if (totals.queued > 0)
    parts.push(
      `${plural(totals.queued, 'file was', 'files were')} missing and ${totals.queued === 1 ? 'has' : 'have'} been queued for archiving now`,
    );
  if (totals.deadLettered > 0)
    parts.push(
      `${plural(totals.deadLettered, 'file')} failed for good earlier and ${totals.deadLettered === 1 ? 'waits' : 'wait'} in the dead-letter queue`,
    );
  if (totals.unprovenDays > 0)
    parts.push(
      `${plural(totals.unprovenDays, 'day')} could not be checked completely (Dixa or S3 did not answer), so nothing is claimed for ${totals.unprovenDays === 1 ? 'it' : 'them'}`,
    );
  return `For ${days}: ${parts.join('; ')}.`;
}

function glossary(): HTMLElement {
  const entry = (term: string, meaning: string) => [h('dt', {}, term), h('dd', {}, meaning)];
  return h(
    'details',
    { class: 'glossary' },
    h('summary', {}, 'What the words mean'),
    h(
      'dl',
      {},
      entry('Files Dixa listed', "Attachments and recordings in the day's messages, as Dixa's export lists them."),
      entry('Archived', 'In the archive, with its provenance record.'),
      entry(
        'Erased on request',
        'Its conversation was erased (with a receipt) after the message was sent: on purpose not in the archive.',
      ),
      entry(
        'Missing, queued now',
        'Not in the archive when the sweep looked (a webhook was missed, or the file was still on its way); the sweep queued it for archiving.',
      ),
      entry('Failed for good', 'The archiver gave up on it earlier (the reason is kept); a redrive retries it.'),
      entry('Not archivable', 'A link to another website, never fetched by design.'),
      entry('Complete', 'Every file listed for the day is archived or was erased on request.'),
      entry('Not proven', 'The day could not be read or checked completely; the report claims nothing for it.'),
    ),
  );
}
