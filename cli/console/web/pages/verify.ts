/** Verify: conversations or the whole archive, with live progress and a result that prints well. */
import { announce, errorBox, field, h, replace } from '../dom.ts';
import { bytes, plural, time } from '../format.ts';
import type { PageContext } from '../main.ts';
import { table } from '../table.ts';
import { type Finding, type VerifyResult, verify } from './verify-job.ts';

export function verifyPage({ main, session }: PageContext) {
  const conversations = h('input', { name: 'conversations', type: 'text', autocomplete: 'off', inputmode: 'numeric' });
  const scopeSome = h('input', { type: 'radio', name: 'scope', value: 'some', id: 'scope-some', checked: true });
  const scopeAll = h('input', { type: 'radio', name: 'scope', value: 'all', id: 'scope-all' });
  const out = h('section', { 'aria-label': 'Verification' });
  const start = h('button', { type: 'submit', class: 'primary' }, 'Verify');
  const form = h(
    'form',
    {},
    h(
      'fieldset',
      {},
      h('legend', {}, 'What to verify'),
      h('div', { class: 'choice' }, scopeSome, h('label', { for: 'scope-some' }, 'These conversations')),
      field('Conversation number(s)', conversations, 'Separated by spaces or commas.'),
      h('div', { class: 'choice' }, scopeAll, h('label', { for: 'scope-all' }, 'The whole archive (reads every file)')),
    ),
    start,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const scope = scopeAll.checked ? { all: true as const } : { conversations: [conversations.value] };
    start.disabled = true;
    const progress = h('progress', { max: 1, value: 0, 'aria-label': 'Verification progress' });
    const line = h('p', {}, 'Listing files…');
    replace(out, progress, line);
    try {
      const result = await verify(scope, (done, total, phase) => {
        progress.max = Math.max(total, 1);
        progress.value = done;
        line.textContent = phase === 'planning' ? 'Listing files…' : `Re-hashed ${bytes(done)} of ${bytes(total)}`;
      });
      replace(out, verifyReport(result, session));
      announce(result.ok ? 'Verification passed' : 'Verification found problems');
    } catch (error) {
      replace(out, errorBox((error as Error).message));
    } finally {
      start.disabled = false;
    }
  });
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Verify the archive'),
    h(
      'p',
      {},
      'Every file is read back from the bucket, its SHA-256 recomputed and compared with the provenance record stored beside it.',
    ),
    h(
      'p',
      { class: 'hint' },
      'A person\u2019s conversations: find the person on ',
      h('a', { href: '#/find' }, 'Find'),
      ', then press \u201cVerify\u201d there.',
    ),
    form,
    out,
  );
}

/** The result as a person reads and prints it; `what` names the scope when the caller knows it better. */
export function verifyReport(
  result: VerifyResult,
  { bucket, prefix }: { bucket: string; prefix: string },
  what = result.scope.all ? 'the whole archive' : `conversation(s) ${(result.scope.conversations ?? []).join(', ')}`,
): HTMLElement {
  return h(
    'div',
    { class: 'report' },
    h(
      'h2',
      { class: result.ok ? 'ok' : 'error' },
      result.ok ? 'Passed: every file matches its record' : `Failed: ${plural(result.findings.length, 'problem')}`,
    ),
    h(
      'dl',
      {},
      h('dt', {}, 'Checked'),
      h('dd', {}, what),
      h('dt', {}, 'Archive'),
      h('dd', {}, `s3://${bucket}/${prefix}`),
      h('dt', {}, 'Files'),
      h('dd', {}, `${plural(result.files, 'file')}, ${bytes(result.bytes)} re-hashed`),
      h('dt', {}, 'When'),
      h('dd', {}, time(result.checkedAt)),
    ),
    result.findings.length > 0
      ? table<Finding>({
          caption: 'Problems found',
          rows: result.findings,
          columns: [
            {
              header: 'Conversation',
              cell: (f) => h('a', { href: `#/conversation/${f.conversationId}` }, f.conversationId),
            },
            { header: 'File', cell: (f) => f.name },
            { header: 'Problem', cell: (f) => f.problem },
            { header: 'Detail', cell: (f) => f.detail },
          ],
        })
      : null,
    h('button', { type: 'button', class: 'no-print', onclick: () => window.print() }, 'Print this result'),
  );
}
