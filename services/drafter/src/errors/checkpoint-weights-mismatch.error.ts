/** Thrown when the checkpoint manifest a checkpoints.bf16 event points at lists other weights than the event announces. */
export class CheckpointWeightsMismatchError extends Error {
  override readonly name = 'CheckpointWeightsMismatchError';

  constructor(
    readonly checkpointId: string,
    readonly announced: string,
    readonly listed: string | undefined,
  ) {
    super(`checkpoint ${checkpointId}: its manifest lists model.safetensors ${listed ?? '(none)'}, the announcement names ${announced}`);
  }
}
