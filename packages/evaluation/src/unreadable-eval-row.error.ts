/** Thrown by readEvalRows when a line of an eval JSONL text is not JSON or not an eval row. */
export class UnreadableEvalRowError extends Error {
  constructor(readonly line: number, reason: string) {
    super(`eval row on line ${line} is unreadable: ${reason}`);
    this.name = 'UnreadableEvalRowError';
  }
}
