/** Failed files: the dead-letter queue by failure reason, and a redrive once confirmed. */
import { type ApiError, get, post } from '../api.ts';
import { announce, errorBox, h, replace } from '../dom.ts';
import { plural } from '../format.ts';
import type { PageContext } from '../main.ts';
import { table } from '../table.ts';

interface Summary {
  configured: boolean;
  dlqUrl?: string;
  queueUrl?: string | null;
  summary?: {
    approximateTotal: number;
    scanned: number;
    reasons: { reason: string; count: number }[];
    erased?: number;
  };
}

interface MoveResult {
  method: string;
  moved: number;
  failed: number;
  leftInDeadLetterQueue: number;
  droppedErased: number;
}

export async function failedPage({ main }: PageContext) {
  const heading = h('h1', { tabindex: -1 }, 'Failed files');
  replace(main, heading, h('p', {}, 'Reading the dead-letter queue…'));
  let answer: Summary;
  try {
    answer = await get<Summary>('/api/dead-letters');
  } catch (error) {
    replace(main, heading, errorBox((error as ApiError).message));
    return;
  }
  if (!answer.configured || !answer.summary) {
    replace(
      main,
      heading,
      h(
        'p',
        {},
        'No dead-letter queue was given: start the console with --dlq-url and --queue-url (local mode\u2019s banner prints them) to see and redrive failed files.',
      ),
    );
    return;
  }
  const { summary } = answer;
  const count = Math.max(summary.scanned, summary.approximateTotal);
  if (count === 0) {
    replace(main, heading, h('p', { class: 'ok' }, 'The dead-letter queue is empty: no file has failed for good.'));
    return;
  }
  const outcome = h('div');
  const confirmBox = h('div', { class: 'confirm', hidden: true });
  const redrive = h('button', { type: 'button' }, `Redrive ${plural(count, 'job')}…`);
  redrive.addEventListener('click', () => {
    confirmBox.hidden = false;
    confirmBox.querySelector<HTMLElement>('button')?.focus();
  });
  const yes = h('button', { type: 'button', class: 'primary' }, `Yes, move ${plural(count, 'job')} back`);
  const no = h('button', { type: 'button' }, 'Cancel');
  no.addEventListener('click', () => {
    confirmBox.hidden = true;
    redrive.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    replace(outcome, h('p', {}, 'Moving…'));
    try {
      const result = await post<MoveResult>('/api/dead-letters/redrive', { expected: count });
      const message =
        `Moved ${plural(result.moved, 'job')} back to the job queue.` +
        (result.droppedErased ? ` Dropped ${plural(result.droppedErased, 'job')} of erased conversations.` : '') +
        (result.failed ? ` ${result.failed} could not be sent and stay in the dead-letter queue.` : '');
      replace(outcome, h('p', { class: 'ok', role: 'status' }, message));
      announce(message);
      confirmBox.hidden = true;
      redrive.disabled = true;
    } catch (error) {
      replace(outcome, errorBox((error as ApiError).message));
      yes.disabled = false;
    }
  });
  replace(
    confirmBox,
    h(
      'p',
      {},
      `Move ${plural(count, 'job')} back to ${answer.queueUrl ?? 'the job queue'} so the archiver tries again? Fix the cause first (e.g. an expired API token), or they fail again.`,
    ),
    yes,
    no,
  );
  const partial = summary.scanned < summary.approximateTotal;
  replace(
    main,
    heading,
    h(
      'p',
      {},
      `${partial ? `About ${summary.approximateTotal}` : summary.scanned} job(s) failed for good${partial ? ` (reasons from the first ${summary.scanned})` : ''}.`,
      summary.erased
        ? ` ${plural(summary.erased, 'job')} of them belong to erased conversations: they will be dropped, not moved.`
        : '',
    ),
    table({
      caption: 'Failed jobs by reason',
      rows: summary.reasons,
      columns: [
        { header: 'Jobs', cell: (r) => String(r.count), value: (r) => r.count, numeric: true },
        { header: 'Failure reason', cell: (r) => r.reason },
      ],
    }),
    answer.queueUrl ? redrive : h('p', { class: 'hint' }, 'Start the console with --queue-url to redrive.'),
    confirmBox,
    outcome,
  );
}
