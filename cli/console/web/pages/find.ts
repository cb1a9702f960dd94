/** Find: files by conversation number and by dates, or a person's (person.ts), as a sortable, filterable table. */
import { type ApiError, post } from '../api.ts';
import { announce, errorBox, field, h, replace } from '../dom.ts';
import { bytes, plural } from '../format.ts';
import type { PageContext } from '../main.ts';
import { type FileRow, fileColumns } from './files.ts';
import { personForm } from './person.ts';

let lastQuery: Record<string, string> = {};
/** Which search to repeat on coming back to Find. */
let last: 'files' | 'person' | undefined;

export function findPage({ main, session }: PageContext) {
  const input = (name: string, type = 'text', extra: Record<string, string> = {}) =>
    h('input', { name, type, value: lastQuery[name] ?? '', autocomplete: 'off', ...extra });
  const conversation = input('conversations', 'text', { inputmode: 'numeric' });
  const createdFrom = input('createdFrom', 'date');
  const createdTo = input('createdTo', 'date');
  const archivedFrom = input('archivedFrom', 'date');
  const archivedTo = input('archivedTo', 'date');
  const results = h('section', { 'aria-label': 'Results' });
  const form = h(
    'form',
    { class: 'search' },
    field(
      'Conversation number(s)',
      conversation,
      'One or more Dixa conversation numbers, separated by spaces or commas.',
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Sent (the message date)'),
      field('From', createdFrom),
      field('To (inclusive)', createdTo),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Archived (when the file was copied)'),
      field('From', archivedFrom),
      field('To (inclusive)', archivedTo),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Find files'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    last = 'files';
    lastQuery = Object.fromEntries(new FormData(form) as unknown as Iterable<[string, string]>);
    const query = {
      conversations: lastQuery.conversations ? [lastQuery.conversations] : [],
      ...pick(lastQuery, ['createdFrom', 'createdTo', 'archivedFrom', 'archivedTo']),
    };
    replace(results, h('p', {}, 'Searching…'));
    try {
      const { files } = await post<{ files: FileRow[] }>('/api/find', query);
      showResults(results, files);
    } catch (error) {
      replace(results, errorBox((error as ApiError).message));
    }
  });
  const person = personForm(session, results);
  person.addEventListener('submit', () => {
    last = 'person';
  });
  replace(main, h('h1', { tabindex: -1 }, 'Find archived files'), person, form, results);
  if (last === 'person') person.requestSubmit();
  else if (last === 'files') form.requestSubmit();
}

function showResults(results: HTMLElement, files: FileRow[]) {
  const conversations = new Set(files.map((f) => f.conversationId));
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const summary = `${plural(files.length, 'file')} in ${plural(conversations.size, 'conversation')}, ${bytes(total)}`;
  announce(`Found ${summary}`);
  if (files.length === 0) {
    replace(results, h('p', {}, 'No archived files match.'));
    return;
  }
  replace(
    results,
    h('h2', {}, summary),
    h(
      'ul',
      { class: 'conversations' },
      [...conversations].map((id) => h('li', {}, h('a', { href: `#/conversation/${id}` }, `Conversation ${id}`))),
    ),
    fileColumns(files, { caption: 'Files found', withConversation: true }),
  );
}

function pick(values: Record<string, string>, names: string[]) {
  return Object.fromEntries(names.filter((n) => values[n]).map((n) => [n, values[n]]));
}
