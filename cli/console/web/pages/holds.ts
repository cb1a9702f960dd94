/** Legal holds: the holds in force by matter and by conversation; place a hold and release one, each confirmed. */
import { type ApiError, get, post } from '../api.ts';
import { announce, errorBox, field, h, replace } from '../dom.ts';
import { plural, time } from '../format.ts';
import type { PageContext } from '../main.ts';
import { table } from '../table.ts';

export interface HoldInForce {
  conversationId: string;
  matter: string;
  since: string;
  by: string;
  reason: string;
}

interface PlacedHold {
  conversationId: string;
  files: number;
  versions: number;
  matters: string[];
}

interface ReleasedHold {
  conversationId: string;
  released: boolean;
  stillHeldBy: string[];
  versions: number;
}

const quoted = (matters: readonly string[]) => matters.map((m) => `\u201c${m}\u201d`).join(', ');

export async function holdsPage({ main, params }: PageContext) {
  const heading = h('h1', { tabindex: -1 }, 'Legal holds');
  const intro = h(
    'p',
    {},
    'A conversation under legal hold cannot be erased \u2014 not here, not from the command line, not by the anonymization follower. On a bucket with Object Lock, S3 itself keeps every held file. Every hold placed or released is kept as a write-once record, so its history stays provable.',
  );
  const inForce = h('section', { 'aria-labelledby': 'in-force' });
  const releaseSlot = h('div');
  const placeSlot = h('div');

  const load = async () => {
    replace(inForce, h('h2', { id: 'in-force' }, 'Holds in force'), h('p', {}, 'Loading\u2026'));
    try {
      const { holds } = await get<{ holds: HoldInForce[] }>('/api/holds');
      replace(inForce, h('h2', { id: 'in-force' }, 'Holds in force'), ...holdTables(holds, askRelease));
    } catch (error) {
      replace(inForce, h('h2', { id: 'in-force' }, 'Holds in force'), errorBox((error as ApiError).message));
    }
  };

  /** The second step of every change: what will happen, then Yes or Cancel. */
  const confirmStep = (
    slot: HTMLElement,
    question: string,
    extra: HTMLElement | null,
    yesLabel: string,
    act: () => Promise<string>,
  ) => {
    const yes = h('button', { type: 'button', class: 'primary' }, yesLabel);
    const no = h('button', { type: 'button' }, 'Cancel');
    const problem = h('div');
    const box = h(
      'div',
      { class: 'confirm', role: 'group', 'aria-label': 'Confirm' },
      h('p', {}, question),
      extra,
      h('div', { class: 'actions' }, yes, no),
      problem,
    );
    no.addEventListener('click', () => replace(slot));
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      replace(problem, h('p', {}, 'Working\u2026'));
      try {
        const message = await act();
        replace(slot, h('p', { class: 'ok', role: 'status' }, message));
        announce(message);
        await load();
      } catch (error) {
        replace(problem, errorBox((error as ApiError).message));
        yes.disabled = false;
      }
    });
    replace(slot, box);
    yes.focus();
  };

  function askRelease(matter: string, conversations: string[], held: number) {
    const reason = h('input', { type: 'text', name: 'release-reason', autocomplete: 'off', maxlength: 500 });
    const scope =
      conversations.length === 0
        ? `all ${plural(held, 'conversation')} it holds`
        : `conversation ${conversations.join(', ')}`;
    confirmStep(
      releaseSlot,
      `Release the hold of matter \u201c${matter}\u201d on ${scope}? A conversation another matter still holds stays held.`,
      field('Reason for the release (e.g. case closed; no personal data)', reason),
      'Yes, release',
      async () => {
        const { released } = await post<{ released: ReleasedHold[] }>('/api/holds/release', {
          matter,
          conversations,
          reason: reason.value,
        });
        return released.map(describeRelease(matter)).join(' ');
      },
    );
  }

  const conversations = h('input', {
    name: 'conversations',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'off',
    value: params[0] ?? '',
  });
  const matter = h('input', { name: 'matter', type: 'text', autocomplete: 'off', maxlength: 200 });
  const reason = h('input', { name: 'reason', type: 'text', autocomplete: 'off', maxlength: 500 });
  const place = h(
    'form',
    { 'aria-labelledby': 'place' },
    field('Conversation number(s)', conversations, 'Separated by spaces or commas.'),
    field(
      'Matter',
      matter,
      'The legal matter the hold belongs to, e.g. a case number. Several matters can hold one conversation.',
    ),
    field('Reason', reason, 'Why, for the hold\u2019s record (no personal data).'),
    h('button', { type: 'submit' }, 'Place hold\u2026'),
  );
  place.addEventListener('submit', (event) => {
    event.preventDefault();
    const ids = conversations.value.split(/[\s,]+/).filter((id) => id !== '');
    confirmStep(
      placeSlot,
      `Place a legal hold for matter \u201c${matter.value.trim()}\u201d on ${ids.length === 1 ? `conversation ${ids[0]}` : `${ids.length} conversations (${ids.join(', ')})`}? While it is held, nothing of it can be erased.`,
      null,
      'Yes, place the hold',
      async () => {
        const { placed } = await post<{ placed: PlacedHold[] }>('/api/holds/place', {
          conversations: [conversations.value],
          matter: matter.value,
          reason: reason.value,
        });
        return placed.map(describePlacement).join(' ');
      },
    );
  });

  replace(main, heading, intro, inForce, releaseSlot, h('h2', { id: 'place' }, 'Place a hold'), place, placeSlot);
  await load();
}

