import { escapeHtml } from './html.js';

/** A table of text cells, rendered the same in markdown and in HTML. */
export interface Table {
  readonly header: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
}

/** `| a | b |` lines; a `|` inside a cell is escaped. */
export function markdownTable(table: Table): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(table.header), `|${table.header.map(() => '---').join('|')}|`, ...table.rows.map(line)];
}

/** A `<table>`, every cell escaped; columns after the first whose cells all start with a figure (or are `–`) align right. */
export function htmlTable(table: Table): string {
  const numeric = table.header.map((_name, column) => column > 0 && table.rows.length > 0 && table.rows.every((row) => /^(–$|[-+]?\d)/.test(row[column] ?? '')));
  const cell = (tag: 'th' | 'td', text: string, column: number) => `<${tag}${numeric[column] ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`;
  return [
    '<table>',
    `<thead><tr>${table.header.map((text, column) => cell('th', text, column)).join('')}</tr></thead>`,
    `<tbody>${table.rows.map((row) => `<tr>${row.map((text, column) => cell('td', text, column)).join('')}</tr>`).join('')}</tbody>`,
    '</table>',
  ].join('');
}
