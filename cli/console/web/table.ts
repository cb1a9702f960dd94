/**
 * A table that can be sorted (header buttons, aria-sort) and filtered (one text box over every column). Rows are
 * built once; sorting and filtering move or hide existing rows, so 1,000 files stay quick.
 */
import { h, replace } from './dom.ts';

export interface Column<T> {
  header: string;
  /** What is shown: a string, or a node for links and badges. */
  cell: (row: T) => Node | string;
  /** What sorting and filtering use (defaults to the shown text). */
  value?: (row: T) => string | number;
  numeric?: boolean;
}

export interface TableOptions<T> {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  /** Label of the filter box; none when omitted. */
  filterLabel?: string;
}

export function table<T>(options: TableOptions<T>): HTMLElement {
  const { columns, rows } = options;
  const built = rows.map((row) => {
    const cells = columns.map((column) => column.cell(row));
    const text = cells.map((cell) => (typeof cell === 'string' ? cell : (cell.textContent ?? ''))).join(' ');
    const tr = h(
      'tr',
      {},
      cells.map((cell, i) => h('td', { class: columns[i]!.numeric ? 'num' : null }, cell)),
    );
    return { row, tr, text: text.toLowerCase() };
  });
  const tbody = h(
    'tbody',
    {},
    built.map((b) => b.tr),
  );
  const count = h('p', { class: 'count', 'aria-live': 'polite' }, `${rows.length} shown`);
  let sortedBy = -1;
  let ascending = true;
  const headers = columns.map((column, index) => {
    const button = h('button', { type: 'button', class: 'sort', onclick: () => sort(index) }, column.header);
    return h('th', { scope: 'col', class: column.numeric ? 'num' : null }, button);
  });

  function sort(index: number) {
    ascending = sortedBy === index ? !ascending : true;
    sortedBy = index;
    const column = columns[index]!;
    const key = (row: T) => (column.value ? column.value(row) : textOf(column.cell(row)));
    const keyed = built.map((b) => ({ b, k: key(b.row) }));
    keyed.sort((x, y) => {
      const order =
        typeof x.k === 'number' && typeof y.k === 'number' ? x.k - y.k : String(x.k).localeCompare(String(y.k));
      return ascending ? order : -order;
    });
    tbody.append(...keyed.map(({ b }) => b.tr));
    headers.forEach((th, i) => {
      if (i === index) th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    });
  }

  const wrapper = h('div', { class: 'table' });
  const parts: Node[] = [];
  if (options.filterLabel) {
    const input = h('input', { type: 'search', autocomplete: 'off' });
    input.addEventListener('input', () => {
      const needle = input.value.trim().toLowerCase();
      let shown = 0;
      for (const b of built) {
        const visible = needle === '' || b.text.includes(needle);
        b.tr.hidden = !visible;
        if (visible) shown++;
      }
      count.textContent = `${shown} of ${rows.length} shown`;
    });
    const id = `filter-${Math.random().toString(36).slice(2)}`;
    input.id = id;
    parts.push(h('div', { class: 'filter' }, h('label', { for: id }, options.filterLabel), input, count));
  }
  parts.push(
    h(
      'div',
      { class: 'scroll' },
      h('table', {}, h('caption', {}, options.caption), h('thead', {}, h('tr', {}, headers)), tbody),
    ),
  );
  replace(wrapper, ...parts);
  return wrapper;
}

const textOf = (cell: Node | string) => (typeof cell === 'string' ? cell : (cell.textContent ?? ''));
