/** Access request: the files of one or more conversations as one zip, with the manifest of their provenance inside. */
import { csrfToken } from '../api.ts';
import { field, h, replace } from '../dom.ts';
import type { PageContext } from '../main.ts';

export function exportPage({ main, session }: PageContext) {
  const conversations = h('input', {
    name: 'conversations',
    type: 'text',
    autocomplete: 'off',
    inputmode: 'numeric',
    required: true,
  });
  const form = h(
    'form',
    { method: 'post', action: '/api/export' },
    h('input', { type: 'hidden', name: 'csrf', value: csrfToken() }),
    field(
      'Conversation number(s)',
      conversations,
      'Separated by spaces or commas. Each conversation becomes a folder in the zip.',
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Download the zip'),
  );
  replace(
    main,
    h('h1', { tabindex: -1 }, 'Access request'),
    h(
      'p',
      {},
      'Hand a data subject their files: one zip with a folder per conversation, every file under the name it came with, and manifest.json listing each file\u2019s provenance record (where it came from, when it was archived, its size and SHA-256). Each file is hashed while it is zipped; a file that does not match its record is named in the manifest.',
    ),
    session.features.people
      ? null
      : h(
          'p',
          { class: 'hint' },
          'Export by person (e-mail, phone) comes with the people index; until then, find the person\u2019s conversations in Dixa.',
        ),
    form,
  );
}
