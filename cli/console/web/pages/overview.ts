/** Overview: files and bytes by kind and by month archived, as charts (uPlot) with the same numbers as tables. */
import uPlot from 'uplot';
import { type ApiError, get } from '../api.ts';
import { errorBox, h, replace } from '../dom.ts';
import { bytes, plural, time } from '../format.ts';
import type { PageContext } from '../main.ts';
import { table } from '../table.ts';

interface Tally {
  files: number;
  bytes: number;
}

interface Overview {
  conversations: number;
  total: Tally;
  byKind: Record<string, Tally>;
  byMonth: { month: string; kinds: Record<string, Tally> }[];
  withoutRecord: number;
  computedAt: string;
}

/** One colour per kind, distinguishable and readable on white. */
const COLOURS = ['#1f5fa8', '#b3470d', '#2e7d32', '#7b1fa2', '#6d4c41', '#00796b'];

export async function overviewPage({ main }: PageContext) {
  const heading = h('h1', { tabindex: -1 }, 'Overview');
  replace(main, heading, h('p', {}, 'Counting the archive…'));
  let overview: Overview;
  try {
    overview = await get<Overview>('/api/overview');
  } catch (error) {
    replace(main, heading, errorBox((error as ApiError).message));
    return;
  }
  const kinds = Object.keys(overview.byKind).sort();
  const filesChart = h('figure', { class: 'chart' });
  const bytesChart = h('figure', { class: 'chart' });
  replace(
    main,
    heading,
    h(
      'p',
      {},
      `${plural(overview.total.files, 'file')} (${bytes(overview.total.bytes)}) in ${plural(overview.conversations, 'conversation')}, counted ${time(overview.computedAt)}.`,
    ),
    overview.withoutRecord > 0
      ? h('p', { class: 'error' }, `${plural(overview.withoutRecord, 'file')} without a usable record (see Verify).`)
      : null,
    table({
      caption: 'By kind',
      rows: kinds,
      columns: [
        { header: 'Kind', cell: (k) => k },
        {
          header: 'Files',
          cell: (k) => String(overview.byKind[k]!.files),
          value: (k) => overview.byKind[k]!.files,
          numeric: true,
        },
        {
          header: 'Bytes',
          cell: (k) => bytes(overview.byKind[k]!.bytes),
          value: (k) => overview.byKind[k]!.bytes,
          numeric: true,
        },
      ],
    }),
    filesChart,
    bytesChart,
    table({
      caption: 'By month archived',
      rows: overview.byMonth,
      columns: [
        { header: 'Month', cell: (m) => m.month },
        ...kinds.map((k) => ({
          header: k,
          cell: (m: Overview['byMonth'][number]) => `${m.kinds[k]?.files ?? 0} (${bytes(m.kinds[k]?.bytes ?? 0)})`,
        })),
      ],
    }),
  );
  if (overview.byMonth.length > 0) {
    stacked(
      filesChart,
      'Files archived per month, by kind',
      overview,
      kinds,
      (t) => t.files,
      (v) => String(v),
    );
    stacked(bytesChart, 'Bytes archived per month, by kind', overview, kinds, (t) => t.bytes, bytes);
  }
}

/** Stacked bars: series k is the sum of kinds 0..k, drawn from the tallest down so each kind shows as its band. */
function stacked(
  figure: HTMLElement,
  title: string,
  overview: Overview,
  kinds: string[],
  pick: (tally: Tally) => number,
  label: (value: number) => string,
) {
  const months = overview.byMonth;
  const x = months.map((_, i) => i);
  const cumulative = kinds.map((_, k) =>
    months.map((m) => kinds.slice(0, k + 1).reduce((sum, kind) => sum + (m.kinds[kind] ? pick(m.kinds[kind]) : 0), 0)),
  );
  const order = kinds.map((_, k) => kinds.length - 1 - k);
  const bars = uPlot.paths.bars!({ size: [0.6, 60] });
  const width = Math.min(Math.max(figure.parentElement?.clientWidth ?? 600, 320), 900);
  const chart = h('div', { role: 'img', 'aria-label': `${title} (the table below has the numbers)` });
  replace(
    figure,
    h('figcaption', {}, title),
    chart,
    h(
      'ul',
      { class: 'legend' },
      kinds.map((kind, k) => h('li', {}, h('span', { class: `swatch c${k}`, 'aria-hidden': 'true' }), kind)),
    ),
  );
  new uPlot(
    {
      width,
      height: 220,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: false, range: [-0.5, months.length - 0.5] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] },
      },
      axes: [
        { values: (_u, ticks) => ticks.map((t) => months[t]?.month ?? ''), splits: () => x },
        { values: (_u, ticks) => ticks.map(label), size: 70 },
      ],
      series: [
        {},
        ...order.map((k) => ({
          label: kinds[k],
          fill: COLOURS[k % COLOURS.length],
          stroke: COLOURS[k % COLOURS.length],
          paths: bars,
          points: { show: false },
        })),
      ],
    },
    [x, ...order.map((k) => cumulative[k]!)],
    chart,
  );
}