function describePlacement(p: PlacedHold): string {
  const what =
    p.files === 0
      ? 'nothing is archived for it yet; files archived later are held too'
      : `${plural(p.files, 'file')}${p.versions > 0 ? `, S3 legal hold on ${plural(p.versions, 'object version')}` : ''}`;
  return `Conversation ${p.conversationId} is held (${what}); held by ${quoted(p.matters)}.`;
}

const describeRelease = (matter: string) => (r: ReleasedHold) => {
  if (!r.released) return `Conversation ${r.conversationId} was not held for \u201c${matter}\u201d; left as it is.`;
  if (r.stillHeldBy.length > 0)
    return `Conversation ${r.conversationId} released from \u201c${matter}\u201d; still held by ${quoted(r.stillHeldBy)}.`;
  return `Conversation ${r.conversationId} released from \u201c${matter}\u201d; no longer held.`;
};

function holdTables(
  holds: HoldInForce[],
  askRelease: (matter: string, conversations: string[], held: number) => void,
): HTMLElement[] {
  if (holds.length === 0) return [h('p', {}, 'No conversation is under legal hold.')];
  const matters = new Map<string, HoldInForce[]>();
  for (const hold of holds) matters.set(hold.matter, [...(matters.get(hold.matter) ?? []), hold]);
  const byMatter = [...matters].map(([matter, rows]) => ({
    matter,
    conversations: rows.length,
    since: rows.map((r) => r.since).sort()[0]!,
  }));
  const conversations = new Set(holds.map((h) => h.conversationId)).size;
  return [
    h('p', {}, `${plural(conversations, 'conversation')} held by ${plural(matters.size, 'matter')}.`),
    table({
      caption: 'By matter',
      rows: byMatter,
      columns: [
        { header: 'Matter', cell: (m) => m.matter },
        { header: 'Conversations', cell: (m) => String(m.conversations), value: (m) => m.conversations, numeric: true },
        { header: 'First hold', cell: (m) => time(m.since), value: (m) => m.since },
        {
          header: 'Release',
          cell: (m) =>
            h(
              'button',
              { type: 'button', onclick: () => askRelease(m.matter, [], m.conversations) },
              `Release all of \u201c${m.matter}\u201d\u2026`,
            ),
        },
      ],
    }),
    table({
      caption: 'By conversation',
      rows: holds,
      filterLabel: 'Filter holds (conversation, matter, who, reason)',
      columns: [
        {
          header: 'Conversation',
          cell: (r) => h('a', { href: `#/conversation/${r.conversationId}` }, r.conversationId),
          value: (r) => Number(r.conversationId),
          numeric: true,
        },
        { header: 'Matter', cell: (r) => r.matter },
        { header: 'Since', cell: (r) => time(r.since), value: (r) => r.since },
        { header: 'Placed by', cell: (r) => r.by },
        { header: 'Reason', cell: (r) => r.reason },
        {
          header: 'Release',
          cell: (r) =>
            h(
              'button',
              { type: 'button', onclick: () => askRelease(r.matter, [r.conversationId], 1) },
              h('span', { 'aria-hidden': 'true' }, 'Release\u2026'),
              h('span', { class: 'visually-hidden' }, `Release conversation ${r.conversationId} from ${r.matter}`),
            ),
        },
      ],
    }),
  ];
}
