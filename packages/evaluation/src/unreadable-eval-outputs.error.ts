/** Thrown when a model's decoded held-out outputs are missing, or a line of them is not an output of a held-out row of the dataset. */
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
