/** Erase: the plan, the conversation number typed again, a reason — then the receipt on screen. */
import { type ApiError, post } from '../api.ts';
import { announce, errorBox, field, h, replace } from '../dom.ts';
import { bytes, plural } from '../format.ts';
import type { PageContext } from '../main.ts';
import { table } from '../table.ts';
import { type Receipt, receiptView } from './receipts.ts';

interface Plan {
  conversationId: string;
  keyPrefix: string;
  counts: { objects: number; files: number; records: number; olderVersions: number; deleteMarkers: number };
  files: { name: string; size: number; kind: string | null }[];
  refusal: { summary: string; held: string[] } | null;
  governanceHeld: string[];
}

export function erasePage({ main, params }: PageContext) {
  const conversation = h('input', {
    name: 'conversation',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'off',
    value: params[0] ?? '',
  });
  const planSlot = h('section', { 'aria-label': 'Erasure plan' });
  const form = h(
    'form',
    {},
    field('Conversation number', conversation),
    h('button', { type: 'submit' }, 'Show what would be erased'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(planSlot, h('p', {}, 'Planning…'));
    try {
      const plan = await post<Plan>('/api/erase/plan', { conversation: conversation.value });
      showPlan(planSlot, plan);
    } catch (error) {
      replace(planSlot, ...refused(error as ApiError));
    }
  });
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Erase a conversation'),
    h(
      'p',
      {},
      'Erasing deletes every stored version of every file and provenance record of the conversation, permanently, and writes an erasure receipt: who, when, why and which objects — no file contents.',
    ),
    form,
    planSlot,
  );
  if (params[0]) form.requestSubmit();
}

function showPlan(slot: HTMLElement, plan: Plan) {
  const { counts } = plan;
  const heading = h('h2', { tabindex: -1 }, `Plan for conversation ${plan.conversationId}`);
  const summary = h(
    'p',
    {},
    `${plural(counts.files, 'file')}, ${plural(counts.records, 'provenance record')}, ${plural(counts.olderVersions, 'older version')}, ${plural(counts.deleteMarkers, 'delete marker')}: ${plural(counts.objects, 'object')} in all.`,
  );
  const files =
    plan.files.length > 0
      ? table({
          caption: 'Files that will be erased',
          rows: plan.files,
          columns: [
            { header: 'Kind', cell: (f) => f.kind ?? '—' },
            { header: 'Name', cell: (f) => f.name },
            { header: 'Size', cell: (f) => bytes(f.size), value: (f) => f.size, numeric: true },
          ],
        })
      : h('p', {}, 'Nothing is archived for this conversation.');
  if (plan.refusal) {
    replace(
      slot,
      heading,
      summary,
      errorBox(plan.refusal.summary),
      h(
        'ul',
        {},
        plan.refusal.held.map((line) => h('li', {}, line)),
      ),
      files,
    );
    heading.focus();
    return;
  }
  if (counts.objects === 0) {
    replace(slot, heading, h('p', {}, 'Nothing is stored under this conversation: there is nothing to erase.'));
    heading.focus();
    return;
  }
  const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 500, required: true });
  const confirmation = h('input', {
    name: 'confirmation',
    type: 'text',
    autocomplete: 'off',
    inputmode: 'numeric',
    required: true,
  });
  const bypass = h('input', { type: 'checkbox', id: 'bypass', name: 'bypass' });
  const go = h('button', { type: 'submit', class: 'danger', disabled: true }, 'Erase permanently');
  const result = h('div');
  const check = () => {
    go.disabled =
      confirmation.value.trim() !== plan.conversationId ||
      reason.value.trim() === '' ||
      (plan.governanceHeld.length > 0 && !bypass.checked);
  };
  confirmation.addEventListener('input', check);
  reason.addEventListener('input', check);
  bypass.addEventListener('change', check);
  const form = h(
    'form',
    { class: 'confirm' },
    field('Reason (goes into the receipt; e.g. a ticket number, no personal data)', reason),
    plan.governanceHeld.length > 0
      ? h(
          'div',
          { class: 'choice' },
          bypass,
          h(
            'label',
            { for: 'bypass' },
            `Also delete the ${plural(plan.governanceHeld.length, 'version')} under GOVERNANCE retention (needs s3:BypassGovernanceRetention)`,
          ),
        )
      : null,
    field(`Type ${plan.conversationId} to confirm`, confirmation),
    go,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    go.disabled = true;
    replace(result, h('p', {}, 'Erasing…'));
    try {
      const answer = await post<{ receiptKey: string; receipt: Receipt }>('/api/erase', {
        conversation: plan.conversationId,
        confirmation: confirmation.value,
        reason: reason.value,
        bypassGovernance: bypass.checked,
      });
      form.remove();
      replace(
        result,
        h('h2', { tabindex: -1, class: 'ok' }, `Erased: receipt ${answer.receiptKey}`),
        receiptView(answer.receipt),
      );
      announce(`Conversation ${plan.conversationId} erased; the receipt is shown`);
      result.querySelector<HTMLElement>('h2')?.focus();
    } catch (error) {
      const body = (error as ApiError & { body?: { receipt?: Receipt } }).body;
      replace(result, ...refused(error as ApiError), body?.receipt ? receiptView(body.receipt) : null);
      check();
    }
  });
  replace(slot, heading, summary, files, form, result);
  heading.focus();
}

/** Why nothing was erased: a legal hold is named matter by matter, with the way to the Legal holds page. */
function refused(error: ApiError): HTMLElement[] {
  const body = (error as ApiError & { body?: { conversationId?: string; heldBy?: string[] } }).body;
  if (!body?.heldBy) return [errorBox(error.message)];
  return [
    errorBox(
      `Conversation ${body.conversationId} is under legal hold, so it cannot be erased. Nothing was deleted. It is held for:`,
    ),
    h(
      'ul',
      { class: 'matters' },
      body.heldBy.map((matter) => h('li', {}, matter)),
    ),
    h(
      'p',
      {},
      'When a matter is closed, release its hold on the ',
      h('a', { href: '#/holds' }, 'Legal holds'),
      ' page; then the conversation can be erased.',
    ),
  ];
}
