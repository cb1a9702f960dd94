/**
 * Erasing a person (from their Find results): the plan of every conversation found, the person's address typed
 * again and a reason, then the request receipt on screen — each conversation erased with its own receipt, linked by
 * one request receipt that names the person by person key only.
 */
import { type ApiError, post } from '../api.ts';
import { announce, errorBox, field, h, replace } from '../dom.ts';
import { bytes, plural } from '../format.ts';
import { table } from '../table.ts';
import { type RequestReceipt, requestReceiptView } from './receipts.ts';

interface PersonQuery {
  type: 'email' | 'phone' | 'external-id';
  value: string;
  askDixa: boolean;
}

interface ConversationPlan {
  conversationId: string;
  foundIn: string;
  counts: { objects: number; files: number };
  files: { size: number }[];
  governanceHeld: string[];
}

const WHAT = { email: 'e-mail address', phone: 'phone number', 'external-id': 'external id' } as const;

export async function showPersonErasure(slot: HTMLElement, query: PersonQuery): Promise<void> {
  const heading = h('h2', { tabindex: -1 }, 'Erase this person');
  replace(slot, heading, h('p', {}, 'Planning…'));
  let plan: { summary: string; conversations: ConversationPlan[] };
  try {
    plan = await post('/api/people/erase/plan', query);
  } catch (error) {
    replace(slot, heading, ...refused(error as ApiError));
    heading.focus();
    return;
  }
  const { conversations } = plan;
  const objects = conversations.reduce((n, c) => n + c.counts.objects, 0);
  const governance = conversations.reduce((n, c) => n + c.governanceHeld.length, 0);
  const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 500, required: true });
  const confirmation = h('input', { name: 'confirmation', type: 'text', autocomplete: 'off', required: true });
  const bypass = h('input', { type: 'checkbox', id: 'person-bypass' });
  const go = h('button', { type: 'submit', class: 'danger', disabled: true }, 'Erase permanently');
  const result = h('div');
  const check = () => {
    go.disabled = confirmation.value.trim() === '' || reason.value.trim() === '' || (governance > 0 && !bypass.checked);
  };
  for (const input of [confirmation, reason]) input.addEventListener('input', check);
  bypass.addEventListener('change', check);
  const form = h(
    'form',
    { class: 'confirm' },
    field("Reason (goes into every receipt; e.g. a ticket number, not the person's address)", reason),
    governance > 0
      ? h(
          'div',
          { class: 'choice' },
          bypass,
          h(
            'label',
            { for: 'person-bypass' },
            `Also delete the ${plural(governance, 'version')} under GOVERNANCE retention (needs s3:BypassGovernanceRetention)`,
          ),
        )
      : null,
    field(
      `Type the person's ${WHAT[query.type]} to confirm`,
      confirmation,
      'In any spelling that names the same person.',
    ),
    go,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    go.disabled = true;
    replace(result, h('p', {}, 'Erasing…'));
    try {
      const answer = await post<{ requestReceiptKey: string; requestReceipt: RequestReceipt }>('/api/people/erase', {
        ...query,
        confirmation: confirmation.value,
        reason: reason.value,
        bypassGovernance: bypass.checked,
      });
      form.remove();
      replace(
        result,
        h('h3', { tabindex: -1, class: 'ok' }, `Erased: request receipt ${answer.requestReceiptKey}`),
        requestReceiptView(answer.requestReceipt),
      );
      announce('The person was erased; the request receipt is shown');
      result.querySelector<HTMLElement>('h3')?.focus();
    } catch (error) {
      const body = (error as ApiError & { body?: { requestReceipt?: RequestReceipt } }).body;
      replace(
        result,
        ...refused(error as ApiError),
        body?.requestReceipt ? requestReceiptView(body.requestReceipt) : null,
      );
      check();
    }
  });
  replace(
    slot,
    heading,
    h('p', {}, plan.summary),
    conversations.length === 0
      ? h('p', {}, 'Nothing was found for this person: erasing writes only the request receipt, which says so.')
      : h(
          'p',
          {},
          `Every stored version of every file and provenance record of ${plural(conversations.length, 'conversation')} ` +
            `(${plural(objects, 'object')}) is deleted permanently; each conversation gets its receipt, and one request receipt links them.`,
        ),
    conversations.length > 0
      ? table<ConversationPlan>({
          caption: 'Conversations that will be erased',
          rows: conversations,
          columns: [
            { header: 'Conversation', cell: (c) => c.conversationId, value: (c) => Number(c.conversationId) },
            { header: 'Found in', cell: (c) => c.foundIn },
            { header: 'Files', cell: (c) => String(c.counts.files), value: (c) => c.counts.files, numeric: true },
            {
              header: 'Size',
              cell: (c) => bytes(c.files.reduce((n, f) => n + f.size, 0)),
              value: (c) => c.files.reduce((n, f) => n + f.size, 0),
              numeric: true,
            },
            { header: 'Objects', cell: (c) => String(c.counts.objects), value: (c) => c.counts.objects, numeric: true },
          ],
        })
      : null,
    form,
    result,
  );
  heading.focus();
}

/** Why nothing was erased; conversations under legal hold are named with their matters. */
function refused(error: ApiError): HTMLElement[] {
  const body = (error as ApiError & { body?: { held?: { conversationId: string; matters: string[] }[] } }).body;
  if (!body?.held) return [errorBox(error.message)];
  return [
    errorBox('Conversations of this person are under legal hold, so the person cannot be erased. Nothing was deleted.'),
    h(
      'ul',
      { class: 'matters' },
      body.held.map((held) => h('li', {}, `Conversation ${held.conversationId}: ${held.matters.join(', ')}`)),
    ),
    h(
      'p',
      {},
      'When a matter is closed, release its hold on the ',
      h('a', { href: '#/holds' }, 'Legal holds'),
      ' page; then the person can be erased.',
    ),
  ];
}
