/** Thrown when a drafters.ready drafter's own manifest.json names other student weights than its checkpoint's: it was trained for another student. */
export class DrafterNotForCheckpointError extends Error {
  override readonly name = 'DrafterNotForCheckpointError';

  constructor(
    readonly drafterId: string,
    readonly checkpointId: string,
    readonly trainedFor: string,
    readonly checkpointWeights: string,
  ) {
    super(`drafter ${drafterId} was trained for the student weights ${trainedFor}, not checkpoint ${checkpointId}'s ${checkpointWeights}`);
  }
}
