/** Thrown when a stage's eval_outputs.jsonl has a line that is not an output of a held-out row of the job's dataset. */
export class UnreadableEvalOutputsError extends Error {
  override readonly name = 'UnreadableEvalOutputsError';

  constructor(
    readonly path: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${path} line ${line}: ${reason}`);
  }
}
