/** One JSON object a line, each ending with a newline: what the trainer's `read_jsonl` reads. */
export function toJsonl(rows: readonly object[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

/** The rows of a JSONL text (blank lines skipped). */
export function fromJsonl<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}
