/** Thrown when a precision's eval_outputs.<precision>.jsonl of a quantize run is missing, or has a line that is not an output of a held-out row of the job's dataset. */
export class UnreadableEvalOutputsError extends Error {
  override readonly name = 'UnreadableEvalOutputsError';

  constructor(
    readonly path: string,
    /** The line at fault; 0 when the file itself is missing. */
    readonly line: number,
    reason: string,
  ) {
    super(line ? `${path} line ${line}: ${reason}` : `${path}: ${reason}`);
  }
}
