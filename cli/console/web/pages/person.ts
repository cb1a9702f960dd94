/**
 * Find a person (e-mail, phone or external id) on the Find page: their conversations with where each was found and
 * which sources were searched, their files, and what an access request needs next — verify those conversations
 * (printable), download the access request zip. The address stays in this page's memory and in POST bodies: never in
 * the URL, the history or a server log.
 */
import { type ApiError, csrfToken, post, type Session } from '../api.ts';
import { announce, errorBox, field, h, replace } from '../dom.ts';
import { bytes, plural } from '../format.ts';
import { table } from '../table.ts';
import { type FileRow, fileColumns } from './files.ts';
import { showPersonErasure } from './person-erase.ts';
import { verifyReport } from './verify.ts';
import { verify } from './verify-job.ts';

type IdentityType = 'email' | 'phone' | 'external-id';

interface PersonQuery {
  type: IdentityType;
  value: string;
  askDixa: boolean;
}

interface FoundConversation {
  conversationId: string;
  foundIn: string;
  files: number;
  bytes: number;
}

interface PersonAnswer {
  summary: string;
  sources: string[];
  searchedAt: string;
  conversations: FoundConversation[];
  files: FileRow[];
}

const KINDS: [IdentityType, string][] = [
  ['email', 'E-mail address'],
  ['phone', 'Phone number'],
  ['external-id', 'External id'],
];

let lastPerson: PersonQuery | undefined;

export function personForm(session: Session, results: HTMLElement): HTMLFormElement {
  const type = h(
    'select',
    { name: 'type' },
    KINDS.map(([value, label]) => h('option', { value, selected: lastPerson?.type === value }, label)),
  );
  const value = h('input', { name: 'value', type: 'text', autocomplete: 'off', value: lastPerson?.value ?? '' });
  const askDixa = h('input', {
    type: 'checkbox',
    id: 'ask-dixa',
    name: 'askDixa',
    checked: session.features.dixa && (lastPerson?.askDixa ?? true),
    disabled: !session.features.dixa,
  });
  const form = h(
    'form',
    { class: 'search person' },
    h(
      'fieldset',
      {},
      h('legend', {}, 'A person'),
      field('Search by', type),
      field('E-mail, phone or external id', value),
      h('div', { class: 'choice' }, askDixa, h('label', { for: 'ask-dixa' }, 'Ask Dixa too')),
      h(
        'p',
        { class: 'hint wide' },
        "Any upper or lower case; a phone number with its country code (+45 12 34 56 78). The archive's own people " +
          'index is searched always (every conversation the person took part in, also after Dixa anonymized them)' +
          (session.features.dixa
            ? "; Dixa's end-user API adds the conversations Dixa lists for them."
            : '. To ask Dixa as well, start the console with DIXA_API_TOKEN set or --token-file.'),
      ),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Find person'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    lastPerson = { type: type.value as IdentityType, value: value.value, askDixa: askDixa.checked };
    const query = lastPerson;
    replace(results, h('p', {}, 'Searching…'));
    try {
      showPerson(results, session, query, await post<PersonAnswer>('/api/people/find', query));
    } catch (error) {
      replace(results, errorBox((error as ApiError).message));
    }
  });
  return form;
}

function showPerson(results: HTMLElement, session: Session, query: PersonQuery, answer: PersonAnswer) {
  announce(answer.summary);
  const ids = answer.conversations.map((c) => c.conversationId);
  const verifyOut = h('div', { class: 'verify-out' });
  const verifyButton = h('button', { type: 'button' }, `Verify ${plural(ids.length, 'conversation')}`);
  verifyButton.addEventListener('click', async () => {
    verifyButton.disabled = true;
    const progress = h('progress', { max: 1, value: 0, 'aria-label': 'Verification progress' });
    replace(verifyOut, progress);
    try {
      const result = await verify({ conversations: ids }, (done, total) => {
        progress.max = Math.max(total, 1);
        progress.value = done;
      });
      replace(verifyOut, verifyReport(result, session, `the conversations found for this person (${ids.join(', ')})`));
      announce(result.ok ? 'Verification passed' : 'Verification found problems');
    } catch (error) {
      replace(verifyOut, errorBox((error as Error).message));
    } finally {
      verifyButton.disabled = false;
    }
  });
  const eraseSlot = h('section', { 'aria-label': 'Erase this person' });
  const erase = h('button', { type: 'button', class: 'danger' }, 'Erase this person…');
  erase.addEventListener('click', () => {
    erase.disabled = true;
    void showPersonErasure(eraseSlot, query).finally(() => {
      erase.disabled = false;
    });
  });
  const found = answer.files.length;
  replace(
    results,
    h('h2', {}, `${plural(ids.length, 'conversation')} found, ${plural(found, 'archived file')}`),
    h('p', {}, answer.summary),
    h(
      'div',
      { class: 'actions' },
      ids.length > 0 ? verifyButton : null,
      accessRequestForm(query),
      erase,
      h(
        'span',
        { class: 'hint' },
        'The zip holds every file found and manifest.json: what was searched, when, where each conversation was found.',
      ),
    ),
    verifyOut,
    eraseSlot,
    ids.length > 0
      ? table<FoundConversation>({
          caption: 'Conversations found',
          rows: answer.conversations,
          columns: [
            {
              header: 'Conversation',
              cell: (c) => h('a', { href: `#/conversation/${c.conversationId}` }, c.conversationId),
              value: (c) => Number(c.conversationId),
              numeric: true,
            },
            { header: 'Found in', cell: (c) => c.foundIn },
            {
              header: 'Archived files',
              cell: (c) => (c.files === 0 ? 'none' : String(c.files)),
              value: (c) => c.files,
              numeric: true,
            },
            { header: 'Size', cell: (c) => bytes(c.bytes), value: (c) => c.bytes, numeric: true },
          ],
        })
      : h('p', {}, 'The person was found in no conversation: the access request is answered with the manifest alone.'),
    found > 0 ? fileColumns(answer.files, { caption: 'Files found', withConversation: true }) : null,
  );
}

/** A plain form POST (the address in its body, not a URL): the browser streams the zip to disk as it arrives. */
function accessRequestForm(query: PersonQuery): HTMLFormElement {
  return h(
    'form',
    { method: 'post', action: '/api/export', class: 'inline' },
    h('input', { type: 'hidden', name: 'csrf', value: csrfToken() }),
    h('input', { type: 'hidden', name: 'personType', value: query.type }),
    h('input', { type: 'hidden', name: 'personValue', value: query.value }),
    query.askDixa ? h('input', { type: 'hidden', name: 'askDixa', value: 'on' }) : null,
    h('button', { type: 'submit' }, 'Download the access request (zip)'),
  );
}
